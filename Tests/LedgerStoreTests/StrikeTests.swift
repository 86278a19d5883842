import Foundation
import LedgerModel
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

@Suite struct StrikeTests {
    @Test(arguments: Engine.available) func patchBumpsTheVersionOnceAndOnlyOnChange(_ engine: Engine) throws {
        try withStore(engine) { (store, clock, _) throws in
            let s = try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T02:30:00Z"), description: "first"))
            #expect(s.version == 1 && s.localDate.description == "2025-10-10")
            clock.advance(60)
            var p = StrikePatch()
            p.occurredAt = ts("2025-10-09T20:30:00Z")   // 23:30 local on the 9th
            p.description = .some(nil)
            p.weapons = [Weapon(kind: .missile, count: 2)]
            let patched = try store.patchStrike(id: s.id, p, ifMatch: 1)
            #expect(patched.version == 2)
            #expect(patched.localDate.description == "2025-10-09")
            #expect(patched.description == nil)
            #expect(patched.updatedAt == clock.now)
            // The same patch again changes nothing, so the version stays.
            #expect(try store.patchStrike(id: s.id, p, ifMatch: nil).version == 2)
            let stale = #expect(throws: StoreError.self) { try store.patchStrike(id: s.id, p, ifMatch: 1) }
            #expect(stale == .versionMismatch(current: 2))
            let unknown = #expect(throws: StoreError.self) { try store.patchStrike(id: 99, p, ifMatch: nil) }
            #expect(unknown?.kind == "notFound")

            let other = try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T02:30:00Z")))
            _ = try store.merge(strike: other.id, into: s.id)
            let merged = #expect(throws: StoreError.self) { try store.patchStrike(id: other.id, p, ifMatch: nil) }
            #expect(merged?.kind == "conflict")

            // Casualties follow the patched local date.
            var q = CasualtyQuery()
            q.cityId = kyivId
            q.fromDate = CivilDate("2025-10-09"); q.toDate = CivilDate("2025-10-09")
            #expect(try store.casualties(q).map(\.id) == [s.id])
        }
    }

    @Test(arguments: Engine.available) func unknownCityOrUnopenablePathIsReported(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let e = #expect(throws: StoreError.self) {
                try store.createStrike(NewStrike(city: .name("Atlantis"), occurredAt: ts("2025-10-10T02:30:00Z")))
            }
            #expect(e?.invalidFields == ["city"])
            #expect(store.isReady())
        }
        guard engine == .sqlite else { return }
        let e = #expect(throws: StoreError.self) { try SQLiteStore(path: "/nonexistent-dir-\(UUID().uuidString)/x.sqlite") }
        #expect(e?.kind == "database")
    }
}
