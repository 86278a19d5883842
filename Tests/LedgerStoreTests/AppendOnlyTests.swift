import Foundation
import GRDB
import LedgerModel
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

@Suite struct AppendOnlyTests {
    @Test(arguments: [
        "UPDATE revisions SET killed = 9",
        "DELETE FROM revisions",
        "UPDATE change_events SET toll_killed = 9",
        "DELETE FROM change_events",
        "UPDATE revision_voids SET reason = 'none'",
        "DELETE FROM revision_voids",
    ])
    func historyTablesRefuseUpdateAndDelete(_ sql: String) throws {
        try withSQLiteStore { (store, _, _) throws in
            let a = try store.ingest(Report(city: .name("Kiev"), occurredAt: ts("2025-10-10T05:30:00+03:00"), source: mayor,
                                            killed: 3, injured: 3), window: window)
            let second = try store.appendRevision(toStrike: a.strike.id, Figures(killed: 4, injured: nil, source: president))
            _ = try store.voidRevision(seq: second.revision.seq, reason: "entered twice")
            let before = try store.history(a.strike.id)
            let events = try store.changes(since: 0, filter: FeedFilter(), limit: 100).items

            let e = #expect(throws: DatabaseError.self) { try store.pool.write { db in try db.execute(sql: sql) } }
            #expect(e?.message?.contains("append-only") == true)

            #expect(try store.history(a.strike.id) == before)
            #expect(try store.changes(since: 0, filter: FeedFilter(), limit: 100).items == events)
            #expect(before.map(\.killed) == [3, 4])
            #expect(events.count == 3)
        }
    }
}
