import Foundation
import LedgerModel
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

@Suite struct CasualtyTests {
    func query(city: Int64? = nil, from: String? = nil, to: String? = nil, fromInstant: String? = nil, toInstant: String? = nil,
               asOf: Timestamp? = nil) -> CasualtyQuery {
        var q = CasualtyQuery()
        q.cityId = city
        q.fromDate = from.flatMap(CivilDate.init)
        q.toDate = to.flatMap(CivilDate.init)
        q.fromInstant = fromInstant.map(ts)
        q.toInstant = toInstant.map(ts)
        q.asOf = asOf
        return q
    }

    @Test(arguments: Engine.available) func localDatesAndInstants(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-12T00:00:00Z")) { (store, _, _) throws in
            // 22:30 UTC on the 9th is 01:30 on the 10th in Kyiv (UTC+3 in October).
            let a = try store.ingest(Report(city: .name("Kyiv"), occurredAt: ts("2025-10-09T22:30:00Z"), source: mayor,
                                            killed: 2, injured: 5), window: window).strike
            #expect(a.localDate.description == "2025-10-10")
            // 14:00 UTC on the 9th is 17:00 on the 9th.
            let b = try store.ingest(Report(city: .name("Kyiv"), occurredAt: ts("2025-10-09T14:00:00Z"), source: mayor,
                                            killed: 1), window: window).strike
            #expect(b.localDate.description == "2025-10-09")
            let c = try store.ingest(Report(city: .name("Kharkiv"), occurredAt: ts("2025-10-10T10:00:00Z"), source: mayor,
                                            injured: 4), window: window).strike
            let d = try store.ingest(Report(city: .name("Kyiv"), occurredAt: ts("2025-10-11T10:00:00Z"), source: mayor,
                                            killed: 7), window: window).strike
            let e = try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T20:59:59Z")))
            #expect(e.localDate.description == "2025-10-10")
            let f = try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T21:00:00Z")))
            #expect(f.localDate.description == "2025-10-11")

            let day = try store.casualties(query(city: kyivId, from: "2025-10-10", to: "2025-10-10"))
            #expect(day.map(\.id) == [a.id, e.id])
            #expect(day.first?.toll == Toll(killed: 2, injured: 5, asOf: ts("2025-10-12T00:00:00Z"), revisions: 1))
            #expect(day.first?.city == CityRef(id: kyivId, name: "Kyiv"))
            #expect(day.first?.localDate.description == "2025-10-10")
            #expect(day.compactMap(\.toll.killed).reduce(0, +) == 2)

            #expect(try store.casualties(query(city: kyivId, from: "2025-10-09", to: "2025-10-10")).map(\.id) == [b.id, a.id, e.id])
            #expect(try store.casualties(query(from: "2025-10-10", to: "2025-10-10")).map(\.id) == [a.id, c.id, e.id])
            #expect(try store.casualties(query(city: kyivId, from: "2025-10-11")).map(\.id) == [f.id, d.id])
            #expect(try store.casualties(query(city: kyivId, to: "2025-10-09")).map(\.id) == [b.id])
            #expect(try store.casualties(query(city: kharkivId)).map(\.id) == [c.id])
            #expect(try store.casualties(query(city: odesaId)).isEmpty)

            // Instants are inclusive bounds on occurred_at.
            #expect(try store.casualties(query(city: kyivId, fromInstant: "2025-10-09T22:30:00Z", toInstant: "2025-10-10T21:00:00Z"))
                .map(\.id) == [a.id, e.id, f.id])
            #expect(try store.casualties(query(fromInstant: "2025-10-09T22:30:01Z", toInstant: "2025-10-10T20:59:59Z"))
                .map(\.id) == [c.id, e.id])
        }
    }

    @Test(arguments: Engine.available) func asOfShowsTheAnswerAsItWasKnownThen(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-10T03:00:00Z")) { (store, clock, _) throws in
            let t1 = clock.now
            let a = try store.ingest(Report(city: .name("Kyiv"), occurredAt: ts("2025-10-10T02:30:00Z"), source: mayor,
                                            killed: 3, injured: 3, reportedAt: t1), window: window)
            clock.advance(3600); let t2 = clock.now
            let raised = try store.appendRevision(toStrike: a.strike.id, Figures(killed: 5, injured: nil, reportedAt: t2, source: president))
            clock.advance(3600); let t3 = clock.now
            let e = try store.ingest(Report(city: .name("Kyiv"), occurredAt: ts("2025-10-10T12:00:00Z"), source: rescuers,
                                            killed: 2, injured: 9, reportedAt: t3), window: window)
            #expect(!e.matched)
            clock.advance(3600); let t4 = clock.now
            _ = try store.voidRevision(seq: raised.revision.seq, reason: "misread")
            clock.advance(3600); let t5 = clock.now
            _ = try store.merge(strike: e.strike.id, into: a.strike.id)
            clock.advance(3600)

            func at(_ t: Timestamp?) throws -> [Int64: Toll] {
                var out: [Int64: Toll] = [:]
                for line in try store.casualties(query(city: kyivId, from: "2025-10-10", to: "2025-10-10", asOf: t)) {
                    out[line.id] = line.toll
                }
                return out
            }
            let A = a.strike.id, E = e.strike.id
            #expect(try at(t1.adding(seconds: -1)).isEmpty)
            #expect(try at(t1) == [A: Toll(killed: 3, injured: 3, asOf: t1, revisions: 1)])
            #expect(try at(t2.adding(seconds: -1)) == [A: Toll(killed: 3, injured: 3, asOf: t1, revisions: 1)])
            #expect(try at(t2) == [A: Toll(killed: 5, injured: 3, asOf: t2, revisions: 2)])
            #expect(try at(t3) == [A: Toll(killed: 5, injured: 3, asOf: t2, revisions: 2),
                                   E: Toll(killed: 2, injured: 9, asOf: t3, revisions: 1)])
            #expect(try at(t4) == [A: Toll(killed: 3, injured: 3, asOf: t1, revisions: 1),
                                   E: Toll(killed: 2, injured: 9, asOf: t3, revisions: 1)])
            #expect(try at(t5.adding(seconds: -1)).count == 2)
            let merged = Toll(killed: 2, injured: 9, asOf: t3, revisions: 2)
            #expect(try at(t5) == [A: merged])
            #expect(try at(nil) == [A: merged])
            #expect(try at(clock.now) == [A: merged])
            #expect(try store.strike(id: A).toll == merged)
            // Merged strikes never count, by date or by instant, with or without as_of.
            #expect(try store.casualties(query(fromInstant: "2025-10-10T11:00:00Z")).isEmpty)
        }
    }
}
