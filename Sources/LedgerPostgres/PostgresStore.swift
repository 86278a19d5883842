import Foundation
import LedgerModel
import LedgerStore
import Logging
import Synchronization

/// The PostgreSQL store: the ledger for several server processes on one database.
///
/// Every operation is the relational store's; what is PostgreSQL's own is here:
/// - **One writer at a time, across processes.** A write transaction first locks the
///   feed's counter row (`feed_head`). Writers therefore commit one after another, as on
///   SQLite, which keeps every read-then-write of the ledger (report matching, toll
///   derivation, alias clashes) exact under READ COMMITTED, and makes seq order commit
///   order: a poller that follows `next_since` never skips an event committed late.
/// - **The change hub follows the database, not this process.** Each write sends a
///   NOTIFY in its transaction; every process LISTENs on a connection of its own, and on
///   each notification (or after its own commit) reads the events past its hub's head
///   and publishes them in seq order. Long-polls held on any process wake within
///   milliseconds of a commit on any other, and the data version that the answer caches
///   follow grows with each notification.
/// - **Reads see one snapshot**: a page of the feed and the head it reports, or a
///   casualties answer as known at an instant, come from one REPEATABLE READ transaction.
public final class PostgresStore: RelationalStore {
    let pool: PostgresPool
    private let configuration: PostgresConfiguration
    /// Set once, right after start-up: the LISTEN connection, which calls back into the store.
    private let listener = Mutex<PostgresNotifications?>(nil)
    public let changes = ChangeHub()
    public let gazetteerCache = GazetteerCache()
    public let weaponCache = WeaponCatalogueCache()
    public let logger: Logger
    let clock: @Sendable () -> Timestamp
    /// Grows with every commit this process makes or is told of.
    private let version = Atomic<Int>(0)
    /// The payload of this store's own commit notifications: the store counted those
    /// commits (and caught up) when it made them, so hearing them again changes nothing.
    /// Counting them twice moved the data version (and every ETag built on it) a moment
    /// after a write had already been answered.
    private let ownTag = "store-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    private let readNanos = Atomic<Int>(0)
    private let readCount = Atomic<Int>(0)
    private let writeNanos = Atomic<Int>(0)
    private let writeCount = Atomic<Int>(0)
    /// Whether the last commit failed for want of disk or of write access.
    private let health = CommitHealth()

    /// The channel every write notifies and every process listens on.
    static let channel = "strikeledger_changes"
    /// The channel a trigger notifies when a city or a spelling is added (migration 0006).
    static let citiesChannel = "strikeledger_cities"

    /// Connects to the database at `url` (a `postgres://` or `postgresql://` URL; the
    /// password from the URL or `PGPASSWORD`), migrates it, and starts listening.
    public init(url: String, logger: Logger = Logger(label: "strikeledger.store"),
                clock: @escaping @Sendable () -> Timestamp = { Timestamp(seconds: Int64(Date().timeIntervalSince1970)) }) throws {
        do {
            configuration = try PostgresConfiguration(url: url)
        } catch {
            throw StoreError.database("\(error)")
        }
        self.logger = logger
        self.clock = clock
        pool = PostgresPool(configuration: configuration, logger: logger)
        do {
            try migrate()
            try reloadGazetteer()
            try reloadWeapons()
            changes.reset(head: try read { db in try db.value("SELECT seq FROM feed_head", as: Int64.self) } ?? 0)
        } catch {
            pool.close()
            throw error
        }
        do {
            // Reconnects retried every half second at most: while the listener is away, this
            // process learns of other processes' writes only when it is back.
            let listener = try PostgresNotifications(configuration: configuration, channels: [Self.channel, Self.citiesChannel],
                                                     options: .init(maxBackoff: .milliseconds(500)),
                                                     logger: logger) { [weak self] event in self?.heard(event) }
            self.listener.withLock { $0 = listener }
            listener.start()
        } catch {
            pool.close()
            throw StoreError.database("\(error)")
        }
    }

    deinit {
        listener.withLock { $0?.stop() }
        pool.close()
    }

    public var now: Timestamp { clock() }
    public var dataVersion: Int { version.load(ordering: .sequentiallyConsistent) }

    public var timing: StoreTiming {
        StoreTiming(readSeconds: Double(readNanos.load(ordering: .relaxed)) / 1e9, reads: readCount.load(ordering: .relaxed),
                    writeSeconds: Double(writeNanos.load(ordering: .relaxed)) / 1e9, writes: writeCount.load(ordering: .relaxed),
                    commits: writeCount.load(ordering: .relaxed))
    }

    @discardableResult
    public func migrate() throws -> [String] {
        do {
            return try PostgresMigrator().migrate(pool)
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.database("migration failed: \(error)")
        }
    }

