import Dispatch
import Glibc
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

    // MARK: A snapshot held across reads

    /// Runs `body` in the calling thread's held snapshot (see `HeldSnapshot`), begun anew
    /// when `version` (the store's data version, read by the caller now) differs from the
    /// one it was begun at, or after `HeldSnapshot.readsPerSnapshot` reads.
    func read<T>(holding held: HeldSnapshot, version: Int, _ body: (ReadSession) throws -> T) throws -> T {
        // A read inside a read takes a connection of its own, as outside a turn: on the
        // held one, the same statement text would reset the outer read's statement.
        if held.depth > 0 { return try read(body) }
        if held.isOpen, held.version != version || held.reads >= HeldSnapshot.readsPerSnapshot { try held.end() }
        if !held.isOpen {
            try held.connection.begin()
            held.isOpen = true
            held.version = version
            held.reads = 0
        }
        held.reads += 1
        held.depth += 1
        defer { held.depth -= 1 }
        do {
            return try body(ReadSession(connection: held.connection))
        } catch {
            held.abandon()
            throw error
        }
    }

    /// Starts a turn on the calling thread: its reads share a held snapshot until
    /// `endTurn()`. The thread's snapshot (and connection) is made on first use and kept.
    func startTurn() throws {
        let holder = HeldSnapshot.holderOfThisThread()
        if let held = holder.snapshot, held.owner === self {
            held.inTurn = true
            return
        }
        holder.snapshot?.abandon()
        let held = HeldSnapshot(owner: self, connection: try ReadConnection(path: path))
        held.inTurn = true
        holder.snapshot = held
    }

    /// Ends the calling thread's turn and its read transaction, if one is open.
    func endTurn() {
        guard let held = heldSnapshot(inTurn: false) else { return }
        held.inTurn = false
        do { try held.end() } catch { held.abandon() }
    }

    /// The calling thread's held snapshot on this store's database, if it has one (and,
    /// when `inTurn`, only during a turn).
    func heldSnapshot(inTurn: Bool = true) -> HeldSnapshot? {
        guard let raw = pthread_getspecific(HeldSnapshot.threadKey),
              let held = Unmanaged<HeldSnapshot.Holder>.fromOpaque(raw).takeUnretainedValue().snapshot,
              held.owner === self, held.inTurn || !inTurn else { return nil }
        return held
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

/// A read transaction that one thread keeps open across several reads: an event loop's
/// short reads during one turn (the requests one `epoll_wait` returned).
///
/// Each read transaction on a WAL database takes and drops a read lock in the shared
/// memory index, under a mutex that every connection to the file in this process shares,
/// and often with an `fcntl` (strace, 64 clients on 2 event loops: 1.6 `fcntl` and 1.6
/// `futex` a request, the loops waiting on each other's lock). A held snapshot pays that
/// once for the turn's reads. It is only ever reused while the store's data version is
/// the one it was begun at: a commit of this process ends it before the next read, so a
/// client that was told of a write sees it in its next read, as without holding. A
/// commit of another process (an `import` beside the server) is seen by the next
/// snapshot: at the latest after the turn, or after `readsPerSnapshot` reads.
///
/// Confined to its thread: made, used and ended there, never lent.
final class HeldSnapshot: @unchecked Sendable {
    /// At most this many reads share a snapshot.
    static let readsPerSnapshot = 64

    /// The store's readers this snapshot reads through; weak, so that a store closed
    /// while a thread still holds its snapshot is not taken for a new one.
    private(set) weak var owner: ReadConnections?
    let connection: ReadConnection
    /// Between `startTurn()` and `endTurn()`: reads use this snapshot.
    var inTurn = false
    var isOpen = false
    var version = 0
    var reads = 0
    var depth = 0

    init(owner: ReadConnections, connection: ReadConnection) {
        self.owner = owner
        self.connection = connection
    }

    /// Ends the read transaction, if one is open.
    func end() throws {
        guard isOpen else { return }
        isOpen = false
        try connection.commit()
    }

    /// Ends the read transaction, ignoring a failure (a rollback cannot lose anything).
    func abandon() {
        guard isOpen else { return }
        isOpen = false
        connection.rollback()
    }

    /// What a thread holds: its snapshot, on one store's database at a time.
    final class Holder {
        var snapshot: HeldSnapshot?
    }

    /// The thread-specific slot of each thread's `Holder`; released, with its connection,
    /// when the thread ends.
    static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            guard let raw else { return }
            let holder = Unmanaged<Holder>.fromOpaque(raw).takeRetainedValue()
            holder.snapshot?.abandon()
        }
        return key
    }()

    static func holderOfThisThread() -> Holder {
        if let raw = pthread_getspecific(threadKey) { return Unmanaged<Holder>.fromOpaque(raw).takeUnretainedValue() }
        let holder = Holder()
        pthread_setspecific(threadKey, Unmanaged.passRetained(holder).toOpaque())
        return holder
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
