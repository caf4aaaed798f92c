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
    public func containsToken(_ token: String, in name: String) -> Bool {
        for field in fields where field.name.equalsIgnoringASCIICase(name) {
            for element in field.value.split(separator: ",") {
                if element.trimmingHTTPWhitespace().equalsIgnoringASCIICase(token) { return true }
            }
        }
        return false
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
    public func equalsIgnoringASCIICase<Other: StringProtocol>(_ other: Other) -> Bool {
        let left = utf8, right = other.utf8
        guard left.count == right.count else { return false }
        for (a, b) in zip(left, right) where a != b {
            if a | 0x20 != b | 0x20 { return false }
            let lower = a | 0x20
            if lower < UInt8(ascii: "a") || lower > UInt8(ascii: "z") { return false }
        }
        return true
    }

    /// The value without leading and trailing spaces and tabs (RFC 9110 §5.6.3, OWS).
    public func trimmingHTTPWhitespace() -> Substring {
        let whole = Substring(self)
        guard let first = whole.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return whole[whole.endIndex...] }
        let last = whole.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return whole[first...last]
    }
}