    /// Ready when the server answers, takes writes (neither in recovery nor set
    /// read-only), and, after a commit failed for want of disk, commits again.
    public func readiness() -> Readiness {
        let readOnly: Bool
        do {
            readOnly = try pool.withConnection { c in
                try c.query("SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'")[0].bool(0)
            }
        } catch {
            return .unavailable(.database("the database does not answer: \(error)"))
        }
        if readOnly {
            let error = StoreError.readOnly("the server is in recovery or set read-only")
            health.failed(error)
            return .unavailable(error)
        }
        if case .readOnly? = health.failure { health.committed() }
        return health.readiness {
            // A transaction id is assigned and its commit is written to the WAL and flushed.
            do throws(StoreError) {
                try mapped { try pool.transaction { c in _ = try c.query("SELECT pg_current_xact_id()") } }
                return nil
            } catch {
                return error
            }
        }
    }

    /// PostgreSQL's own tools make its backups: this says how.
    public func backup(to path: String) throws {
        throw BackupUnsupported(destination: path, url: configuration.redactedURL)
    }

    struct BackupUnsupported: Error, CustomStringConvertible {
        let destination: String
        let url: String
        var description: String {
            "backup copies a SQLite database; back up PostgreSQL with its own tools, e.g. "
                + "pg_dump --format=custom --file='\(destination)' '\(url)' (the password from PGPASSWORD or ~/.pgpass)"
        }
    }

    // MARK: Reading and writing

    public func read<T>(_ body: (any SQLSession) throws -> T) throws(StoreError) -> T {
        readCount.add(1, ordering: .relaxed)
        return try measure(readNanos) { () throws(StoreError) -> T in
            try mapped { try pool.withConnection { c in try c.transaction(.repeatableRead) { c in try body(PostgresSession(connection: c)) } } }
        }
    }

    public func writeEvents<T>(_ body: (any SQLSession) throws -> (T, [EventKey])) throws(StoreError) -> T {
        let (value, events) = try measure(writeNanos) { () throws(StoreError) -> (T, [EventKey]) in
            try recordingHealth {
                try pool.withConnection { c in
                    try c.transaction { c in
                        // The write lock of every process: see the type's documentation.
                        _ = try c.query("SELECT seq FROM feed_head FOR UPDATE")
                        let done = try body(PostgresSession(connection: c))
                        _ = try c.query("SELECT pg_notify($1, $2)", [.text(Self.channel), .text(ownTag)])
                        return done
                    }
                }
            }
        }
        writeCount.add(1, ordering: .relaxed)
        version.add(1, ordering: .sequentiallyConsistent)
        catchUp(with: events)
        return value
    }

    /// A write, its failure remembered when it stops every write (see `CommitHealth`),
    /// and its success forgetting it.
    private func recordingHealth<T>(_ body: () throws -> T) throws(StoreError) -> T {
        do throws(StoreError) {
            let value = try mapped(body)
            health.committed()
            return value
        } catch {
            health.failed(error)
            throw error
        }
    }

    /// Brings the hub up to the database's head: `events` (this process's own, just
    /// committed) when they follow the hub's head directly, else whatever the database
    /// holds past it. Before a write is answered, its events are in the hub.
    private func catchUp(with events: [EventKey] = []) {
        changes.catchUp(with: events) { head in
            do {
                return try read { db in try Self.eventKeys(after: head, db) }
            } catch {
                logger.warning("could not read the feed's new events: \(error); the next notification retries")
                return nil
            }
        }
    }

    /// A notification: another process (or this one) committed. After a reconnect,
    /// anything may have been missed: the gazetteer is read again too.
    private func heard(_ event: PostgresNotifications.Event) {
        switch event {
        case .notification(let n) where n.channel == Self.citiesChannel:
            do { try reloadGazetteer() } catch { logger.warning("could not read the gazetteer again: \(error)") }
        case .notification(let n) where n.payload == ownTag:
            // Counted when it was made; caught up again only in case that read failed.
            catchUp()
        case .notification:
            version.add(1, ordering: .sequentiallyConsistent)
            catchUp()
        case .listening(let reconnected):
            // LISTEN is in effect from here: whatever committed before it (while this
            // process started, or while the connection was down) is read now.
            version.add(1, ordering: .sequentiallyConsistent)
            catchUp()
            if reconnected {
                do { try reloadGazetteer() } catch { logger.warning("could not read the gazetteer again: \(error)") }
            }
        case .disconnected(let error):
            logger.warning("lost the notification connection: \(error); reconnecting")
        }
    }

    private func measure<T>(_ nanos: borrowing Atomic<Int>, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { nanos.add(Int(DispatchTime.now().uptimeNanoseconds - start), ordering: .relaxed) }
        return try body()
    }

    private func mapped<T>(_ body: () throws -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch let e as StoreError {
            throw e
        } catch let e as PostgresError where e.sqlState == PostgresError.SQLState.diskFull {
            throw StoreError.storageFull("\(e)")
        } catch let e as PostgresError where e.sqlState == PostgresError.SQLState.readOnlySQLTransaction {
            throw StoreError.readOnly("\(e)")
        } catch {
            throw StoreError.database("\(error)")
        }
    }
}
