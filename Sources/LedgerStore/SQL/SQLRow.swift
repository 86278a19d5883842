import LedgerModel

/// The column names of a statement's result, shared by all its rows.
public final class SQLColumns: Sendable {
    public let names: [String]
    private let index: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        // The first of two equal names wins, as `SELECT s.*, c.name AS city_name` expects.
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        self.index = index
    }

    public func position(of name: String) -> Int? { index[name] }
}

/// Where a result row's values come from, by position: an `SQLRow`, which holds them, or
/// a statement standing on a row (`SQLSession.forEachRow`), read in place.
public protocol SQLColumnReader {
    /// The value of the column at `position`.
    func value(at position: Int) -> SQLValue
    /// The name of the column at `position`, for the message about a broken database.
    func name(at position: Int) -> String
}

/// A row handed over by `SQLSession.forEachRow`, valid only during that call: its columns
/// read by position, as an `SQLRow`'s are. (A concrete type, so that reading a column is
/// specialized for its Swift type, not looked up generically on every call.)
public struct SQLRowReader {
    public let source: any SQLColumnReader
    public init(_ source: any SQLColumnReader) { self.source = source }

    public subscript<T: SQLDecodable>(_ position: Int) -> T {
        SQLRow.decode(source.value(at: position), column: source.name(at: position))
    }
}

/// One row of a result, read by column name or position.
public struct SQLRow: Sendable, SQLColumnReader {
    public let columns: SQLColumns
    public let values: [SQLValue]

    public init(columns: SQLColumns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public func value(at position: Int) -> SQLValue { values[position] }
    public func name(at position: Int) -> String { columns.names[position] }

    /// The value of a column by position. A value the schema promises (NOT NULL, typed)
    /// that is missing is a broken database, not an input error: it stops the process.
    public subscript<T: SQLDecodable>(_ position: Int) -> T { Self.decode(values[position], column: columns.names[position]) }

    @inline(__always)
    static func decode<T: SQLDecodable>(_ value: SQLValue, column: @autoclosure () -> String) -> T {
        guard let v = T.decode(value) else { fatalError("column \(column()) holds \(value), not \(T.self)") }
        return v
    }

    public subscript<T: SQLDecodable>(_ name: String) -> T {
        guard let position = columns.position(of: name) else { fatalError("no column \(name) in the result") }
        return self[position]
    }

    public func timestamp(_ column: String) -> Timestamp { Timestamp(seconds: self[column]) }
    public func optionalTimestamp(_ column: String) -> Timestamp? { (self[column] as Int64?).map(Timestamp.init(seconds:)) }
}
