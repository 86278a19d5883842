import Foundation
import LedgerMigrations
import Testing
@testable import LedgerPostgres

/// The test server: `STRIKELEDGER_TEST_POSTGRES`, as `scripts/postgres.sh` exports it.
/// Without it every suite here is skipped, and says so.
enum TestServer {
    static let url: String? = ProcessInfo.processInfo.environment["STRIKELEDGER_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    static var isAvailable: Bool { url != nil }
    static let skipped: Comment =
        "STRIKELEDGER_TEST_POSTGRES is not set: `source scripts/postgres.sh && postgres_start` starts a server and sets it"

    static func configuration() throws -> PostgresConfiguration {
        try PostgresConfiguration(url: try #require(url))
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the suite only when a test server is configured; a visible skip otherwise.
    static var needsPostgres: Self { .enabled(if: TestServer.isAvailable, TestServer.skipped) }
}

/// A schema of its own for one test, so tests run side by side on one database. Its
/// configuration sets `search_path` to it. Schemas are left behind: the database is a
/// fresh one each run (scripts/postgres.sh) and goes with the server.
final class Scratch: Sendable {
    let schema: String
    let configuration: PostgresConfiguration

    init() throws {
        schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let base = try TestServer.configuration()
        let admin = try PostgresConnection(configuration: base)
        try admin.executeScript("CREATE SCHEMA " + admin.quoteIdentifier(schema))
        admin.close()
        let separator = base.url.contains("?") ? "&" : "?"
        configuration = try PostgresConfiguration(url: base.url + separator + "options=-csearch_path%3D" + schema)
    }

    func connect(_ change: (inout PostgresConfiguration) -> Void = { _ in }) throws -> PostgresConnection {
        var c = configuration
        change(&c)
        return try PostgresConnection(configuration: c)
    }

    func pool(_ options: PostgresPool.Options = .init()) -> PostgresPool {
        PostgresPool(configuration: configuration, options: options)
    }

    /// A pool on this schema with StrikeLedger's PostgreSQL migrations applied.
    func migratedPool(_ options: PostgresPool.Options = .init()) throws -> PostgresPool {
        let pool = pool(options)
        try PostgresMigrator().migrate(pool)
        return pool
    }
}

/// Runs `body` on `count` threads at once and returns when all have finished.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let thread = Thread {
            body(i)
            group.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    group.wait()
}

/// Waits up to `timeout` for `condition`, checking every few milliseconds.
func eventually(within timeout: Duration = .seconds(10), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.005)
    }
    return try condition()
}

/// Collects values from any thread.
final class Collected<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func append(_ item: T) { lock.withLock { items.append(item) } }
    var all: [T] { lock.withLock { items } }
}
