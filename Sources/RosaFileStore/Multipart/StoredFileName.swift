/// The name the file store records for an upload, made from the part's `filename` by the
/// reference's rule ("Upload"): the basename, with every character outside letters, digits
/// and `_ . - + ~` replaced by `_`.
///
/// Decisions where the rule is silent:
/// - Directories end at `/` or `\` (Windows clients and old Internet Explorer send
///   `C:\dir\file`); a name ending in a separator has an empty basename.
/// - "Letters and digits" are ASCII ones, as Ruby's `\w` on the original server; each other
///   Unicode scalar (`é`, a combining mark, U+FFFD for bytes that were not UTF-8) becomes
///   one `_`. The result is plain ASCII, safe in a file path and a quoted header parameter.
/// - An empty result becomes `unnamed`, and one made only of dots (`.`, `..`) gets a `_`
///   in front (`_.`, `_..`), so the name never denotes the current or parent directory.
/// - Longer than `maximumLength` (Linux `NAME_MAX`), the name is cut in its stem so that a
///   short extension survives: the download's Content-Type is chosen by extension.
///
/// So `value` is never empty, never `.` or `..`, and never holds a `/`, `\`, NUL or space.
public struct StoredFileName: Sendable, Hashable, CustomStringConvertible {
    public static let maximumLength = 255
    public static let nameForEmpty = "unnamed"
    /// Longest extension kept whole when a name is shortened; a longer one is not a type.
    static let longestKeptExtension = 32

    public let value: String

    public init(sanitizing clientFileName: String) {
        let scalars = clientFileName.unicodeScalars
        let basenameStart =
            scalars.lastIndex { $0 == "/" || $0 == "\\" }.map(scalars.index(after:)) ?? scalars.startIndex
        let name = Self.shortened(String(String.UnicodeScalarView(scalars[basenameStart...].map(Self.keptOrReplaced))))
        // After shortening, which can leave only dots of a longer name.
        if name.isEmpty {
            value = Self.nameForEmpty
        } else if name.allSatisfy({ $0 == "." }) {
            value = "_" + name.prefix(Self.maximumLength - 1)
        } else {
            value = name
        }
    }

    public var description: String { value }

    private static func keptOrReplaced(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "-", "+", "~": scalar
        default: "_"
        }
    }

    /// `name` is ASCII here, so characters and bytes count the same.
    private static func shortened(_ name: String) -> String {
        guard name.count > maximumLength else { return name }
        if let dot = name.lastIndex(of: "."), dot > name.startIndex {
            let fileExtension = name[dot...]
            if fileExtension.count <= longestKeptExtension {
                return String(name.prefix(maximumLength - fileExtension.count) + fileExtension)
            }
        }
        return String(name.prefix(maximumLength))
    }
}
