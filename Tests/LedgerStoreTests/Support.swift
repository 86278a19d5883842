import Foundation
import GRDB
import LedgerModel
import Synchronization
import Testing
@testable import LedgerPostgres
@testable import LedgerSQLite
@testable import LedgerStore

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let seconds: Mutex<Int64>
    init(_ t: Timestamp) { seconds = Mutex(t.seconds) }
    var now: Timestamp { Timestamp(seconds: seconds.withLock { $0 }) }
    func set(_ t: Timestamp) { seconds.withLock { $0 = t.seconds } }
    func advance(_ s: Int64) { seconds.withLock { $0 += s } }
    var function: @Sendable () -> Timestamp { { [self] in self.now } }
}

func ts(_ s: String) -> Timestamp {
    guard let t = Timestamp(rfc3339: s) else { fatalError("bad timestamp \(s)") }
    return t
}

/// A fresh directory under the temporary directory, removed when the value goes away;
/// and, for PostgreSQL, a fresh database, dropped likewise.
final class TempDir {
    let url: URL
    private(set) var postgresURL: String?

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ledgerstore-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String = "ledger.sqlite") -> String { url.appendingPathComponent(name).path }

    /// A new, empty database on the test server (`STRIKELEDGER_TEST_POSTGRES`).
    func postgresDatabase() throws -> String {
        if let postgresURL { return postgresURL }
        guard let server = Engine.postgresServer, var components = URLComponents(string: server) else {
            throw StoreError.database("STRIKELEDGER_TEST_POSTGRES is not set")
        }
        let name = "store_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try PostgresConnection(configuration: try PostgresConfiguration(url: server))
        defer { admin.close() }
        _ = try admin.execute("CREATE DATABASE \(name)")
        components.path = "/" + name
        postgresURL = components.string!
        return postgresURL!
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
        if let postgresURL, let server = Engine.postgresServer, let name = URLComponents(string: postgresURL)?.path.dropFirst(),
           let admin = try? PostgresConnection(configuration: try PostgresConfiguration(url: server)) {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            admin.close()
        }
    }
}

/// The engines the store suite runs on. Every behaviour test takes one as its argument,
/// so the one suite checks every engine.
enum Engine: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    /// The PostgreSQL server the suite may create databases on (a URL), if any.
    static let postgresServer = ProcessInfo.processInfo.environment["STRIKELEDGER_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

    /// SQLite always; PostgreSQL too when `STRIKELEDGER_TEST_POSTGRES` names a server
    /// (scripts/postgres.sh starts one; .ci/run does).
    static var available: [Engine] { postgresServer == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }

    /// Opens (creating and migrating) the test's database.
    func open(_ place: TempDir, clock: @escaping @Sendable () -> Timestamp = { Timestamp(seconds: Int64(Date().timeIntervalSince1970)) }) throws -> any LedgerStore {
        switch self {
        case .sqlite: try SQLiteStore(path: place.path(), clock: clock)
        case .postgres: try PostgresStore(url: try place.postgresDatabase(), clock: clock)
        }
    }

    /// Opens the same database again, as a restarted server would.
    func reopen(_ place: TempDir) throws -> any LedgerStore { try open(place) }
}

/// Runs `body` with a store on a new database; the database is removed afterwards.
func withStore(_ engine: Engine, at start: Timestamp = ts("2025-10-10T12:00:00Z"),
               _ body: (any LedgerStore, TestClock, TempDir) throws -> Void) throws {
    let dir = TempDir()
    let clock = TestClock(start)
    let store = try engine.open(dir, clock: clock.function)
    return try withExtendedLifetime(dir) { try body(store, clock, dir) }
}

/// The same for tests of what only SQLite has (its files, pragmas, migrator, backup API).
func withSQLiteStore(at start: Timestamp = ts("2025-10-10T12:00:00Z"),
                     _ body: (SQLiteStore, TestClock, TempDir) throws -> Void) throws {
    let dir = TempDir()
    let clock = TestClock(start)
    let store = try SQLiteStore(path: dir.path(), clock: clock.function)
    return try withExtendedLifetime(dir) { try body(store, clock, dir) }
}

/// The matching window of report ingestion: 6 hours, the server default.
let window: Int64 = 6 * 3600

let mayor = SourceSpec.inline(NewSource(name: "Vitali Klitschko", kind: .official, url: "https://t.me/vitaliy_klitschko"))
let president = SourceSpec.inline(NewSource(name: "Volodymyr Zelensky", kind: .official))
let rescuers = SourceSpec.inline(NewSource(name: "State Emergency Service", kind: .emergency_service))

let kyivId: Int64 = 1
let kharkivId: Int64 = 19
let odesaId: Int64 = 14

extension StoreError {
    var kind: String {
        switch self {
        case .notFound: "notFound"
        case .conflict: "conflict"
        case .invalid: "invalid"
        case .versionMismatch: "versionMismatch"
        case .migrationEdited: "migrationEdited"
        case .migrationUnknown: "migrationUnknown"
        case .database: "database"
        case .storageFull: "storageFull"
        case .readOnly: "readOnly"
        case .alreadyAnswered: "alreadyAnswered"
        }
    }

    var invalidFields: [String] {
        if case .invalid(let v) = self { return v.errors.map(\.field) }
        return []
    }
}

/// SplitMix64: a small seeded generator, so a failing random sequence can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension LedgerStore {
    /// Every revision of the group a strike's history covers.
    func history(_ id: Int64) throws -> [Revision] { try revisions(ofStrike: id, after: nil, limit: 100_000) }

    /// Rows in a table, asked of the engine underneath.
    func rowCount(_ table: String) throws -> Int {
        switch self {
        case let sqlite as SQLiteStore:
            return try sqlite.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)")! }
        case let postgres as PostgresStore:
            return try postgres.pool.withConnection { c in try c.query("SELECT count(*) FROM \(table)").first!.int(0) }
        default:
            fatalError("no row count for \(type(of: self))")
        }
    }
}
