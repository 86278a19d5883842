import Dispatch
import Foundation
import Synchronization
import Testing

@Suite("Concurrent clients")
struct ConcurrencyTests {
    @Test func oneIdempotencyKeyOneWriteUnderRaces() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        let body = #"{"killed": 4, "reported_at": "2025-10-10T07:45:00Z", "source": {"name": "President", "kind": "official"}}"#
        let statuses = Mutex<[Int]>([])
        let bodies = Mutex<Set<[UInt8]>>([])
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            let r = ledger.reporter.post("/v1/strikes/\(id)/revisions", body, headers: ["Idempotency-Key": "race"])
            statuses.withLock { $0.append(r.status) }
            if r.status == 201 { _ = bodies.withLock { $0.insert(r.body) } }
        }
        let all = statuses.withLock { $0 }
        #expect(all.allSatisfy { $0 == 201 || $0 == 409 }, "\(all)")
        #expect(all.contains(201))
        #expect(bodies.withLock { $0.count } == 1, "every 201 is the same answer")
        #expect(ledger.anonymous.get("/v1/strikes/\(id)/revisions")["items"].count == 1)
    }

    @Test func concurrentReportsOfOneStrikeMakeOneStrike() throws {
        let ledger = try Ledger()
        DispatchQueue.concurrentPerform(iterations: 12) { i in
            let r = ledger.reporter.post("/v1/reports", #"""
                {"city": "Kyiv", "occurred_at": "2025-10-10T02:\#(10 + i):00Z", "killed": \#(i),
                 "reported_at": "2025-10-10T03:\#(10 + i):00Z", "source": {"name": "Source \#(i)", "kind": "media"}}
                """#)
            #expect(r.status == 201, "\(r.text)")
        }
        let strikes = ledger.anonymous.get("/v1/strikes")["items"]
        #expect(strikes.count == 1)
        #expect(strikes[0]["toll"]["revisions"].int == 12)
        #expect(strikes[0]["toll"]["killed"].int == 11, "the latest reported_at")
        #expect(strikes[0]["version"].int == 12, "created at 1, then one bump per report")
    }

    @Test func theFeedSeesEveryConcurrentWrite() throws {
        let ledger = try Ledger()
        let cities = ["Kyiv", "Odesa", "Lviv", "Dnipro"]
        let ids = cities.map { ledger.strike($0, at: "2025-10-10T02:30:00Z") }
        DispatchQueue.concurrentPerform(iterations: 80) { i in
            ledger.revision(ids[i % 4], killed: i, reportedAt: "2025-10-10T03:00:\(String(format: "%02d", i % 60))Z", source: "S\(i % 3)")
        }
        let feed = ledger.anonymous.get("/v1/changes?limit=1000")
        let items = feed["items"].array
        #expect(items.compactMap { $0["seq"].int } == Array(1...80), "ascending, no gaps")
        #expect(feed["next_since"].int == 80)
        // The last event of each strike carries the strike's current toll.
        for (n, id) in ids.enumerated() {
            let last = items.last { $0["strike_id"].int == id }
            let strike = ledger.anonymous.get("/v1/strikes/\(id)")
            #expect(last?["toll"]["killed"].int == strike["toll"]["killed"].int, "\(cities[n])")
            #expect(strike["toll"]["revisions"].int == 20)
        }
        // Every conditional filtered poll agrees with the data: 304 exactly when no event of
        // that city follows `since` (the in-memory hub must not have missed one).
        for (n, city) in cities.enumerated() {
            let seqs = items.filter { $0["strike_id"].int == ids[n] }.compactMap { $0["seq"].int }
            for since in 0...80 {
                let r = ledger.anonymous.get("/v1/changes?since=\(since)&city=\(city)", headers: ["If-None-Match": "\"\(since)\""])
                let expected = seqs.contains { $0 > since } ? 200 : 304
                #expect(r.status == expected, "\(city) since \(since)")
            }
        }
    }
}
