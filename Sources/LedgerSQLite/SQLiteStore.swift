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
/// time. `synchronous=FULL`, so an acknowledged write survives power loss.
public final class SQLiteStore: RelationalStore {
    let pool: DatabasePool
    let writer: GroupCommit
    private let readNanos = Atomic<Int>(0)
    private let readCount = Atomic<Int>(0)
    private let writeNanos = Atomic<Int>(0)
    public let changes = ChangeHub()
    public let gazetteerCache = GazetteerCache()
    public let weaponCache = WeaponCatalogueCache()
    public let logger: Logger
    /// A clock the tests can replace.
    let clock: @Sendable () -> Timestamp

    /// Opens (creating when missing) and migrates the database at `path`.
    public init(path: String, logger: Logger = Logger(label: "strikeledger.store"),
                clock: @escaping @Sendable () -> Timestamp = { Timestamp(seconds: Int64(Date().timeIntervalSince1970)) }) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.maximumReaderCount = 16
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            // GRDB sets the writer to synchronous=NORMAL when it enables WAL, after
            // prepareDatabase ran: restore FULL on the one connection that writes.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw StoreError.database("cannot open \(path): \(error)")
        }
        let hub = changes
        self.writer = GroupCommit(pool: pool) { events in hub.publish(events) }
        self.logger = logger
        self.clock = clock
        try migrate()
        try reloadGazetteer()
        try reloadWeapons()
        let head = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT seq FROM feed_head") ?? 0 }
        changes.reset(head: head)
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
    /// Reads run in this process, on a connection of the pool.
    public var readsInProcess: Bool { true }

    public var dataVersion: Int { writer.batches.load(ordering: .sequentiallyConsistent) }

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
        do {
            return try measure(writeNanos) { try writer.write { db in try body(GRDBSession(db: db)) } }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.database("\(error)")
        }
    }

    public func read<T>(_ body: (any SQLSession) throws -> T) throws(StoreError) -> T {
        do {
            readCount.add(1, ordering: .relaxed)
            return try measure(readNanos) { try pool.read { db in try body(GRDBSession(db: db)) } }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.database("\(error)")
        }
    }

    /// True when the database answers a query.
    public func isReady() -> Bool {
        (try? pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
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

