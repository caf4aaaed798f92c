/// Header fields in the order received. Names compare case-insensitively (RFC 9110 §5.1);
/// repeated fields are all kept.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public typealias Field = (name: String, value: String)
    private var fields: [Field]

    public init() { fields = [] }

    public init(_ fields: [Field]) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The first value of the field, or `nil`.
    public subscript(name: String) -> String? {
        for field in fields where field.name.equalsIgnoringASCIICase(name) { return field.value }
        return nil
    }

    public func values(for name: String) -> [String] {
        fields.filter { $0.name.equalsIgnoringASCIICase(name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool {
        fields.contains { $0.name.equalsIgnoringASCIICase(name) }
    }

    /// Whether a comma-separated list field (e.g. `Connection`) names `token`, in any case.
    /// Works on the bytes: it runs for every request.
    public func containsToken(_ token: String, in name: String) -> Bool {
        for field in fields where field.name.equalsIgnoringASCIICase(name) {
            for element in field.value.utf8.split(separator: UInt8(ascii: ",")) {
                if HTTPHeaders.trimmed(element).equalsIgnoringASCIICase(token.utf8) { return true }
            }
        }
        return false
    }

    private static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var bytes = bytes
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        return bytes
    }

    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Sets the field to one value, replacing every earlier value.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        fields.append((name: name, value: value))
    }

    public mutating func remove(name: String) {
        fields.removeAll { $0.name.equalsIgnoringASCIICase(name) }
    }

    public var description: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }
}

extension StringProtocol {
    /// ASCII case-insensitive equality: header names and tokens are ASCII, and this avoids
    /// the allocations of `lowercased()` on the hot path.
    /// Inlinable so that callers in other modules get it specialised for their string
    /// types: unspecialised, the generic calls showed in profiles of every request.
    @inlinable
    public func equalsIgnoringASCIICase<Other: StringProtocol>(_ other: Other) -> Bool {
        // Lengths first: most comparisons (a header name against another) fail on length,
        // and the UTF-8 count of a native string is stored, not computed.
        guard utf8.count == other.utf8.count else { return false }
        return utf8.equalsIgnoringASCIICase(other.utf8)
    }

    /// The value without leading and trailing spaces and tabs (RFC 9110 §5.6.3, OWS).
    /// Walks the UTF-8 bytes: Character-level iteration was a measured hot spot.
    public func trimmingHTTPWhitespace() -> Substring {
        let whole = Substring(self)
        let bytes = whole.utf8
        var start = bytes.startIndex, end = bytes.endIndex
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start = bytes.index(after: start) }
        while end > start, case let before = bytes.index(before: end), bytes[before] == 0x20 || bytes[before] == 0x09 { end = before }
        return whole[start..<end]
    }
}

extension Sequence where Element == UInt8 {
    /// ASCII case-insensitive equality of two byte sequences.
    @inlinable
    func equalsIgnoringASCIICase<Other: Collection>(_ other: Other) -> Bool where Other.Element == UInt8 {
        var iterator = other.makeIterator()
        for a in self {
            guard let b = iterator.next() else { return false }
            if a != b {
                let lower = a | 0x20
                guard lower == b | 0x20, lower >= UInt8(ascii: "a"), lower <= UInt8(ascii: "z") else { return false }
            }
        }
        return iterator.next() == nil
    }
}
