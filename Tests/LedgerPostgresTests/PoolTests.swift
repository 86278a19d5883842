import Foundation
import Synchronization
import Testing
@testable import LedgerPostgres

@Suite("PostgreSQL connection pool", .needsPostgres)
struct PoolTests {
    @Test func manyThreadsShareAFewConnections() throws {
        let scratch = try Scratch()
        let pool = scratch.pool(.init(maxConnections: 4, checkoutTimeout: .seconds(30)))
        try pool.withConnection { c in try c.execute("CREATE TABLE hits (thread BIGINT, n BIGINT, backend INTEGER)") }
        let failures = Collected<String>()
        let inUse = Atomic<Int>(0), mostInUse = Atomic<Int>(0)
        onThreads(16) { thread in
            for n in 0..<25 {
                do {
                    try pool.withConnection { c in
                        let now = inUse.add(1, ordering: .relaxed).newValue
                        mostInUse.max(now, ordering: .relaxed)
                        defer { inUse.subtract(1, ordering: .relaxed) }
                        try c.execute("INSERT INTO hits VALUES ($1, $2, pg_backend_pid())", [.int64(Int64(thread)), .int64(Int64(n))])
                    }
                } catch {
                    failures.append("\(error)")
                }
            }
        }
        #expect(failures.all == [])
        let counts = try pool.withConnection { c in
            try c.query("SELECT count(*), count(DISTINCT (thread, n)), count(DISTINCT backend) FROM hits").first.map {
                (try $0.int64(0), try $0.int64(1), try $0.int64(2))
            }
        }
        #expect(counts?.0 == 400)
        #expect(counts?.1 == 400)
        #expect((counts?.2 ?? 99) <= 4)
        #expect(mostInUse.load(ordering: .relaxed) <= 4)
        let stats = pool.statistics
        #expect(stats.open <= 4 && stats.open == stats.idle && stats.waiting == 0)
        #expect(stats.opened == stats.open)
    }

    @Test func aCheckoutWaitsAtMostItsTimeout() throws {
        let pool = PostgresPool(configuration: try TestServer.configuration(),
                                options: .init(maxConnections: 1, checkoutTimeout: .milliseconds(200)))
        let held = try pool.checkout()
        let start = ContinuousClock.now
        let e = #expect(throws: PostgresError.self) { try pool.checkout() }
        #expect(e?.kind == .poolTimeout)
        #expect(e?.isConnectionProblem == true)
        // It did wait for its timeout before giving up.
        #expect(ContinuousClock.now - start >= .milliseconds(150))
        pool.checkin(held)
        let again = try pool.checkout()
        #expect(again === held)
        pool.checkin(again)
    }

    @Test func aWaitingCheckoutGetsTheConnectionGivenBack() throws {
        let pool = PostgresPool(configuration: try TestServer.configuration(),
                                options: .init(maxConnections: 1, checkoutTimeout: .seconds(10)))
        let held = try pool.checkout()
        let got = Collected<Int32>()
        let waiter = Thread {
            if let pid = try? pool.withConnection({ $0.backendPID }) { got.append(pid) }
        }
        waiter.start()
        #expect(eventually { pool.statistics.waiting == 1 })
        let pid = held.backendPID
        pool.checkin(held)
        #expect(eventually { got.all == [pid] })
    }

    @Test func brokenConnectionsAreDroppedAndReplacedLazily() throws {
        let pool = PostgresPool(configuration: try TestServer.configuration(), options: .init(maxConnections: 3))
        // Three connections open and idle.
        let held = try (0..<3).map { _ in try pool.checkout() }
        let pids = held.map(\.backendPID)
        held.forEach(pool.checkin)
        #expect(pool.statistics.idle == 3)
        // The server ends them, as a restart would.
        let killer = try PostgresConnection(configuration: try TestServer.configuration())
        for pid in pids { try killer.query("SELECT pg_terminate_backend($1)", [.int64(Int64(pid))]) }
        #expect(eventually { pids.allSatisfy { pid in
            (try? killer.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [.int64(Int64(pid))]).count) == 0
        } })
        // The very next use works: the dead idle connections are seen and dropped.
        let pid = try pool.withConnection { c in try c.query("SELECT pg_backend_pid()").first?.int64(0) }
        #expect(pid.map { !pids.contains(Int32($0)) } == true)
        let stats = pool.statistics
        #expect(stats.dropped == 3)
        #expect(stats.open == 1)
    }

    @Test func aConnectionLeftInATransactionIsRolledBackOnCheckin() throws {
        let scratch = try Scratch()
        let pool = scratch.pool(.init(maxConnections: 1))
        try pool.withConnection { c in try c.execute("CREATE TABLE t (id BIGINT)") }
        try pool.withConnection { c in
            try c.execute("BEGIN")
            try c.execute("INSERT INTO t VALUES (1)")
        }
        let count = try pool.withConnection { c in try c.query("SELECT count(*) FROM t").first?.int64(0) }
        #expect(count == 0)
        #expect(pool.statistics.open == 1)
    }

    @Test func anUnreachableServerFailsFastAndTyped() throws {
        // A free port where nothing listens.
        let url = try #require(TestServer.url)
        let dead = url.replacingOccurrences(of: #"@127\.0\.0\.1:\d+/"#, with: "@127.0.0.1:9/", options: .regularExpression)
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: dead),
                                options: .init(maxConnections: 2, reconnectDelay: .seconds(60)))
        let first = #expect(throws: PostgresError.self) { try pool.checkout() }
        #expect(first?.kind == .connectionFailed)
        #expect(first?.isConnectionProblem == true)
        // Within the reconnect delay, the same answer again, without another attempt.
        let second = #expect(throws: PostgresError.self) { try pool.checkout() }
        #expect(second == first)
        #expect(pool.statistics.failedOpens == 1)
        #expect(pool.statistics.open == 0)
    }

    @Test func aClosedPoolRefusesCheckouts() throws {
        let pool = PostgresPool(configuration: try TestServer.configuration())
        try pool.withConnection { c in try c.query("SELECT 1") }
        pool.close()
        let e = #expect(throws: PostgresError.self) { try pool.checkout() }
        #expect(e?.kind == .poolClosed)
        #expect(pool.statistics.open == 0)
    }
}
