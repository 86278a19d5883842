import Dispatch
import GRDB
import GRDBSQLite
import LedgerStore
import Synchronization

/// The store's read-only connections, each lent to one read at a time.
///
/// GRDB's `DatabasePool.read` costs more than a short query itself: a dispatch queue
/// hop to the connection, a semaphore, and `BEGIN`/`COMMIT` prepared anew each time
/// (callgrind: about 80,000 instructions of a 630,000-instruction casualties request).
/// Here a read takes an idle connection from a stack under a lock, runs `BEGIN`, its
/// statements and `COMMIT` (all prepared once per connection and kept), and puts the
/// connection back. At most `limit` connections are open; a read that finds them all
/// lent waits for one.
final class ReadConnections: Sendable {
    private let path: String
    private let limit: Int
    private let idle = Mutex<(connections: [ReadConnection], opened: Int, waiting: Int)>(([], 0, 0))
    /// Signalled once per connection given back while a read waits for one.
    private let returned = DispatchSemaphore(value: 0)

    init(path: String, limit: Int) {
        self.path = path
        self.limit = max(limit, 1)
    }

    deinit {
        idle.withLock { state in
            for connection in state.connections { connection.close() }
            state.connections.removeAll()
        }
    }

    /// Runs `body` in one read transaction: every statement sees the same snapshot.
    func read<T>(_ body: (ReadSession) throws -> T) throws -> T {
        let connection = try take()
        defer { giveBack(connection) }
        try connection.begin()
        do {
            let value = try body(ReadSession(connection: connection))
            try connection.commit()
            return value
        } catch {
            connection.rollback()
            throw error
        }
    }

    private func take() throws -> ReadConnection {
        while true {
            enum Next { case use(ReadConnection), open, wait }
            let next = idle.withLock { state -> Next in
                if let c = state.connections.popLast() { return .use(c) }
                if state.opened < limit { state.opened += 1; return .open }
                state.waiting += 1
                return .wait
            }
            switch next {
            case .use(let c): return c
            case .open:
                do { return try ReadConnection(path: path) } catch {
                    idle.withLock { $0.opened -= 1 }
                    throw error
                }
            case .wait: returned.wait()
            }
        }
    }

    private func giveBack(_ connection: ReadConnection) {
        let wake = idle.withLock { state -> Bool in
            state.connections.append(connection)
            guard state.waiting > 0 else { return false }
            state.waiting -= 1
            return true
        }
        // The woken read takes an idle connection, or waits again if another took it.
        if wake { returned.signal() }
    }
}

/// One read-only SQLite connection and its prepared statements. Used by one thread at
/// a time (`ReadConnections` lends it), so SQLite's own mutexes are off.
final class ReadConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statements: [String: (handle: OpaquePointer, columns: SQLColumns)] = [:]
    /// Statement texts kept per connection; the cache starts over past this.
    private static let statementLimit = 256

    init(path: String) throws {
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let db else {
            let error = SQLiteStatement.failure(code, "open \(path)", db)
            sqlite3_close_v2(db)
            throw error
        }
        handle = db
        // A reader waits only while the WAL is recovered after a crash.
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit { close() }

    func close() {
        for (_, s) in statements { sqlite3_finalize(s.handle) }
        statements.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// The prepared statement for `sql`, with its result's column names.
    func statement(_ sql: String) throws -> (handle: OpaquePointer, columns: SQLColumns) {
        if let s = statements[sql] { return s }
        var prepared: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
        guard code == SQLITE_OK, let prepared else { throw SQLiteStatement.failure(code, sql, handle) }
        if statements.count >= Self.statementLimit {
            for (_, s) in statements { sqlite3_finalize(s.handle) }
            statements.removeAll(keepingCapacity: true)
        }
        let s = (handle: prepared, columns: SQLColumns(SQLiteStatement.columnNames(of: prepared)))
        statements[sql] = s
        return s
    }

    var connection: OpaquePointer? { handle }

    func begin() throws { try run("BEGIN") }
    func commit() throws { try run("COMMIT") }
    func rollback() { try? run("ROLLBACK") }

    private func run(_ sql: String) throws {
        try SQLiteStatement.run(try statement(sql).handle, sql: sql, connection: handle)
    }
}

/// The relational store's view of a lent read connection.
struct ReadSession: SQLSession {
    let connection: ReadConnection

    func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int {
        let s = try connection.statement(sql)
        try SQLiteStatement.bind(arguments, to: s.handle, sql: sql)
        try SQLiteStatement.run(s.handle, sql: sql, connection: connection.connection)
        return Int(sqlite3_changes(connection.connection))
    }

    func rows(_ sql: String, _ arguments: [any SQLBindable]) throws -> [SQLRow] {
        let s = try connection.statement(sql)
        try SQLiteStatement.bind(arguments, to: s.handle, sql: sql)
        return try SQLiteStatement.rows(s.handle, columns: s.columns, sql: sql, connection: connection.connection)
    }

    func forEachRow(_ sql: String, _ arguments: [any SQLBindable], _ each: (SQLRowReader) throws -> Bool) throws {
        let s = try connection.statement(sql)
        try SQLiteStatement.bind(arguments, to: s.handle, sql: sql)
        let row = SQLRowReader(SQLiteRow(handle: s.handle, columns: s.columns))
        try SQLiteStatement.forEachRow(s.handle, columns: s.columns, sql: sql, connection: connection.connection) { _ in try each(row) }
    }
}
