import Dispatch
import Foundation
import GRDB
import LedgerModel
import Synchronization
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

@Suite struct BackupTests {
    @Test func backupWhileAnotherThreadWrites() throws {
        try withSQLiteStore { (store, _, dir) throws in
            let a = try store.ingest(mayorReport, window: window)
            let k = try store.ingest(Report(city: .name("Kharkiv"), occurredAt: ts("2025-10-10T01:00:00Z"), source: rescuers, injured: 3),
                                     window: window)
            for i in 0..<20 { _ = try store.appendRevision(toStrike: a.strike.id, Figures(killed: Int64(i), injured: nil, source: mayor)) }

            let stop = Atomic<Bool>(false)
            let done = DispatchSemaphore(value: 0)
            let written = Atomic<Int>(0)
            DispatchQueue.global().async {
                var i: Int64 = 0
                while !stop.load(ordering: .relaxed) && i < 2000 {
                    i += 1
                    let target = i % 2 == 0 ? a.strike.id : k.strike.id
                    if (try? store.appendRevision(toStrike: target, Figures(killed: i % 50, injured: i % 7, source: president))) != nil {
                        written.add(1, ordering: .relaxed)
                    }
                }
                done.signal()
            }
            // Let the writer get going, then copy while it writes.
            while written.load(ordering: .relaxed) < 5 { usleep(1000) }
            var copies: [(path: String, committedBefore: Int)] = []
            for n in 0..<3 {
                let committed = try store.rowCount("revisions")
                let path = dir.path("copy-\(n).sqlite")
                try store.backup(to: path)
                copies.append((path, committed))
            }
            stop.store(true, ordering: .relaxed)
            #expect(done.wait(timeout: .now() + 30) == .success)
            let total = try store.rowCount("revisions")
            #expect(written.load(ordering: .relaxed) > 5)

            for copy in copies {
                let queue = try DatabaseQueue(path: copy.path)
                let check = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
                #expect(check == ["ok"])
                let (revisions, events, cached) = try queue.read { db in
                    (try Int.fetchOne(db, sql: "SELECT count(*) FROM revisions")!,
                     try Int.fetchOne(db, sql: "SELECT count(*) FROM change_events")!,
                     try Int.fetchOne(db, sql: "SELECT sum(toll_revisions) FROM strikes")!)
                }
                #expect(revisions >= copy.committedBefore)
                #expect(revisions <= total)
                // One snapshot: every revision has its event and the toll cache agrees.
                #expect(events == revisions)
                #expect(cached == revisions)
                try queue.close()

                // The copy is a working database: it opens as a store, needs no migration,
                // and its tolls follow the rule.
                let restored = try SQLiteStore(path: copy.path)
                #expect(try restored.migrate() == [])
                #expect(restored.changes.head == Int64(revisions))
                for id in [a.strike.id, k.strike.id] {
                    let s = try restored.strike(id: id)
                    #expect(s.toll == Toll.derive(from: try restored.history(id).map(\.facts)))
                }
                #expect(try restored.resolveCity(.name("Kiev")).id == kyivId)
            }
        }
    }
}
