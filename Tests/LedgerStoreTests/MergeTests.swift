import Foundation
import LedgerModel
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

@Suite struct MergeTests {
    /// Eleven strikes in Kyiv, a day apart, so ids 7, 9 and 11 are the ones of the contract.
    func elevenStrikes(_ store: LedgerStore) throws {
        for i in 0..<11 {
            _ = try store.createStrike(NewStrike(city: .id(kyivId), occurredAt: ts("2025-10-01T02:30:00Z").adding(seconds: Int64(i) * 86_400)))
        }
    }

    @Test(arguments: Engine.available) func mergeChainKeepsRevisionsWhereTheyWereRecorded(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-12T00:00:00Z")) { (store, clock, _) throws in
            try elevenStrikes(store)
            let r7 = try store.appendRevision(toStrike: 7, Figures(killed: 3, injured: 3, reportedAt: ts("2025-10-10T03:10:00Z"), source: mayor))
            let r9 = try store.appendRevision(toStrike: 9, Figures(killed: 4, injured: nil, reportedAt: ts("2025-10-10T07:45:00Z"), source: president))
            let r11 = try store.appendRevision(toStrike: 11, Figures(killed: nil, injured: 5, reportedAt: ts("2025-10-10T08:00:00Z"), source: rescuers))
            let v7 = try store.strike(id: 7).version, v9 = try store.strike(id: 9).version

            clock.advance(60)
            let nine = try store.merge(strike: 7, into: 9)
            #expect(nine.id == 9)
            #expect(nine.toll == Toll(killed: 4, injured: 3, asOf: ts("2025-10-10T07:45:00Z"), revisions: 2))
            #expect(nine.version == v9 + 1)
            let seven = try store.strike(id: 7)
            #expect(seven.mergedInto == 9)
            #expect(seven.toll == Toll(killed: nil, injured: nil, asOf: nil, revisions: 0))
            #expect(seven.version == v7 + 1)

            clock.advance(60)
            let eleven = try store.merge(strike: 9, into: 11)
            #expect(eleven.toll == Toll(killed: 4, injured: 5, asOf: ts("2025-10-10T08:00:00Z"), revisions: 3))
            #expect(try store.strike(id: 9).mergedInto == 11)
            #expect(try store.strike(id: 9).toll == .empty)
            #expect(try store.strike(id: 7).mergedInto == 9)

            // A pointer, not a move: every revision keeps its strike_id.
            let history = try store.history(11)
            #expect(history.map(\.seq) == [r7.revision.seq, r9.revision.seq, r11.revision.seq])
            #expect(history.map(\.strikeId) == [7, 9, 11])
            #expect(try store.history(9).map(\.seq) == [r7.revision.seq, r9.revision.seq])
            #expect(try store.history(7).map(\.seq) == [r7.revision.seq])

            // Merged strikes leave lists.
            #expect(try store.strikes(StrikeQuery()).map(\.id).sorted() == [1, 2, 3, 4, 5, 6, 8, 10, 11])

            // Refusals, none of which writes.
            let head = store.changes.head
            for (a, b) in [(11, 7), (11, 9), (11, 11)] as [(Int64, Int64)] {
                let e = #expect(throws: StoreError.self) { try store.merge(strike: a, into: b) }
                #expect(e?.kind == "conflict", "merge \(a) into \(b)")
            }
            let already = #expect(throws: StoreError.self) { try store.merge(strike: 7, into: 1) }
            #expect(already?.kind == "conflict")
            let alreadyToo = #expect(throws: StoreError.self) { try store.merge(strike: 9, into: 2) }
            #expect(alreadyToo?.kind == "conflict")
            let unknown = #expect(throws: StoreError.self) { try store.merge(strike: 404, into: 1) }
            #expect(unknown?.kind == "notFound")
            let unknownTarget = #expect(throws: StoreError.self) { try store.merge(strike: 1, into: 404) }
            #expect(unknownTarget?.invalidFields == ["into"])
            #expect(store.changes.head == head)
            #expect(try store.strike(id: 11).toll == eleven.toll)

            // Writes addressed to a merged strike go to the end of the chain.
            clock.advance(60)
            let w = try store.appendRevision(toStrike: 7, Figures(killed: 6, injured: nil, reportedAt: clock.now, source: president))
            #expect(w.revision.strikeId == 11)
            #expect(w.toll.killed == 6)
            #expect(try store.strike(id: 11).toll == Toll(killed: 6, injured: 5, asOf: clock.now, revisions: 4))
            #expect(try store.strike(id: 7).toll == .empty)
            let viaReport = try store.ingest(Report(city: .name("Kyiv"), occurredAt: nil, strikeId: 7, source: mayor, injured: 7),
                                             window: window)
            #expect(viaReport.matched && viaReport.strike.id == 11 && viaReport.revision?.strikeId == 11)

            // Voiding a revision recorded on 7 re-derives 11's toll.
            let v = try store.voidRevision(seq: r7.revision.seq, reason: "duplicate")
            #expect(v.toll == (try store.strike(id: 11).toll))
            #expect(v.toll.revisions == 4)
            #expect(try store.strike(id: 7).toll == .empty)
        }
    }

    @Test(arguments: Engine.available) func mergedStrikesNeverMatchReports(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-12T00:00:00Z")) { (store, _, _) throws in
            try elevenStrikes(store)
            _ = try store.merge(strike: 7, into: 11)
            // Strike 7 occurred at 2025-10-07T02:30Z: a report at that minute no longer matches it.
            let r = try store.ingest(Report(city: .name("Kyiv"), occurredAt: ts("2025-10-07T02:30:00Z"), source: mayor, killed: 1),
                                     window: window)
            #expect(!r.matched)
            #expect(r.strike.id == 12)
            // A merge event names both strikes.
            let merge = try store.changes(since: 0, filter: FeedFilter(), limit: 10).items.first
            #expect(merge?.kind == .merge)
            #expect(merge?.strikeId == 11)
            #expect(merge?.mergedStrikeId == 7)
            #expect(merge?.revision == nil)
            #expect(merge?.toll == .empty)
        }
    }
}
