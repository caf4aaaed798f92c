/// The column names of one result set, shared by all its rows.
public final class ColumnNames: Sendable {
    public let names: [String]

    init(_ names: [String]) { self.names = names }

    /// A linear scan: result sets are a handful of columns wide, where comparing a few
    /// strings beats building a dictionary per query. The first match wins when a join
    /// yields two columns of the same name.
    func index(of name: String) -> Int? { names.firstIndex(of: name) }
}

/// One result row, copied out of SQLite so it outlives the statement that produced it.
public struct Row: Sendable, CustomStringConvertible {
    public let columns: ColumnNames
    public let values: [DatabaseValue]

    public var count: Int { values.count }

    /// The raw value of a column, nil when the result has no such column.
    public func value(named name: String) -> DatabaseValue? {
        columns.index(of: name).map { values[$0] }
    }

    /// `let email: String = try row["email"]`
    public subscript<Value: DatabaseValueConvertible>(_ name: String) -> Value {
        get throws {
            guard let index = columns.index(of: name) else {
                throw RowDecodingError(
                    column: name, expectedType: "\(Value.self)", found: .null,
                    reason: "the result has no column named \(name)")
            }
            return try decode(at: index)
        }
    }

    /// `let id: Int64 = try row[0]`
    public subscript<Value: DatabaseValueConvertible>(_ index: Int) -> Value {
        get throws {
            guard values.indices.contains(index) else {
                throw RowDecodingError(
                    column: "#\(index)", expectedType: "\(Value.self)", found: .null,
                    reason: "the result has only \(values.count) columns")
            }
            return try decode(at: index)
        }
    }

    private func decode<Value: DatabaseValueConvertible>(at index: Int) throws -> Value {
        guard let decoded = Value.fromDatabaseValue(values[index]) else {
            throw RowDecodingError(
                column: columns.names[index], expectedType: "\(Value.self)", found: values[index],
                reason: nil)
        }
        return decoded
    }

    public var description: String {
        "[" + zip(columns.names, values).map { "\($0): \($1)" }.joined(separator: ", ") + "]"
    }
}
