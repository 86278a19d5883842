import Foundation
import LedgerModel
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

/// The seed scenario: the mayor's report, then the president's, about the same night's attack.
let mayorReport = Report(city: .name("Kiev"), occurredAt: ts("2025-10-10T05:30:00+03:00"), source: mayor,
                         killed: 3, injured: 3, reportedAt: ts("2025-10-10T06:10:00+03:00"),
                         weapons: [Weapon(kind: .drone)], description: "Apartment buildings hit in several districts",
                         note: "first figures")
let presidentReport = Report(city: .name("Київ"), occurredAt: ts("2025-10-10T07:30:00+03:00"), source: president,
                             killed: 4, reportedAt: ts("2025-10-10T10:45:00+03:00"),
                             weapons: [Weapon(kind: .missile, model: "Iskander-M", count: 2)],
                             description: "a different description", damage: "Azerbaijani embassy damaged")

@Suite struct IngestTests {
    @Test(arguments: Engine.available) func seedScenario(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-10T08:00:00Z")) { (store, clock, _) throws in
            let a = try store.ingest(mayorReport, window: window)
            #expect(a.matched == false)
            #expect(a.strike.city == CityRef(id: kyivId, name: "Kyiv"))
            #expect(a.strike.occurredAt == ts("2025-10-10T02:30:00Z"))
            #expect(a.strike.localDate.description == "2025-10-10")
            #expect(a.strike.timePrecision == .minute)
            #expect(a.strike.toll == Toll(killed: 3, injured: 3, asOf: ts("2025-10-10T03:10:00Z"), revisions: 1))
            #expect(a.strike.version == 1)
            #expect(a.strike.weapons == [Weapon(kind: .drone)])
            #expect(a.strike.createdAt == clock.now)
            #expect(a.revision?.killed == 3)
            #expect(a.revision?.injured == 3)
            #expect(a.revision?.strikeId == a.strike.id)
            #expect(a.revision?.recordedAt == clock.now)
            #expect(a.revision?.source.name == "Vitali Klitschko")
            #expect(a.revision?.note == "first figures")
            #expect(a.revision?.voided == nil)

            clock.advance(600)
            let b = try store.ingest(presidentReport, window: window)
            #expect(b.matched == true)
            #expect(b.strike.id == a.strike.id)
            #expect(b.strike.toll == Toll(killed: 4, injured: 3, asOf: ts("2025-10-10T07:45:00Z"), revisions: 2))
            #expect(b.strike.version == 2)
            #expect(b.revision?.killed == 4)
            #expect(b.revision?.injured == nil)
            // Filled only what was missing: damage; weapons and description stay the mayor's.
            #expect(b.strike.damage == "Azerbaijani embassy damaged")
            #expect(b.strike.description == "Apartment buildings hit in several districts")
            #expect(b.strike.weapons == [Weapon(kind: .drone)])
            #expect(b.strike.occurredAt == a.strike.occurredAt)
            #expect(try store.strike(id: a.strike.id) == b.strike)
            #expect(try store.history(a.strike.id).map(\.killed) == [3, 4])

            // The same source again finds the stored source, not a new one.
            #expect(try store.sources(query: nil, kind: nil, after: nil, limit: 50).count == 2)

            // 7 hours after the strike: another strike.
            let c = try store.ingest(Report(city: .name("kyiv"), occurredAt: ts("2025-10-10T12:30:00+03:00"), source: mayor,
                                            killed: 1), window: window)
            #expect(c.matched == false)
            #expect(c.strike.id != a.strike.id)
            #expect(c.strike.toll.killed == 1)
            #expect(c.strike.version == 1)

            // Another city never matches, even at the same minute.
            let d = try store.ingest(Report(city: .name("Kharkiv"), occurredAt: ts("2025-10-10T05:30:00+03:00"), source: rescuers,
                                            injured: 12), window: window)
            #expect(d.matched == false)
            #expect(d.strike.city.id == kharkivId)
            #expect(d.strike.toll == Toll(killed: nil, injured: 12, asOf: clock.now, revisions: 1))

            #expect(try store.strikes(StrikeQuery()).count == 3)
            #expect(try store.strike(id: a.strike.id).toll.killed == 4)
        }
    }

    @Test(arguments: Engine.available) func matchingPicksTheNearestStrikeWithinTheWindow(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let early = try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T01:00:00Z")))
            let late = try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T05:00:00Z")))
            let r1 = try store.ingest(Report(city: .name("Kiev"), occurredAt: ts("2025-10-10T03:30:00Z"), source: mayor, killed: 1),
                                      window: window)
            #expect(r1.matched && r1.strike.id == late.id)
            let r2 = try store.ingest(Report(city: .name("Kiev"), occurredAt: ts("2025-10-10T02:00:00Z"), source: mayor, killed: 1),
                                      window: window)
            #expect(r2.matched && r2.strike.id == early.id)
            // Exactly 6 hours away still matches; 6 hours and 1 second does not.
            let r3 = try store.ingest(Report(city: .name("Kiev"), occurredAt: ts("2025-10-10T11:00:00Z"), source: mayor, injured: 1),
                                      window: window)
            #expect(r3.matched && r3.strike.id == late.id)
            let r4 = try store.ingest(Report(city: .name("Kiev"), occurredAt: ts("2025-10-09T18:59:59Z"), source: mayor, injured: 1),
                                      window: window)
            #expect(!r4.matched)
        }
    }

    @Test(arguments: Engine.available) func strikeIdRoute(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-10T09:00:00Z")) { (store, _, _) throws in
            let a = try store.ingest(mayorReport, window: window)
            // No city, no occurred_at: the strike is named outright. reported_at defaults to now.
            let b = try store.ingest(Report(city: nil, occurredAt: nil, strikeId: a.strike.id, source: president, killed: 5),
                                     window: window)
            #expect(b.matched)
            #expect(b.strike.id == a.strike.id)
            #expect(b.strike.toll == Toll(killed: 5, injured: 3, asOf: ts("2025-10-10T09:00:00Z"), revisions: 2))
            #expect(b.revision?.reportedAt == ts("2025-10-10T09:00:00Z"))

            // A matching city, by any spelling, is accepted.
            let c = try store.ingest(Report(city: .name("Киев"), occurredAt: nil, strikeId: a.strike.id, source: president),
                                     window: window)
            #expect(c.matched && c.revision == nil)

            // A city that disagrees with the strike's is 422 on `city`, and nothing is written.
            let before = try store.rowCount("change_events")
            let e = #expect(throws: StoreError.self) {
                try store.ingest(Report(city: .name("Odesa"), occurredAt: nil, strikeId: a.strike.id, source: president, killed: 9),
                                 window: window)
            }
            #expect(e?.invalidFields == ["city"])
            let unknown = #expect(throws: StoreError.self) {
                try store.ingest(Report(city: nil, occurredAt: nil, strikeId: 999, source: president, killed: 9), window: window)
            }
            #expect(unknown?.invalidFields == ["strike_id"])
            let noCity = #expect(throws: StoreError.self) {
                try store.ingest(Report(city: nil, occurredAt: ts("2025-10-10T02:30:00Z"), source: president, killed: 9), window: window)
            }
            #expect(noCity?.invalidFields == ["city"])
            let badCity = #expect(throws: StoreError.self) {
                try store.ingest(Report(city: .name("Khrakiv"), occurredAt: ts("2025-10-10T02:30:00Z"), source: president, killed: 9),
                                 window: window)
            }
            #expect(badCity?.invalidFields == ["city"])
            let badSource = #expect(throws: StoreError.self) {
                try store.ingest(Report(city: nil, occurredAt: nil, strikeId: a.strike.id, source: .id(999), killed: 9), window: window)
            }
            #expect(badSource?.invalidFields == ["source_id"])
            #expect(try store.rowCount("change_events") == before)
            #expect(try store.strike(id: a.strike.id).toll.killed == 5)
        }
    }

    @Test(arguments: Engine.available) func descriptiveFieldsAreFilledOnlyWhenMissing(_ engine: Engine) throws {
        try withStore(engine) { (store, clock, _) throws in
            let a = try store.ingest(Report(city: .name("Odesa"), occurredAt: ts("2025-10-10T01:00:00Z"), source: mayor),
                                     window: window)
            #expect(!a.matched && a.revision == nil && a.strike.version == 1)
            #expect(a.strike.weapons.isEmpty && a.strike.description == nil && a.strike.damage == nil && a.strike.location == nil)
            #expect(try store.rowCount("change_events") == 0)

            clock.advance(60)
            // Fills everything, states no figure: the version grows by one.
            let b = try store.ingest(Report(city: .name("Odessa"), occurredAt: ts("2025-10-10T01:20:00Z"), source: mayor,
                                            weapons: [Weapon(kind: .drone, model: "Shahed-136")], description: "port hit",
                                            damage: "warehouses", location: Location(latitude: 46.49, longitude: 30.74)),
                                     window: window)
            #expect(b.matched && b.revision == nil)
            #expect(b.strike.version == 2)
            #expect(b.strike.updatedAt == clock.now)
            #expect(b.strike.weapons == [Weapon(kind: .drone, model: "Shahed-136")])
            #expect(b.strike.description == "port hit")
            #expect(b.strike.damage == "warehouses")
            #expect(b.strike.location == Location(latitude: 46.49, longitude: 30.74))

            // Every field present already: nothing changes, not even the version.
            let c = try store.ingest(Report(city: .name("Odesa"), occurredAt: ts("2025-10-10T01:10:00Z"), source: president,
                                            weapons: [Weapon(kind: .missile)], description: "other", damage: "other",
                                            location: Location(latitude: 1, longitude: 1)),
                                     window: window)
            #expect(c.matched)
            #expect(c.strike == b.strike)

            // Fields and figures in one report: the version grows once.
            let d = try store.ingest(Report(city: .name("Odesa"), occurredAt: ts("2025-10-10T01:10:00Z"), source: president,
                                            killed: 2, description: "other"), window: window)
            #expect(d.strike.version == 3)
            #expect(d.strike.description == "port hit")
            #expect(d.strike.toll.killed == 2)
        }
    }
}
