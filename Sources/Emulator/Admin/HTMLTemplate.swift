/// An HTML page kept as a file beside the code that serves it, embedded at build time,
/// with named slots for the values Swift fills in:
///
/// - `{{name}}` takes text, which is HTML-escaped (`HTMLText.escape`);
/// - `{{{name}}}` takes markup, put in as it is: only markup the emulator made itself
///   (generated tables, an embedded script), never text from a request.
///
/// Nothing else in a file is special. A `{{` that does not make a slot is refused, so a
/// typo cannot reach a browser as text. Filling a template with some of its values gives a
/// template of the rest (a page made once, with only the request's host left per request);
/// rendering needs every remaining slot, and nothing more.
public struct HTMLTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case literal([UInt8])
        case text(String)
        case markup(String)
    }

    /// Why a template file does not parse.
    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        public let template: String
        public let line: Int
        public let reason: String
        public var description: String { "\(template):\(line): \(reason)" }
    }

    /// The file's name, for messages.
    public let name: String
    let parts: [Part]

    public init(_ bytes: [UInt8], name: String) throws(SyntaxError) {
        self.name = name
        parts = try Self.parse(bytes, name: name)
    }

    /// A template built into the executable (`PackageResources`): it is fixed at build
    /// time and every one is rendered by the tests, so one that does not parse is a
    /// programming error.
    public static func builtIn(_ bytes: [UInt8], name: String) -> HTMLTemplate {
        do {
            return try HTMLTemplate(bytes, name: name)
        } catch {
            preconditionFailure("the built-in template \(error)")
        }
    }

    private init(name: String, parts: [Part]) {
        self.name = name
        self.parts = parts
    }

    /// The names of the slots still to fill, in the order they first appear.
    public var slots: [String] {
        var names: [String] = []
        for part in parts {
            switch part {
            case .text(let slot), .markup(let slot):
                if !names.contains(slot) { names.append(slot) }
            case .literal:
                break
            }
        }
        return names
    }

    /// The template with the given slots filled and the others left open. Every value
    /// must name a slot of the template.
    public func filling(_ values: [String: String]) -> HTMLTemplate {
        let unknown = Set(values.keys).subtracting(slots)
        precondition(unknown.isEmpty, "\(name) has no slot \(unknown.sorted().joined(separator: ", "))")
        var filled: [Part] = []
        func append(_ bytes: some Collection<UInt8>) {
            if case .literal(let previous)? = filled.last {
                filled[filled.count - 1] = .literal(previous + bytes)
            } else {
                filled.append(.literal(Array(bytes)))
            }
        }
        for part in parts {
            switch part {
            case .literal(let bytes):
                append(bytes)
            case .text(let slot):
                if let value = values[slot] { append(HTMLText.escape(value).utf8) } else { filled.append(part) }
            case .markup(let slot):
                if let value = values[slot] { append(value.utf8) } else { filled.append(part) }
            }
        }
        return HTMLTemplate(name: name, parts: filled)
    }

    /// The page, with a value for every slot left (and for nothing else).
    public func render(_ values: [String: String] = [:]) -> [UInt8] {
        let missing = Set(slots).subtracting(values.keys)
        precondition(missing.isEmpty, "\(name) needs a value for \(missing.sorted().joined(separator: ", "))")
        let unknown = Set(values.keys).subtracting(slots)
        precondition(unknown.isEmpty, "\(name) has no slot \(unknown.sorted().joined(separator: ", "))")
        var page: [UInt8] = []
        for part in parts {
            switch part {
            case .literal(let bytes): page += bytes
            case .text(let slot): page += HTMLText.escape(values[slot]!).utf8
            case .markup(let slot): page += values[slot]!.utf8
            }
        }
        return page
    }

    // MARK: Parsing

    private static let open = UInt8(ascii: "{")
    private static let close = UInt8(ascii: "}")

    private static func parse(_ bytes: [UInt8], name: String) throws(SyntaxError) -> [Part] {
        var parts: [Part] = []
        var literalStart = 0
        var index = 0
        var line = 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") { line += 1 }
            guard byte == open, index + 1 < bytes.count, bytes[index + 1] == open else {
                index += 1
                continue
            }
            let isMarkup = index + 2 < bytes.count && bytes[index + 2] == open
            let braces = isMarkup ? 3 : 2
            var end = index + braces
            while end < bytes.count, isNameByte(bytes[end], first: end == index + braces) { end += 1 }
            let slot = String(decoding: bytes[(index + braces)..<end], as: UTF8.self)
            guard !slot.isEmpty else {
                throw SyntaxError(template: name, line: line, reason: "\"{{\" opens no slot (a slot is {{name}} or {{{name}}})")
            }
            guard end + braces <= bytes.count, bytes[end..<(end + braces)].allSatisfy({ $0 == close }),
                  end + braces == bytes.count || bytes[end + braces] != close else {
                throw SyntaxError(template: name, line: line, reason: "the slot \(slot) is not closed with \(String(repeating: "}", count: braces))")
            }
            if literalStart < index { parts.append(.literal(Array(bytes[literalStart..<index]))) }
            parts.append(isMarkup ? .markup(slot) : .text(slot))
            index = end + braces
            literalStart = index
        }
        if literalStart < bytes.count { parts.append(.literal(Array(bytes[literalStart...]))) }
        return parts
    }

    /// Slot names are identifiers: a letter, then letters and digits.
    private static func isNameByte(_ byte: UInt8, first: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
        case UInt8(ascii: "0")...UInt8(ascii: "9"): !first
        default: false
        }
    }
}
