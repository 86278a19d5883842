import CLibPQ
import Glibc
import Logging

/// One libpq connection: statements with bound parameters, prepared once each and
/// cached by their SQL text; transactions and savepoints; typed errors.
///
/// A connection is not for concurrent use: one thread at a time (a pool hands it to
/// one caller at a time). Every call blocks that thread until the server answers.
public final class PostgresConnection: @unchecked Sendable {
    // @unchecked: the state below is only touched by the one thread using the
    // connection at a time; the pool's lock orders hand-overs between threads.

    /// A statement prepared on this connection, and its parameters' types as the
    /// server inferred them.
    private final class PreparedStatement {
        let name: String
        let parameterTypes: [UInt32]
        var lastUse: UInt64
        init(name: String, parameterTypes: [UInt32], lastUse: UInt64) {
            self.name = name; self.parameterTypes = parameterTypes; self.lastUse = lastUse
        }
    }

    public enum IsolationLevel: Sendable {
        case readCommitted, repeatableRead, serializable

        var begin: String {
            switch self {
            case .readCommitted: "BEGIN"
            case .repeatableRead: "BEGIN ISOLATION LEVEL REPEATABLE READ"
            case .serializable: "BEGIN ISOLATION LEVEL SERIALIZABLE"
            }
        }
    }

    public let configuration: PostgresConfiguration
    let logger: Logger
    private var connection: OpaquePointer?
    private var statements: [String: PreparedStatement] = [:]
    private var uses: UInt64 = 0
    private var statementNumber = 0
    /// Set when the server said FATAL to this idle session: it is closing it.
    private var endedByServer = false

    /// Opens a connection; throws `connectionFailed` with libpq's reason.
    public init(configuration: PostgresConfiguration, logger: Logger = Logger(label: "strikeledger.postgres")) throws(PostgresError) {
        self.configuration = configuration
        self.logger = logger
        try open()
    }

    public convenience init(url: String, logger: Logger = Logger(label: "strikeledger.postgres")) throws(PostgresError) {
        try self.init(configuration: try PostgresConfiguration(url: url), logger: logger)
    }

    deinit { close() }

    /// Closes the connection; later calls throw `connectionLost`.
    public func close() {
        if let connection { PQfinish(connection) }
        connection = nil
        statements = [:]
    }

    /// The server process serving this connection (for `pg_terminate_backend`, logs).
    public var backendPID: Int32 { connection.map { PQbackendPID($0) } ?? 0 }

    /// Statements currently prepared on this connection.
    public var preparedStatementCount: Int { statements.count }

    // MARK: Opening

