import Foundation
import GRDB
import LedgerMigrations
import LedgerModel
import Logging
import Synchronization
import LedgerStore

/// The SQLite store: schema, append-only history, derived tolls, the feed's change hub.
///
/// One `DatabasePool` in WAL mode: readers never wait for the writer; one writer at a
/// time. `synchronous=FULL`, so an acknowledged write survives power loss. The API's
/// reads run on the store's own read-only connections (`ReadConnections`), GRDB's pool
/// serves the writer and the store's housekeeping reads.
public final class SQLiteStore: RelationalStore {
    let pool: DatabasePool
    let readers: ReadConnections
    let writer: GroupCommit
    private let readNanos = Atomic<Int>(0)
    private let readCount = Atomic<Int>(0)
    private let writeNanos = Atomic<Int>(0)
    /// Commits of other connections seen by the watcher (see `startWatching`).
    private let otherCommits = Atomic<Int>(0)
    let path: String
    /// Whether an import batch is a transaction of its own (`WriterTuning`).
    let importBatchesAlone: Bool
    public let changes = ChangeHub()
    public let gazetteerCache = GazetteerCache()
    public let weaponCache = WeaponCatalogueCache()
    public let logger: Logger
    /// A clock the tests can replace.
    let clock: @Sendable () -> Timestamp

