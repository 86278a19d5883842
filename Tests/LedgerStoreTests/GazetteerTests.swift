import Foundation
import LedgerModel
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

@Suite struct GazetteerTests {
    @Test(arguments: Engine.available) func kyivByEverySpelling(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            for spelling in ["Kyiv", "Kiev", "KYIV", "kiev", "Київ", "Киев", "kijów", "Kijow", "Kiew", "  kyiv "] {
                let city = try store.resolveCity(.name(spelling))
                #expect(city.id == kyivId, "\(spelling)")
                #expect(city.name == "Kyiv")
                #expect(city.timezone == "Europe/Kyiv")
            }
        }
    }

    @Test(arguments: Engine.available) func gazetteerHoldsTheDocumentedCitiesAndSpellings(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            #expect(store.gazetteer.cities.count >= 40)
            for s in ["Kharkov", "Харків", "Харьков", "Charkiw", "Charków", "Járkov", "Jarkiv", "Kharkiw"] {
                #expect(try store.resolveCity(.name(s)).name == "Kharkiv", "\(s)")
            }
            for s in ["Odessa", "Одеса", "Одесса", "odesa"] {
                #expect(try store.resolveCity(.name(s)).name == "Odesa", "\(s)")
            }
            #expect(try store.resolveCity(.id(kyivId)).name == "Kyiv")
            #expect(store.gazetteer.clashes.isEmpty)
        }
    }

    @Test(arguments: Engine.available) func unknownCityIsInvalidWithSuggestions(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let e = #expect(throws: StoreError.self) { try store.resolveCity(.name("Khrakiv")) }
            guard case .invalid(let v)? = e else { Issue.record("expected invalid, got \(String(describing: e))"); return }
            #expect(v.errors.first?.field == "city")
            #expect(v.errors.first?.suggestions?.first == "Kharkiv")
            #expect((v.errors.first?.suggestions?.count ?? 0) <= 5)

            let byId = #expect(throws: StoreError.self) { try store.resolveCity(.id(999_999)) }
            #expect(byId?.invalidFields == ["city"])
        }
    }

    @Test(arguments: Engine.available) func addCityThenFindItByItsAliasesAfterReopening(_ engine: Engine) throws {
        let dir = TempDir()
        let store = try engine.reopen(dir)
        let city = try store.addCity(NewCity(name: "Testopil", country: "UA", region: "Test Oblast", timezone: "Europe/Kyiv",
                                             latitude: 49.0, longitude: 31.0, aliases: ["Тестопіль", "Testopol", "testopil"]))
        #expect(city.name == "Testopil")
        #expect(Set(city.aliases) == ["Тестопіль", "Testopol"], "a spelling that folds to the name is not stored twice")
        #expect(try store.resolveCity(.name("ТЕСТОПІЛЬ")).id == city.id)
        let reopened = try engine.reopen(dir)
        #expect(try reopened.resolveCity(.name("testopol")).id == city.id)
        #expect(reopened.gazetteer.cities[city.id]?.region == "Test Oblast")
    }

    @Test(arguments: Engine.available) func addCityConflictsWithSpellingsOfOtherCities(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let before = try store.rowCount("cities")
            let alias = #expect(throws: StoreError.self) {
                try store.addCity(NewCity(name: "Newtown", country: "UA", region: nil, timezone: "Europe/Kyiv",
                                          latitude: 49, longitude: 31, aliases: ["Kiev"]))
            }
            #expect(alias?.kind == "conflict")
            let name = #expect(throws: StoreError.self) {
                try store.addCity(NewCity(name: "ODESSA", country: "UA", region: nil, timezone: "Europe/Kyiv",
                                          latitude: 46, longitude: 30, aliases: []))
            }
            #expect(name?.kind == "conflict")
            #expect(try store.rowCount("cities") == before)
        }
    }

    @Test(arguments: Engine.available) func addAliasAndItsConflicts(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let kharkiv = try store.addAlias("Charkova", toCity: kharkivId)
            #expect(kharkiv.aliases.contains("Charkova"))
            #expect(try store.resolveCity(.name("charkova")).id == kharkivId)

            // Another city owns it: 409, and nothing is written.
            let e = #expect(throws: StoreError.self) { try store.addAlias("Kiev", toCity: kharkivId) }
            #expect(e?.kind == "conflict")
            let e2 = #expect(throws: StoreError.self) { try store.addAlias("kharkiv", toCity: kyivId) }
            #expect(e2?.kind == "conflict")
            #expect(try store.resolveCity(.name("Kiev")).id == kyivId)

            // Adding a spelling the city already has changes nothing.
            let again = try store.addAlias("Kiev", toCity: kyivId)
            #expect(again.aliases.filter { $0 == "Kiev" }.count == 1)

            let unknown = #expect(throws: StoreError.self) { try store.addAlias("Nowhere", toCity: 999_999) }
            #expect(unknown?.kind == "notFound")
        }
    }
}
