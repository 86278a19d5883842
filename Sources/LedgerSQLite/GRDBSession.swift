import GRDB
import GRDBSQLite
import LedgerStore
import Synchronization

/// The relational store's view of a GRDB connection (the writer's): statements prepared
/// once per connection (GRDB's statement cache) and reused, arguments always bound.
///
/// Binding, stepping and reading columns go straight to SQLite's C calls on the cached
/// statement (`SQLiteStatement`): GRDB's `StatementArguments`, `Row` and `DatabaseValue`
/// layers cost more than the statements themselves on the hot paths (callgrind: key-path
/// lookups on every bound argument of a write). GRDB still owns the connection, its
/// transactions and its statement cache. Reads run on `ReadConnections` instead.
struct GRDBSession: SQLSession {
    let db: Database

    func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int {
        let handle = try db.cachedStatement(sql: sql).sqliteStatement
        try SQLiteStatement.bind(arguments, to: handle, sql: sql)
        try SQLiteStatement.run(handle, sql: sql, connection: db.sqliteConnection)
        return db.changesCount
    }

    func rows(_ sql: String, _ arguments: [any SQLBindable]) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let handle = statement.sqliteStatement
        try SQLiteStatement.bind(arguments, to: handle, sql: sql)
        return try SQLiteStatement.rows(handle, columns: ColumnNames.shared.columns(of: handle, sql: sql), sql: sql,
                                        connection: db.sqliteConnection)
    }

    func forEachRow(_ sql: String, _ arguments: [any SQLBindable], _ each: (SQLRowReader) throws -> Bool) throws {
        let handle = try db.cachedStatement(sql: sql).sqliteStatement
        try SQLiteStatement.bind(arguments, to: handle, sql: sql)
        let columns = ColumnNames.shared.columns(of: handle, sql: sql)
        let row = SQLRowReader(SQLiteRow(handle: handle, columns: columns))
        try SQLiteStatement.forEachRow(handle, columns: columns, sql: sql, connection: db.sqliteConnection) { _ in try each(row) }
    }
}

/// The column names of each statement text, read from SQLite once: a statement's
/// result columns depend on its text alone (the schema changes only by migration,
/// before the first query). Bounded: cleared when it grows past `limit` texts.
final class ColumnNames: Sendable {
    static let shared = ColumnNames()
    private let known = Mutex<[String: SQLColumns]>([:])
    private let limit = 1024

    func columns(of handle: OpaquePointer, sql: String) -> SQLColumns {
        if let columns = known.withLock({ $0[sql] }) { return columns }
        let columns = SQLColumns(SQLiteStatement.columnNames(of: handle))
        known.withLock { known in
            if known.count >= limit { known.removeAll(keepingCapacity: true) }
            known[sql] = columns
        }
        return columns
    }
}