    /// Opens (creating when missing) and migrates the database at `path`.
    public init(path: String, logger: Logger = Logger(label: "strikeledger.store"),
                clock: @escaping @Sendable () -> Timestamp = { Timestamp(seconds: Int64(Date().timeIntervalSince1970)) },
                watchInterval: Duration = SQLiteStore.defaultWatchInterval, writer tuning: WriterTuning = .serving) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        // The pool's readers serve the store's own catch-up and readiness reads only.
        config.maximumReaderCount = 4
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            // GRDB sets the writer to synchronous=NORMAL when it enables WAL, after
            // prepareDatabase ran: restore FULL on the one connection that writes.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA cache_size = -\(max(tuning.cacheKiB, 64))")
                if tuning.statementJournalsInMemory { try db.execute(sql: "PRAGMA temp_store = MEMORY") }
            }
        } catch {
            throw StoreError.database("cannot open \(path): \(error)")
        }
        readers = ReadConnections(path: path, limit: Self.readConnections)
        let hub = changes
        let readPool = pool
        let log = logger
        // A commit's events reach the hub through the catch-up every engine shares: when
        // another process committed in between, its events are read first, in seq order.
        self.writer = GroupCommit(pool: pool) { events in
            hub.catchUp(with: events) { head in
                do {
                    return try readPool.read { db in try Self.eventKeys(after: head, GRDBSession(db: db)) }
                } catch {
                    log.warning("could not read the feed's new events: \(error)")
                    return nil
                }
            }
        }
        self.logger = logger
        self.clock = clock
        self.path = path
        self.importBatchesAlone = tuning.importBatchesAlone
        try migrate()
        try reloadGazetteer()
        try reloadWeapons()
        let head = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT seq FROM feed_head") ?? 0 }
        changes.reset(head: head)
        startWatching(every: watchInterval)
    }

    /// How the one writing connection is set up, by the kind of writes it will make.
    public struct WriterTuning: Sendable {
        /// SQLite's page cache of the writer, KiB. An index that outgrows it is read back
        /// from the OS for every write.
        public var cacheKiB: Int
        /// Each write is a savepoint, whose statement journal SQLite keeps in memory up to
        /// 64 KiB and then in a temporary file: created, unlinked, written and read for
        /// every commit of a server's reports (strace: 44 `pwrite` per report against 12).
        /// In memory it costs a report's changed pages (~100 KiB) until its commit. An
        /// import batch in a savepoint journals megabytes, and SQLite's in-memory journal
        /// grew slow and large there (the fourth import pass); a batch made alone
        /// (`importBatchesAlone`) journals one statement's pages at a time (a multi-row
        /// INSERT's, emptied at its end), which memory holds well.
        public var statementJournalsInMemory: Bool
        /// Whether an import batch is a transaction of its own rather than a savepoint of a
        /// group's (see `GroupCommit`): no savepoint, so SQLite keeps no sub-journal of the
        /// batch's pages (strace of a 40,000-row import: 409k `pwrite` to the temporary file
        /// with the journal on file, none in memory). A server's imports stay in the group,
        /// where they take turns with its reports.
        public var importBatchesAlone: Bool

        /// A server's writes: one report at a time, many at once.
        public static let serving = WriterTuning(cacheKiB: 2048, statementJournalsInMemory: true, importBatchesAlone: false)
        /// `strikeledger import`: batches of thousands of rows.
        public static let bulkImport = WriterTuning(cacheKiB: 16 * 1024, statementJournalsInMemory: true, importBatchesAlone: true)
    }

    /// At most this many reads run at once (one connection each).
    public static let readConnections = 16

    /// How often the store asks SQLite whether another connection committed.
    public static let defaultWatchInterval: Duration = .milliseconds(200)

    // MARK: Commits made by other processes

    /// Watches the database file for commits this store did not make (an `import` run
    /// beside the server, a second server on the same file): `PRAGMA data_version`, on a
    /// connection of its own, changes whenever another connection commits. Then the data
    /// version grows (the answer caches drop what they hold), the change hub catches up
    /// from the database (long-polls and streams wake), and the gazetteer is read again
    /// when cities or spellings changed.
    private func startWatching(every interval: Duration) {
        // Asked on the writing connection: its data_version changes with every other
        // connection's commit but never with its own, so this process's writes are not
        // taken for another's (the answer caches keep what they hold).
        let pool = self.pool
        let shapeSQL = "SELECT (SELECT count(*) FROM cities), (SELECT count(*) FROM city_aliases)"
        @Sendable func dataVersion() throws -> Int {
            try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
        }
        @Sendable func shape() throws -> [Int64] {
            try pool.read { db in
                let row = try Row.fetchOne(db, sql: shapeSQL)
                return [row?[0] ?? 0, row?[1] ?? 0]
            }
        }
        // The baseline, taken now: a commit made after the store is opened is noticed.
        let baseline: (Int, [Int64])
        do {
            baseline = (try dataVersion(), try shape())
        } catch {
            logger.warning("cannot watch \(path) for other processes' commits: \(error)")
            return
        }
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        let thread = Thread { [weak self] in
            var (last, cities) = baseline
            while true {
                Thread.sleep(forTimeInterval: seconds)
                guard let store = self else { return }
                do {
                    let version = try dataVersion()
                    guard version != last else { continue }
                    last = version
                    store.otherCommits.add(1, ordering: .sequentiallyConsistent)
                    store.changes.catchUp { head in
                        try? pool.read { db in try Self.eventKeys(after: head, GRDBSession(db: db)) }
                    }
                    let now = try shape()
                    if now != cities { try store.reloadGazetteer() }
                    cities = now
                } catch {
                    store.logger.warning("watching for other processes' commits: \(error)")
                }
            }
        }
        thread.name = "strikeledger-watch"
        thread.start()
    }

    /// Applies pending migrations; returns the names applied.
    @discardableResult
    public func migrate() throws -> [String] {
        do {
            return try Migrator(migrations: LedgerMigrations.all).migrate(pool)
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.database("migration failed: \(error)")
        }
    }

    /// Grows with every committed write batch. An answer computed after reading version V
    /// is current exactly while the version is still V.
    public var dataVersion: Int {
        writer.batches.load(ordering: .sequentiallyConsistent) + otherCommits.load(ordering: .sequentiallyConsistent)
    }

    /// Reads run in this process, on a read connection of the store's.
    public var readsInProcess: Bool { true }

    public var timing: StoreTiming {
        StoreTiming(readSeconds: Double(readNanos.load(ordering: .relaxed)) / 1e9, reads: readCount.load(ordering: .relaxed),
               writeSeconds: Double(writeNanos.load(ordering: .relaxed)) / 1e9, writes: writer.writes.load(ordering: .relaxed),
               commits: writer.batches.load(ordering: .relaxed))
    }

    private func measure<T>(_ nanos: borrowing Atomic<Int>, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { nanos.add(Int(DispatchTime.now().uptimeNanoseconds - start), ordering: .relaxed) }
        return try body()
    }

    /// Like `write`, for writes that append change events: the events are published to
    /// the change hub after the commit, in seq order, before the write returns.
    /// Each write is a savepoint of a group-committed transaction (see `GroupCommit`).
    public func writeEvents<T>(_ body: (any SQLSession) throws -> (T, [EventKey])) throws(StoreError) -> T {
        try groupWrite(alone: false, body)
    }

    /// An import batch: a transaction of its own when the writer is tuned so (the CLI's
    /// import), else a write of a group as any other.
    public func writeImportBatch<T>(_ body: (any SQLSession) throws -> (T, [EventKey])) throws(StoreError) -> T {
        try groupWrite(alone: importBatchesAlone, body)
    }

    private func groupWrite<T>(alone: Bool, _ body: (any SQLSession) throws -> (T, [EventKey])) throws(StoreError) -> T {
        do {
            return try measure(writeNanos) { try writer.write(alone: alone) { db in try body(GRDBSession(db: db)) } }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.database("\(error)")
        }
    }

    public func read<T>(_ body: (any SQLSession) throws -> T) throws(StoreError) -> T {
        do {
            readCount.add(1, ordering: .relaxed)
            if let held = readers.heldSnapshot() {
                let version = dataVersion
                return try measure(readNanos) { try readers.read(holding: held, version: version) { session in try body(session) } }
            }
            return try measure(readNanos) { try readers.read { session in try body(session) } }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.database("\(error)")
        }
    }

    /// This thread's reads share one read transaction (`HeldSnapshot`) until
    /// `endReadTurn()`, begun anew whenever this process commits in between. For an
    /// event loop's short reads; a thread that starts a turn must end it.
    public func startReadTurn() {
        do {
            try readers.startTurn()
        } catch {
            logger.warning("cannot open a read connection for the event loop: \(error)")
        }
    }

    /// Ends this thread's turn and its read transaction, if one is open.
    public func endReadTurn() { readers.endTurn() }

    /// Ready when a read answers and, after a commit failed for want of disk, when a
    /// small commit succeeds again (see `CommitHealth`).
    public func readiness() -> Readiness {
        do {
            _ = try readers.read { session in try session.rows("SELECT 1", []) }
        } catch {
            return .unavailable(.database("the database does not answer a read: \(error)"))
        }
        return writer.health.readiness { probeCommit() }
    }

    /// A commit that writes one page and changes nothing: the database header's
    /// `user_version` (which nothing here uses) set to its own value. SQLite writes the
    /// page whatever the value, so the commit needs room in the WAL as any write does.
    private func probeCommit() -> StoreError? {
        do {
            try writeEvents { session -> ((), [EventKey]) in
                let version = try session.rows("PRAGMA user_version", []).first?.values.first
                guard case .integer(let v)? = version else { return ((), []) }
                _ = try session.execute("PRAGMA user_version = \(v)", [])
                return ((), [])
            }
            return nil
        } catch {
            return error
        }
    }

    /// A consistent copy of the live database at `path`, through SQLite's backup API.
    public func backup(to path: String) throws {
        do {
            let destination = try DatabaseQueue(path: path)
            try pool.backup(to: destination)
            try destination.close()
        } catch {
            throw StoreError.database("backup to \(path) failed: \(error)")
        }
    }

    /// The store's clock: what `recorded_at` and every other server time is taken from.
    public var now: Timestamp { clock() }
}
