/// A connection inside a transaction (or a read snapshot), as the relational store sees it.
///
/// Statements are written once, in the SQL that SQLite and PostgreSQL share, with `?`
/// placeholders (or `?N` for a numbered one); each engine prepares a statement once per
/// connection and binds its arguments, never interpolates them.
public protocol SQLSession {
    /// Runs a statement; returns the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int
    /// Runs a query; returns every row.
    func rows(_ sql: String, _ arguments: [any SQLBindable]) throws -> [SQLRow]
    /// Runs a query and hands `each` its rows one at a time, as they are read, until `each`
    /// returns false: no array of rows, and on SQLite no array of values per row. A row is
    /// valid only during its call, and `each` must not run statements of its own.
    func forEachRow(_ sql: String, _ arguments: [any SQLBindable], _ each: (SQLRowReader) throws -> Bool) throws
}

extension SQLSession {
    /// The rows of `rows(_:_:)`, one at a time (engines that read a whole result at once).
    public func forEachRow(_ sql: String, _ arguments: [any SQLBindable], _ each: (SQLRowReader) throws -> Bool) throws {
        for row in try rows(sql, arguments) {
            guard try each(SQLRowReader(row)) else { return }
        }
    }

    @discardableResult
    public func execute(_ sql: String) throws -> Int { try execute(sql, []) }

    public func rows(_ sql: String) throws -> [SQLRow] { try rows(sql, []) }

    /// The first row, if any.
    public func row(_ sql: String, _ arguments: [any SQLBindable] = []) throws -> SQLRow? {
        try rows(sql, arguments).first
    }

    /// The first column of the first row, if any row.
    public func value<T: SQLDecodable>(_ sql: String, _ arguments: [any SQLBindable] = [], as: T.Type = T.self) throws -> T? {
        guard let row = try row(sql, arguments) else { return nil }
        return row[0] as T
    }

    /// Whether the query returns a row.
    public func exists(_ sql: String, _ arguments: [any SQLBindable] = []) throws -> Bool {
        try row(sql, arguments) != nil
    }
}
