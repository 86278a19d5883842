import Foundation
import GRDB
import LedgerModel
import Testing
@testable import LedgerPostgres
@testable import LedgerSQLite
@testable import LedgerStore

/// A full disk, as SQLite reports it (`SQLITE_FULL`): `PRAGMA max_page_count` on the
/// writing connection makes the database unable to grow, as a full filesystem does.
/// The real thing, on a small tmpfs, is CI's stage 45-disk-full.
@Suite struct StorageFullTests {
    @Test func aFullDatabaseRefusesWritesAsStorageFullKeepsReadsAndResumes() throws {
        try withSQLiteStore { store, _, _ in
            let first = try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T02:30:00Z")))
            let pages = try store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
            try store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = \(pages)") }

            var acknowledged = [first.id]
            var refusal: StoreError?
            let long = String(repeating: "a shelter's wall, ", count: 100)
            for i in 0..<500 {
                do {
                    let s = try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: Timestamp(seconds: 1_760_000_000 + Int64(i) * 600),
                                                             description: long))
                    acknowledged.append(s.id)
                } catch {
                    refusal = error as? StoreError ?? .database("\(error)")
                    break
                }
            }
            #expect(refusal?.kind == "storageFull", "got \(String(describing: refusal))")
            #expect(store.writer.health.failure?.kind == "storageFull")
            // Reads go on, and every acknowledged write is there.
            for id in acknowledged { #expect(try store.strike(id: id).id == id) }

            // Space again: the next write commits, and the failure is forgotten.
            try store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
            let after = try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-11T02:30:00Z"), description: long))
            #expect(try store.strike(id: after.id).description == long)
            #expect(store.writer.health.failure == nil)
            #expect(store.readiness() == .ready)
        }
    }

    @Test func readinessProbesACommitWhileAFailureIsRememberedAndNoMoreThanOncePerInterval() {
        let health = CommitHealth(probeInterval: .seconds(3600))
        var probes = 0
        #expect(health.readiness { probes += 1; return nil } == .ready)
        #expect(probes == 0, "no failure remembered: no probe")

        health.failed(.conflict("a lost race says nothing of the next commit"))
        #expect(health.failure == nil)

        let full = StoreError.storageFull("SQLITE_FULL")
        health.failed(full)
        #expect(health.readiness { probes += 1; return full } == .unavailable(full))
        #expect(probes == 1)
        // Within the interval the remembered failure answers; no second probe.
        #expect(health.readiness { probes += 1; return nil } == .unavailable(full))
        #expect(probes == 1)
        // A client's commit that succeeds forgets it.
        health.committed()
        #expect(health.readiness { probes += 1; return full } == .ready)
        #expect(probes == 1)
    }

    @Test func aProbeThatCommitsMakesTheStoreReadyAgain() {
        let health = CommitHealth(probeInterval: .zero)
        health.failed(.readOnly("in recovery"))
        #expect(health.readiness { .readOnly("still") } == .unavailable(.readOnly("still")))
        #expect(health.readiness { nil } == .ready)
        #expect(health.failure == nil)
    }
}

/// A PostgreSQL that takes no writes (a standby, or set read-only) is said plainly, and
/// readiness follows it both ways.
@Suite struct ReadOnlyDatabaseTests {
    /// Sets the test database read-only (or back) for new sessions, and ends the store's
    /// sessions so that its pool reconnects with the setting.
    private func setReadOnly(_ on: Bool, _ url: String) throws {
        let name = String(URLComponents(string: url)!.path.dropFirst())
        let admin = try PostgresConnection(configuration: try PostgresConfiguration(url: Engine.postgresServer!))
        defer { admin.close() }
        _ = try admin.execute("ALTER DATABASE \(name) " + (on ? "SET default_transaction_read_only = on" : "RESET default_transaction_read_only"))
        _ = try admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(name)' AND pid <> pg_backend_pid()")
    }

    /// Retries while the pool notices that its sessions were ended.
    private func afterReconnecting<T>(_ body: () throws -> T) throws -> T {
        for _ in 0..<20 {
            do { return try body() } catch let e as StoreError where e.kind == "database" { Thread.sleep(forTimeInterval: 0.1) }
        }
        return try body()
    }

    @Test func aReadOnlyPostgreSQLRefusesWritesAsReadOnlyAndReadinessFollows() throws {
        guard Engine.postgresServer != nil else { return }
        try withStore(.postgres) { store, _, dir in
            let url = try dir.postgresDatabase()
            let first = try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T02:30:00Z")))
            #expect(store.readiness() == .ready)

            try setReadOnly(true, url)
            let refused = #expect(throws: StoreError.self) {
                try afterReconnecting { try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T03:30:00Z"))) }
            }
            #expect(refused?.kind == "readOnly", "got \(String(describing: refused))")
            guard case .unavailable(let cause) = try afterReconnecting({ () throws(StoreError) -> Readiness in
                let r = store.readiness()
                if case .unavailable(let e) = r, e.kind == "database" { throw e }
                return r
            }) else { Issue.record("ready while read-only"); return }
            #expect(cause.kind == "readOnly")
            #expect(try afterReconnecting { try store.strike(id: first.id) }.id == first.id, "reads go on")

            try setReadOnly(false, url)
            var readiness = store.readiness()
            for _ in 0..<30 where readiness != .ready {
                Thread.sleep(forTimeInterval: 0.1)
                readiness = store.readiness()
            }
            #expect(readiness == .ready)
            #expect(try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T04:30:00Z"))).id > first.id)
        }
    }
}
