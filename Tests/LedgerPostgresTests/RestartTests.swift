import Foundation
import Testing
@testable import LedgerPostgres

/// Stops and restarts the test server, so it runs alone: only when
/// `STRIKELEDGER_TEST_POSTGRES_CTL` names the directory of `scripts/postgres.sh`'s
/// `start`, `stop` and `restart` (`scripts/postgres-check.sh` runs it that way, after
/// the other suites). Elsewhere it is skipped, and says so.
enum ServerControl {
    static let directory = ProcessInfo.processInfo.environment["STRIKELEDGER_TEST_POSTGRES_CTL"].flatMap { $0.isEmpty ? nil : $0 }

    /// Runs `start`, `stop` or `restart` and waits for it.
    static func run(_ action: String) throws {
        let status = try #require(spawnAndWait(action), "cannot run \(action)")
        try #require(status == 0, "\(action) failed: wait status \(status)")
    }

    /// The wait status, or nil when it could not be started. (posix_spawn and waitpid:
    /// Foundation's Process on Linux can miss a child's exit and wait forever.)
    static func spawnAndWait(_ action: String) -> Int32? {
        guard let directory else { return nil }
        let path = directory + "/" + action
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(path), nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, path, nil, nil, argv, environ) == 0 else { return nil }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }
}

@Suite("PostgreSQL restart", .serialized, .needsPostgres,
       .enabled(if: ServerControl.directory != nil,
                "restarts the server: set STRIKELEDGER_TEST_POSTGRES_CTL (scripts/postgres-check.sh does) to run it alone"))
struct RestartTests {
    @Test func poolAndListenerHealAfterARestart() throws {
        let config = try TestServer.configuration()
        let pool = PostgresPool(configuration: config, options: .init(maxConnections: 4, reconnectDelay: .milliseconds(50)))
        onThreads(4) { _ in _ = try? pool.withConnection { c in try c.query("SELECT pg_sleep(0.05)") } }
        #expect(pool.statistics.idle == 4)
        let listener = try Listener(config, channels: ["restart"], options: .init(initialBackoff: .milliseconds(50)))
        #expect(eventually { listener.listenings == [false] })

        try ServerControl.run("restart")

        // The first query after the restart works: the dead idle connections are dropped.
        #expect(try pool.withConnection { c in try c.query("SELECT 1").first?.int64(0) } == 1)
        #expect(pool.statistics.dropped >= 1)
        #expect(eventually { listener.listenings == [false, true] })
        #expect(listener.disconnections == 1)
        try pool.withConnection { c in try PostgresNotifications.notify(channel: "restart", payload: "back", on: c) }
        #expect(eventually { listener.payloads == ["back"] })
    }

    @Test func duringAnOutageCallsFailTypedAndFastThenHeal() throws {
        let config = try TestServer.configuration()
        let pool = PostgresPool(configuration: config, options: .init(maxConnections: 2, reconnectDelay: .milliseconds(50)))
        try pool.withConnection { c in try c.query("SELECT 1") }
        let listener = try Listener(config, channels: ["outage"], options: .init(initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(200)))
        #expect(eventually { listener.listenings == [false] })

        try ServerControl.run("stop")
        var running = false
        // Started again below; this is for a test that stops half-way.
        defer { if !running { _ = ServerControl.spawnAndWait("start") } }
        for _ in 0..<5 {
            let e = #expect(throws: PostgresError.self) { try pool.withConnection { c in try c.query("SELECT 1") } }
            #expect(e?.isConnectionProblem == true)
        }
        #expect(eventually { listener.disconnections == 1 })
        try ServerControl.run("start")
        running = true

        #expect(eventually { (try? pool.withConnection { c in try c.query("SELECT 1").first?.int64(0) }) == 1 })
        #expect(eventually { listener.listenings == [false, true] })
        #expect(listener.disconnections == 1)
    }
}
