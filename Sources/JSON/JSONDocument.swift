/// A parsed document with the line on which each of its values starts
/// (`JSONParser.parseDocument`), so that a message about a file people edit can say where a
/// record is.
public struct JSONDocument: Sendable {
    public let value: JSONValue
    /// The line of every value in document order: a container before its members or
    /// elements, as the parser met them.
    let lines: [Int32]

    /// The whole document, located.
    public var root: LocatedJSON { LocatedJSON(value: value, lines: lines, position: 0) }
}

/// A value of a `JSONDocument` with the line it starts on; its members and elements come
/// located too.
public struct LocatedJSON: Sendable {
    public let value: JSONValue
    /// The document's table of lines (shared, not copied) and this value's place in it.
    private let lines: [Int32]
    private let position: Int

    init(value: JSONValue, lines: [Int32], position: Int) {
        self.value = value
        self.lines = lines
        self.position = position
    }

    /// The line the value starts on, from 1.
    public var line: Int { position < lines.count ? Int(lines[position]) : 0 }

    /// The elements of an array; nil for other values.
    public var elements: [LocatedJSON]? {
        guard case .array(let items) = value else { return nil }
        return located(items)
    }

    /// The members of an object, in document order; nil for other values.
    public var members: [(key: String, value: LocatedJSON)]? {
        guard case .object(let object) = value else { return nil }
        let values = located(object.members.map(\.value))
        return zip(object.members, values).map { (key: $0.key, value: $1) }
    }

    /// Children in order: the first right after this value, each next one after all the
    /// values inside the one before it.
    private func located(_ children: [JSONValue]) -> [LocatedJSON] {
        var next = position + 1
        return children.map { child in
            defer { next += Self.valueCount(child) }
            return LocatedJSON(value: child, lines: lines, position: next)
        }
    }

    /// The value itself and every value inside it.
    private static func valueCount(_ value: JSONValue) -> Int {
        switch value {
        case .array(let items): return items.reduce(1) { $0 + valueCount($1) }
        case .object(let object): return object.members.reduce(1) { $0 + valueCount($1.value) }
        default: return 1
        }
    }
}
