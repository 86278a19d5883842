import Dispatch
import Foundation
import LedgerModel
import Synchronization
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

@Suite struct ConcurrencyTests {
    @Test(arguments: Engine.available) func concurrentWritersKeepTheFeedGapFreeAndTollsExact(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let cities: [CityName] = [.name("Kyiv"), .name("Kharkiv"), .name("Odesa"), .name("Dnipro")]
            var strikes: [Int64] = []
            for c in cities { strikes.append(try store.createStrike(NewStrike(city: c, occurredAt: ts("2025-10-10T02:30:00Z"))).id) }
            let ids = strikes
            let failures = Atomic<Int>(0)
            let group = DispatchGroup()
            for t in 0..<4 {
                group.enter()
                DispatchQueue.global().async {
                    for i in 0..<25 {
                        let target = ids[(t + i) % ids.count]
                        let figures = Figures(killed: Int64(t * 100 + i), injured: Int64(i), reportedAt: ts("2025-10-10T06:00:00Z"),
                                              source: t % 2 == 0 ? mayor : president)
                        if (try? store.appendRevision(toStrike: target, figures)) == nil { failures.add(1, ordering: .relaxed) }
                    }
                    group.leave()
                }
            }
            #expect(group.wait(timeout: .now() + 30) == .success)
            #expect(failures.load(ordering: .relaxed) == 0)

            let (items, head) = try store.changes(since: 0, filter: FeedFilter(), limit: 1000)
            #expect(items.map(\.seq) == Array(1...100))
            #expect(head == 100)
            #expect(store.changes.head == 100)
            // Same reported_at everywhere: the highest seq wins each strike's toll.
            for id in ids {
                let history = try store.history(id)
                #expect(history.count == 25)
                let s = try store.strike(id: id)
                #expect(s.toll == Toll.derive(from: history.map(\.facts)))
                #expect(s.toll.killed == history.last?.killed)
                #expect(s.version == 26)
                // Each event carries the toll right after it: its own revision's figures.
                for e in items where e.strikeId == id { #expect(e.toll.killed == e.revision?.killed) }
            }
            // The hub knows every event, whatever order the writers published in.
            for (n, id) in ids.enumerated() {
                let firstSeq = items.first { $0.strikeId == id }!.seq
                #expect(store.changes.hasEvent(after: firstSeq - 1, matching: FeedFilter(strikeId: id)) == true, "strike \(n)")
            }
        }
    }

    @Test(arguments: Engine.available) func concurrentReportsOfOneStrikeCreateItOnce(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let outcomes = Mutex<[ReportOutcome]>([])
            let group = DispatchGroup()
            for i in 0..<6 {
                group.enter()
                DispatchQueue.global().async {
                    let r = Report(city: .name(["Kiev", "Київ", "Kyiv"][i % 3]),
                                   occurredAt: ts("2025-10-10T02:30:00Z").adding(seconds: Int64(i) * 60),
                                   source: i % 2 == 0 ? mayor : president, killed: Int64(i))
                    if let o = try? store.ingest(r, window: window) { outcomes.withLock { $0.append(o) } }
                    group.leave()
                }
            }
            #expect(group.wait(timeout: .now() + 30) == .success)
            let all = outcomes.withLock { $0 }
            #expect(all.count == 6)
            #expect(all.filter { !$0.matched }.count == 1)
            #expect(Set(all.map(\.strike.id)).count == 1)
            #expect(try store.strikes(StrikeQuery()).count == 1)
            #expect(try store.sources(query: nil, kind: nil, after: nil, limit: 50).count == 2)
            #expect(try store.strike(id: all[0].strike.id).toll.revisions == 6)
        }
    }
}
