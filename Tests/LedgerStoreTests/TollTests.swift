import Foundation
import LedgerModel
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

@Suite struct TollTests {
    /// A model of what the store should hold, kept by the test independently of the store.
    struct Model {
        var revisions: [RevisionFacts] = []
        var strikeOf: [Int64: Int64] = [:]   // revision seq -> strike it was recorded on
        var mergedInto: [Int64: Int64] = [:] // strike -> strike it was merged into
        var strikes: [Int64] = []

        func root(_ id: Int64) -> Int64 { var s = id; while let n = mergedInto[s] { s = n }; return s }
        func toll(_ id: Int64) -> Toll {
            if mergedInto[id] != nil { return .empty }
            return Toll.derive(from: revisions.filter { root(strikeOf[$0.seq]!) == id })
        }
    }

    @Test(arguments: Engine.available) func tollCacheEqualsTheTollRuleAfterARandomSequence(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-10T06:00:00Z")) { (store, clock, _) throws in
            var rng = SplitMix64(seed: 20251010)
            var model = Model()
            let sources = [mayor, president, rescuers]
            func newStrike() throws {
                let s = try store.createStrike(NewStrike(city: .id(kyivId),
                                                         occurredAt: ts("2025-10-10T02:30:00Z").adding(seconds: Int64(model.strikes.count) * 3600)))
                model.strikes.append(s.id)
            }
            for _ in 0..<4 { try newStrike() }
            var voids = 0, conflicts = 0, merges = 0

            for step in 0..<200 {
                clock.advance(Int64.random(in: 0...90, using: &rng))
                let dice = Int.random(in: 0..<100, using: &rng)
                if dice < 55 || model.revisions.isEmpty {
                    let target = model.strikes.randomElement(using: &rng)!
                    var killed: Int64? = Bool.random(using: &rng) ? Int64.random(in: 0...40, using: &rng) : nil
                    let injured: Int64? = Bool.random(using: &rng) ? Int64.random(in: 0...80, using: &rng) : nil
                    if killed == nil && injured == nil { killed = 0 }
                    // reported_at out of order on purpose, with ties.
                    let reported = clock.now.adding(seconds: -Int64.random(in: 0...4, using: &rng) * 600)
                    let w = try store.appendRevision(toStrike: target, Figures(killed: killed, injured: injured, reportedAt: reported,
                                                                               source: sources.randomElement(using: &rng)!))
                    #expect(w.revision.strikeId == model.root(target))
                    model.revisions.append(RevisionFacts(seq: w.revision.seq, killed: killed, injured: injured,
                                                         reportedAt: reported, recordedAt: clock.now))
                    model.strikeOf[w.revision.seq] = w.revision.strikeId
                    #expect(w.toll == model.toll(model.root(target)), "step \(step)")
                } else if dice < 80 {
                    let i = Int.random(in: 0..<model.revisions.count, using: &rng)
                    let seq = model.revisions[i].seq
                    if model.revisions[i].voidedAt != nil {
                        let e = #expect(throws: StoreError.self) { try store.voidRevision(seq: seq, reason: "again") }
                        #expect(e?.kind == "conflict")
                        conflicts += 1
                    } else {
                        let w = try store.voidRevision(seq: seq, reason: "entered twice")
                        model.revisions[i].voidedAt = clock.now
                        #expect(w.revision.voided == Voiding(at: clock.now, reason: "entered twice"))
                        #expect(w.toll == model.toll(model.root(model.strikeOf[seq]!)), "step \(step)")
                        voids += 1
                    }
                } else if dice < 92 {
                    let a = model.strikes.randomElement(using: &rng)!, b = model.strikes.randomElement(using: &rng)!
                    if model.mergedInto[a] != nil || model.root(b) == a {
                        let e = #expect(throws: StoreError.self) { try store.merge(strike: a, into: b) }
                        #expect(e?.kind == "conflict")
                        conflicts += 1
                    } else {
                        let s = try store.merge(strike: a, into: b)
                        #expect(s.id == model.root(b))
                        model.mergedInto[a] = model.root(b)
                        #expect(s.toll == model.toll(s.id), "step \(step)")
                        merges += 1
                    }
                } else {
                    try newStrike()
                }

                for id in model.strikes {
                    let s = try store.strike(id: id)
                    #expect(s.toll == model.toll(id), "strike \(id) after step \(step)")
                    #expect(s.mergedInto.map { model.root($0) } == model.mergedInto[id].map { model.root($0) })
                    if s.mergedInto == nil {
                        // The cache also equals the rule applied to the history the store returns.
                        #expect(s.toll == Toll.derive(from: try store.history(id).map(\.facts)), "strike \(id) after step \(step)")
                    }
                }
            }
            #expect(voids > 5 && conflicts > 0 && merges > 0)

            // The feed's toll of each strike's last event is the strike's toll now.
            let events = try store.changes(since: 0, filter: FeedFilter(), limit: 1000).items
            for id in model.strikes where model.mergedInto[id] == nil {
                if let last = events.last(where: { $0.strikeId == id }) { #expect(last.toll == model.toll(id)) }
            }
        }
    }

    @Test(arguments: Engine.available) func voidingTwiceIsAConflictAndUnknownSeqIsNotFound(_ engine: Engine) throws {
        try withStore(engine) { (store, clock, _) throws in
            let a = try store.ingest(mayorReport, window: window)
            let b = try store.ingest(presidentReport, window: window)
            clock.advance(60)
            let v = try store.voidRevision(seq: b.revision!.seq, reason: "entered twice")
            #expect(v.revision.voided == Voiding(at: clock.now, reason: "entered twice"))
            #expect(v.toll == Toll(killed: 3, injured: 3, asOf: ts("2025-10-10T03:10:00Z"), revisions: 1))
            let strike = try store.strike(id: a.strike.id)
            #expect(strike.toll == v.toll)
            #expect(strike.version == 3)
            // The voided revision stays in the history.
            let history = try store.history(a.strike.id)
            #expect(history.map(\.seq) == [a.revision!.seq, b.revision!.seq])
            #expect(history[1].voided?.reason == "entered twice")

            let twice = #expect(throws: StoreError.self) { try store.voidRevision(seq: b.revision!.seq, reason: "again") }
            #expect(twice?.kind == "conflict")
            let unknown = #expect(throws: StoreError.self) { try store.voidRevision(seq: 12345, reason: "x") }
            #expect(unknown?.kind == "notFound")
            #expect(try store.strike(id: a.strike.id).version == 3)

            // Voiding everything: nulls, zero revisions.
            let last = try store.voidRevision(seq: a.revision!.seq, reason: "wrong strike")
            #expect(last.toll == .empty)
            #expect(try store.strike(id: a.strike.id).toll == .empty)
        }
    }

    @Test(arguments: Engine.available) func appendToUnknownStrikeIsNotFound(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let e = #expect(throws: StoreError.self) {
                try store.appendRevision(toStrike: 42, Figures(killed: 1, injured: nil, source: mayor))
            }
            #expect(e?.kind == "notFound")
            #expect(try store.rowCount("sources") == 0)
        }
    }
}
