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
    /// An integer column, nil for NULL, without an `SQLValue` where the engine can.
    func integer(at position: Int) -> Int64?
    /// A text column's UTF-8 bytes, valid inside `body` only, without a `String` where the
    /// engine can.
    func withText<R>(at position: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R
}

extension SQLColumnReader {
    public func integer(at position: Int) -> Int64? {
        SQLRow.decode(value(at: position), column: name(at: position)) as Int64?
    }

    public func withText<R>(at position: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var text: String = SQLRow.decode(value(at: position), column: name(at: position))
        return try text.withUTF8(body)
    }
}

/// A row handed over by `SQLSession.forEachRow`, valid only during that call: its columns
/// read by position, as an `SQLRow`'s are. (A concrete type, so that reading a column is
/// specialized for its Swift type, not looked up generically on every call.)
public struct SQLRowReader {
    public let source: any SQLColumnReader
    public init(_ source: any SQLColumnReader) { self.source = source }

    public subscript<T: SQLDecodable>(_ position: Int) -> T {
        // Integers, the most read columns, without an `SQLValue` (the same values and the
        // same stop on a broken database as `SQLRow.decode`). Specialized for `T`, each
        // test is decided when compiling.
        if T.self == Int64.self { return unsafeBitCast(int64(position), to: T.self) }
        if T.self == Int64?.self { return unsafeBitCast(optionalInt64(position), to: T.self) }
        return SQLRow.decode(source.value(at: position), column: source.name(at: position))
    }

    /// The hot paths' readers: an integer or a text with no `SQLValue` (or `String`) made.
    public func int64(_ position: Int) -> Int64 {
        guard let v = source.integer(at: position) else { return SQLRow.decode(.null, column: source.name(at: position)) }
        return v
    }
    public func optionalInt64(_ position: Int) -> Int64? { source.integer(at: position) }
    public func text(_ position: Int) -> String { withText(position) { String(decoding: $0, as: UTF8.self) } }
    public func withText<R>(_ position: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try source.withText(at: position, body)
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
    public static func decode<T: SQLDecodable>(_ value: SQLValue, column: @autoclosure () -> String) -> T {
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
