/// The row a query stands on, read by position while the query steps: nothing is copied
/// out of the engine but what is asked for. Valid only inside the `forEachRow` body that
/// was given it. A value the schema promises that is missing or unreadable stops the
/// process, as `SQLRow`'s subscripts do (a broken database, not an input error).
public protocol SQLCursor {
    func int64(_ position: Int) -> Int64
    func optionalInt64(_ position: Int) -> Int64?
    func text(_ position: Int) -> String
    /// A text column's UTF-8 bytes, valid inside `body` only.
    func withText<R>(_ position: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R
}

extension SQLSession {
    /// Runs a query and calls `body` on each row in turn: for engines without a cursor of
    /// their own, over the rows read whole.
    public func forEachRow(_ sql: String, _ arguments: [any SQLBindable], _ body: (any SQLCursor) throws -> Void) throws {
        for row in try rows(sql, arguments) { try body(RowCursor(row: row)) }
    }
}

/// A row already read, seen as a cursor.
struct RowCursor: SQLCursor {
    let row: SQLRow
    func int64(_ position: Int) -> Int64 { row[position] }
    func optionalInt64(_ position: Int) -> Int64? { row[position] }
    func text(_ position: Int) -> String { row[position] }
    func withText<R>(_ position: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var text: String = row[position]
        return try text.withUTF8(body)
    }
}