    private func open() throws(PostgresError) {
        // Earlier keywords are defaults: the URI (dbname, expanded) overrides them.
        let keywords = ["client_encoding", "connect_timeout", "fallback_application_name", "dbname"]
        let values = ["UTF8", String(configuration.connectTimeout), configuration.applicationName, configuration.url]
        let pointer = Self.withCStrings(keywords) { k in
            Self.withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let pointer else { throw PostgresError(.connectionFailed, message: "libpq could not allocate a connection") }
        guard PQstatus(pointer) == CONNECTION_OK else {
            let message = Self.trimmed(String(cString: PQerrorMessage(pointer)))
            PQfinish(pointer)
            throw PostgresError(.connectionFailed, message: "cannot connect to \(configuration.redactedURL): \(message)")
        }
        connection = pointer
        statements = [:]
        endedByServer = false
        installNoticeReceiver()
        try prepareSession()
    }

    private func prepareSession() throws(PostgresError) {
        if configuration.requireDurableCommits {
            let setting = try query("SELECT current_setting('synchronous_commit')")
            if try setting.first?.string(0) == "off" {
                try execute("SELECT set_config('synchronous_commit', 'on', false)")
            }
        }
    }

    /// Notices go to the log, not to stderr as libpq would print them. So does the
    /// FATAL a server sends to an idle session before it closes it (a restart, a
    /// terminated backend), which also marks the connection as finished: the socket's
    /// end-of-file may not have arrived yet when the pool next looks.
    private func installNoticeReceiver() {
        guard let connection else { return }
        PQsetNoticeReceiver(connection, { context, result in
            guard let context, let result else { return }
            let me = Unmanaged<PostgresConnection>.fromOpaque(context).takeUnretainedValue()
            let severity = PQresultErrorField(result, Int32(UInt8(ascii: "V"))).map { String(cString: $0) } ?? ""
            let text = PostgresConnection.trimmed(String(cString: PQresultErrorMessage(result)))
            switch severity {
            case "FATAL", "PANIC":
                me.endedByServer = true
                me.logger.info("postgres ended the session: \(text)")
            case "WARNING":
                me.logger.warning("postgres: \(text)")
            default:
                me.logger.debug("postgres: \(text)")
            }
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Reconnects with the same settings (after a lost connection); the statement cache
    /// starts empty, as the new session has none prepared.
    public func reset() throws(PostgresError) {
        close()
        try open()
    }

    // MARK: Health

    /// True when the connection can take a statement now: open, outside any transaction,
    /// and not closed by the server meanwhile. Costs no round trip: a server that went
    /// away (restart, terminated backend) has left an error or an end-of-file on the
    /// socket, which a zero-timeout poll sees.
    public var isHealthy: Bool {
        guard let connection, PQstatus(connection) == CONNECTION_OK, !endedByServer else { return false }
        guard PQtransactionStatus(connection) == PQTRANS_IDLE else { return false }
        let fd = PQsocket(connection)
        guard fd >= 0 else { return false }
        for _ in 0..<2 {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 0) > 0 else { break }
            if p.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 && p.revents & Int16(POLLIN) == 0 { return false }
            // Something arrived while idle: a notification, a parameter change, or the
            // server's last words before it closed. Reading it (PQconsumeInput) and
            // parsing it (PQisBusy, which hands a FATAL to the notice receiver) tells which.
            guard PQconsumeInput(connection) == 1 else { return false }
            _ = PQisBusy(connection)
            if PQstatus(connection) != CONNECTION_OK || endedByServer { return false }
        }
        return true
    }

    /// Whether a transaction is open (or failed and awaiting its rollback).
    public var isInTransaction: Bool {
        guard let connection else { return false }
        let status = PQtransactionStatus(connection)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    // MARK: Statements

    /// Runs one statement with bound parameters and returns its rows (empty for a
    /// statement that returns none). The statement is prepared on first use and reused
    /// on this connection while it stays in the cache.
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresValue] = []) throws(PostgresError) -> PostgresRows {
        let statement = try prepared(sql)
        guard parameters.count == statement.parameterTypes.count else {
            throw PostgresError(.invalidParameter,
                                message: "\(parameters.count) values bound to \(statement.parameterTypes.count) parameters")
        }
        var encoded: [EncodedParameter] = []
        encoded.reserveCapacity(parameters.count)
        for (i, value) in parameters.enumerated() {
            encoded.append(try value.encoded(for: statement.parameterTypes[i], position: i + 1))
        }
        do {
            return try run(statement, encoded)
        } catch {
            if error.sqlState == PostgresError.SQLState.invalidStatementName
                || (error.sqlState == PostgresError.SQLState.featureNotSupported && error.message.contains("cached plan")) {
                // The server no longer has this statement as prepared: prepare it anew next time.
                statements[sql] = nil
            }
            throw error
        }
    }

    /// `query`, for statements whose rows are not wanted; returns the rows changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresValue] = []) throws(PostgresError) -> Int {
        try query(sql, parameters).affectedRows
    }

    /// Runs trusted SQL from the binary itself, possibly several statements (a
    /// migration), through the simple query protocol. It takes no parameters: never
    /// pass it text that came from a request.
    public func executeScript(_ sql: String) throws(PostgresError) {
        let c = try live()
        _ = try check(PQexec(c, sql), on: c)
    }

    /// `name` quoted as an SQL identifier (for LISTEN, which takes no parameters).
    public func quoteIdentifier(_ name: String) throws(PostgresError) -> String {
        let c = try live()
        let utf8 = Array(name.utf8)
        guard let quoted = PQescapeIdentifier(c, name, utf8.count) else {
            throw PostgresError(.invalidParameter, message: Self.trimmed(String(cString: PQerrorMessage(c))))
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    private func live() throws(PostgresError) -> OpaquePointer {
        guard let connection else { throw PostgresError(.connectionLost, message: "the connection is closed") }
        return connection
    }

    private func prepared(_ sql: String) throws(PostgresError) -> PreparedStatement {
        uses &+= 1
        if let statement = statements[sql] {
            statement.lastUse = uses
            return statement
        }
        let c = try live()
        if statements.count >= max(1, configuration.statementCacheCapacity) { try evictLeastRecentlyUsed() }
        statementNumber += 1
        let name = "sl_\(statementNumber)"
        _ = try check(PQprepare(c, name, sql, 0, nil), on: c)
        let types = try parameterTypes(ofStatement: name, on: c)
        let statement = PreparedStatement(name: name, parameterTypes: types, lastUse: uses)
        statements[sql] = statement
        return statement
    }

    private func parameterTypes(ofStatement name: String, on c: OpaquePointer) throws(PostgresError) -> [UInt32] {
        guard let result = PQdescribePrepared(c, name) else { throw lost(c) }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else { throw error(from: result, on: c) }
        return (0..<PQnparams(result)).map { PQparamtype(result, $0) }
    }

    private func evictLeastRecentlyUsed() throws(PostgresError) {
        guard let (sql, oldest) = statements.min(by: { $0.value.lastUse < $1.value.lastUse }) else { return }
        statements[sql] = nil
        // Outside a transaction only: inside a failed one the server refuses every
        // statement, and a statement left prepared costs only memory until the session ends.
        if !isInTransaction, let c = connection {
            _ = try check(PQexec(c, "DEALLOCATE " + oldest.name), on: c)
        }
    }

    private func run(_ statement: PreparedStatement, _ parameters: [EncodedParameter]) throws(PostgresError) -> PostgresRows {
        let c = try live()
        // All values in one buffer; text values are NUL-terminated, as libpq reads them
        // as C strings. The trailing byte keeps every pointer inside the buffer.
        var storage: [UInt8] = []
        var offsets: [Int] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        for p in parameters {
            if let bytes = p.bytes {
                offsets.append(storage.count)
                storage += bytes
                if !p.binary { storage.append(0) }
                lengths.append(Int32(bytes.count))
            } else {
                offsets.append(-1)
                lengths.append(0)
            }
            formats.append(p.binary ? 1 : 0)
        }
        storage.append(0)
        let resultFormat: Int32 = configuration.resultFormat == .binary ? 1 : 0
        let result = storage.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            let values: [UnsafePointer<CChar>?] = offsets.map {
                $0 < 0 ? nil : (base + $0).assumingMemoryBound(to: CChar.self)
            }
            return PQexecPrepared(c, statement.name, Int32(parameters.count), values, lengths, formats, resultFormat)
        }
        return try check(result, on: c)
    }

    /// Wraps a result, or turns it into the error it carries.
    private func check(_ result: OpaquePointer?, on c: OpaquePointer) throws(PostgresError) -> PostgresRows {
        guard let result else { throw lost(c) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            let e = error(from: result, on: c)
            PQclear(result)
            throw e
        }
        return PostgresRows(result)
    }

    private func error(from result: OpaquePointer, on c: OpaquePointer) -> PostgresError {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        let sqlState = field("C")
        let message = field("M") ?? Self.trimmed(String(cString: PQresultErrorMessage(result)))
        var kind = PostgresError.Kind.server
        if PQstatus(c) != CONNECTION_OK || sqlState.map({ $0.hasPrefix("08") || PostgresError.SQLState.shutdown.contains($0) }) == true {
            kind = .connectionLost
        }
        if kind == .connectionLost { statements = [:] }
        return PostgresError(kind, sqlState: sqlState, message: message, detail: field("D"), constraint: field("n"))
    }

    private func lost(_ c: OpaquePointer) -> PostgresError {
        let message = Self.trimmed(String(cString: PQerrorMessage(c)))
        if PQstatus(c) != CONNECTION_OK { statements = [:] }
        return PostgresError(PQstatus(c) == CONNECTION_OK ? .server : .connectionLost,
                             message: message.isEmpty ? "no result from the server" : message)
    }

    // MARK: Transactions

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws
    /// (and its error is rethrown). A COMMIT cut off by a lost connection throws
    /// `commitOutcomeUnknown`; a transaction that an earlier statement's error aborted
    /// (an error the body caught) is rolled back and reported, never silently committed.
    @discardableResult
    public func transaction<T>(_ isolation: IsolationLevel = .readCommitted,
                               _ body: (PostgresConnection) throws -> T) throws -> T {
        if isInTransaction { throw PostgresError(.misuse, message: "a transaction is already open on this connection; use savepoint") }
        try execute(isolation.begin)
        let value: T
        do {
            value = try body(self)
        } catch {
            rollbackQuietly()
            throw error
        }
        try commit()
        return value
    }

    private func commit() throws(PostgresError) {
        if let connection, PQtransactionStatus(connection) == PQTRANS_INERROR {
            rollbackQuietly()
            throw PostgresError(.server, message: "the transaction failed on an earlier statement and was rolled back")
        }
        let rows: PostgresRows
        do {
            rows = try query("COMMIT")
        } catch where error.kind == .connectionLost {
            throw PostgresError(.commitOutcomeUnknown, sqlState: error.sqlState,
                                message: "the connection was lost during COMMIT: " + error.message)
        }
        if rows.commandTag == "ROLLBACK" {
            throw PostgresError(.server, message: "the transaction failed on an earlier statement and was rolled back")
        }
    }

    private func rollbackQuietly() {
        guard let connection, PQstatus(connection) == CONNECTION_OK, isInTransaction else { return }
        do { try execute("ROLLBACK") } catch { logger.debug("rollback failed: \(error)") }
    }

    /// Runs `body` inside the open transaction, in a savepoint: when it throws, only
    /// what it did is undone and the transaction goes on (group commit runs each write
    /// of a batch this way).
    @discardableResult
    public func savepoint<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        guard isInTransaction else { throw PostgresError(.misuse, message: "a savepoint needs an open transaction") }
        // One name serves every level: RELEASE and ROLLBACK TO name the newest savepoint
        // of that name, so nested savepoints unwind in order.
        try execute("SAVEPOINT strikeledger_savepoint")
        let value: T
        do {
            value = try body(self)
        } catch {
            try execute("ROLLBACK TO SAVEPOINT strikeledger_savepoint")
            try execute("RELEASE SAVEPOINT strikeledger_savepoint")
            throw error
        }
        try execute("RELEASE SAVEPOINT strikeledger_savepoint")
        return value
    }

    // MARK: Helpers

    static func trimmed(_ s: String) -> String {
        var s = Substring(s)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }

    /// A NULL-terminated array of C strings, alive during `body`.
    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// Lets a connection wait on libpq's socket (the notification listener).
extension PostgresConnection {
    var socket: Int32 { connection.map { PQsocket($0) } ?? -1 }

    /// Reads what arrived on the socket; false when the connection broke.
    func consumeInput() -> Bool {
        guard let connection else { return false }
        guard PQconsumeInput(connection) == 1 else { return false }
        _ = PQisBusy(connection)  // parses what arrived: notifications, a FATAL
        return PQstatus(connection) == CONNECTION_OK && !endedByServer
    }

    /// Notifications received so far, oldest first.
    func takeNotifications() -> [PostgresNotification] {
        guard let connection else { return [] }
        var taken: [PostgresNotification] = []
        while let n = PQnotifies(connection) {
            taken.append(PostgresNotification(channel: String(cString: n.pointee.relname),
                                              payload: String(cString: n.pointee.extra),
                                              senderPID: n.pointee.be_pid))
            PQfreemem(n)
        }
        return taken
    }
}
