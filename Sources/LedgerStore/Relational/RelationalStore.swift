import LedgerModel
import Logging
import Synchronization

/// A `LedgerStore` on a relational database: every operation of the ledger is written here
/// once, in the SQL that SQLite and PostgreSQL share, over an `SQLSession`.
///
/// An engine supplies only what differs between databases: how a read snapshot and a
/// durable write transaction are had (`read`, `writeEvents`), how committed events reach
/// the change hub, and its own start-up, readiness and backup.
public protocol RelationalStore: LedgerStore {
    /// The gazetteer, read once and reloaded after a city or alias is added.
    var gazetteerCache: GazetteerCache { get }
    /// The weapon catalogue, read once at start-up (a migration is its only writer).
    var weaponCache: WeaponCatalogueCache { get }
    var logger: Logger { get }

    /// Runs `body` on a consistent snapshot; maps database errors to `StoreError`.
    func read<T>(_ body: (any SQLSession) throws -> T) throws(StoreError) -> T

    /// Runs `body` atomically and returns once it is durable. The change events it
    /// appended are in the change hub, in seq order, before this returns.
    func writeEvents<T>(_ body: (any SQLSession) throws -> (T, [EventKey])) throws(StoreError) -> T

    /// Like `writeEvents`, for one batch of an import (`importRows`). An engine may give
    /// the batch a transaction of its own where that is cheaper; by default it is a write
    /// as any other.
    func writeImportBatch<T>(_ body: (any SQLSession) throws -> (T, [EventKey])) throws(StoreError) -> T
}

extension RelationalStore {
    public func writeImportBatch<T>(_ body: (any SQLSession) throws -> (T, [EventKey])) throws(StoreError) -> T {
        try writeEvents(body)
    }

    /// A durable write that appends no change event.
    func write<T>(_ body: (any SQLSession) throws -> T) throws(StoreError) -> T {
        try writeEvents { db in (try body(db), []) }
    }

    /// A new row's id: one past the highest, as SQLite gives a rowid. Writes take
    /// turns on every engine, so this is exact, and a write that rolls back leaves no gap
    /// (a PostgreSQL identity column would burn its number): ids are the same on both.
    /// (No `INSERT ... RETURNING`: SQLite gathers a RETURNING statement's rows in a temporary
    /// b-tree, which cost a write more than its inserts did.)
    static func nextID(of table: StaticString, _ db: any SQLSession) throws -> Int64 {
        try inserted(db.value("SELECT coalesce(max(id), 0) + 1 FROM \(table)"))
    }

    /// Takes the feed's next seq. The one-row counter is updated inside the writing
    /// transaction: the row lock it takes orders concurrent writers, so seq order is commit
    /// order on every engine (a PostgreSQL sequence would hand out seqs at insert time
    /// instead, and a poller could see seq 11 commit before seq 10 and skip 10 for good).
    static func nextSeq(_ db: any SQLSession) throws -> Int64 {
        try db.execute("UPDATE feed_head SET seq = seq + 1")
        return try inserted(db.value("SELECT seq FROM feed_head"))
    }

    /// A value a query must give.
    static func inserted(_ id: Int64?) throws -> Int64 {
        guard let id else { throw StoreError.database("a counter gave no value") }
        return id
    }

    /// Reads the cities again (after start-up, and after a city or alias is added, here or
    /// on another process sharing the database).
    public func reloadGazetteer() throws(StoreError) {
        try gazetteerCache.reload { () throws(StoreError) in
            let g = Gazetteer(cities: try read { db in try Self.fetchCities(db) })
            if !g.clashes.isEmpty { logger.warning("gazetteer spellings owned by two cities: \(g.clashes)") }
            return g
        }
    }
}

/// The weapon catalogue in memory.
public final class WeaponCatalogueCache: Sendable {
    private let current = Mutex(WeaponCatalogue(models: []))
    public init() {}
    public var catalogue: WeaponCatalogue { current.withLock { $0 } }
    func set(_ c: WeaponCatalogue) { current.withLock { $0 = c } }
}

/// The gazetteer in memory. Reloads are serialised, so an older snapshot never replaces a
/// newer one.
public final class GazetteerCache: Sendable {
    private let current = Mutex(Gazetteer(cities: []))
    private let reloading = Mutex(())

    public init() {}

    public var gazetteer: Gazetteer { current.withLock { $0 } }

    func reload(_ load: () throws(StoreError) -> Gazetteer) throws(StoreError) {
        try reloading.withLock { _ throws(StoreError) in
            let g = try load()
            current.withLock { $0 = g }
        }
    }
}
