import Foundation
import Testing

@Suite("Sources and cities")
struct SourceCityTests {
    @Test func sourcesAreFoundAgainByKindNameAndURL() throws {
        let ledger = try Ledger(clock: "2025-10-10T03:10:00Z")
        let body = #"{"name": "Vitali Klitschko", "kind": "official", "url": "https://t.me/vitaliy_klitschko", "reliability": "B"}"#
        let r = ledger.reporter.post("/v1/sources", body)
        #expect(r.status == 201, "\(r.text)")
        let id = try #require(r["id"].int)
        #expect(r.location == "/v1/sources/\(id)")
        #expect(r.json.keys == ["id", "name", "kind", "url", "reliability", "created_at"])
        #expect(r["reliability"].string == "B")
        #expect(r["created_at"].string == "2025-10-10T03:10:00Z")
        let again = ledger.reporter.post("/v1/sources", body)
        #expect(again.status == 200)
        #expect(again["id"].int == id)
        #expect(again.body == r.body)
        // Another url is another source.
        let other = ledger.reporter.post("/v1/sources", #"{"name": "Vitali Klitschko", "kind": "official", "url": "https://x.com/klitschko"}"#)
        #expect(other.status == 201)
        #expect(other["reliability"].isNull)
        let media = ledger.reporter.post("/v1/sources", #"{"name": "Ukrainska Pravda", "kind": "media"}"#)
        #expect(media.status == 201)
        #expect(media["url"].isNull)

        let list = ledger.anonymous.get("/v1/sources")
        #expect(list["items"].count == 3)
        #expect(ledger.anonymous.get("/v1/sources?q=KLITSCH")["items"].count == 2)
        #expect(ledger.anonymous.get("/v1/sources?kind=media")["items"].array.compactMap { $0["id"].int } == [media["id"].int!])
        #expect(ledger.anonymous.get("/v1/sources?q=klitschko&kind=media")["items"].count == 0)
        let page = ledger.anonymous.get("/v1/sources?q=klitschko&limit=1")
        let next = try #require(page["next"].string)
        let page2 = ledger.anonymous.get("/v1/sources?limit=1&after=\(next)")
        #expect(page2["items"].array.compactMap { $0["id"].int } == [other["id"].int!], "the cursor keeps q")
        #expect(page2["next"].isNull)
        expectProblem(ledger.anonymous.get("/v1/sources?kind=rumour"), 400)
        expectProblem(ledger.anonymous.get("/v1/sources?name=x"), 400)

        #expect(ledger.anonymous.get("/v1/sources/\(id)").body == r.body)
        expectProblem(ledger.anonymous.get("/v1/sources/999"), 404)
        let bad = expectProblem(ledger.reporter.post("/v1/sources", #"{"name": "", "kind": "gossip", "reliability": "Z"}"#), 422)
        #expect(Set(bad["errors"].array.compactMap { $0["field"].string }) == ["name", "kind", "reliability"])
    }

    @Test func citiesByIdSearchAndSpellings() throws {
        let ledger = try Ledger()
        let kyiv = ledger.anonymous.get("/v1/cities/1")
        #expect(kyiv.status == 200)
        #expect(kyiv["name"].string == "Kyiv")
        #expect(kyiv["timezone"].string == "Europe/Kyiv")
        #expect(kyiv["country"].string == "UA")
        #expect(kyiv.json.keys == ["id", "name", "country", "region", "timezone", "latitude", "longitude", "aliases"])
        let aliases = kyiv["aliases"].array.compactMap(\.string)
        #expect(aliases.contains("Kiev"))
        #expect(aliases.contains("Київ"))
        expectProblem(ledger.anonymous.get("/v1/cities/99999"), 404)

        for q in ["kiev", "KYIV", "%D0%9A%D0%B8%D1%97%D0%B2", "Kij%C3%B3w"] {
            let found = ledger.anonymous.get("/v1/cities?q=\(q)")
            #expect(found.status == 200)
            #expect(found["items"].array.compactMap { $0["name"].string }.contains("Kyiv"), "q=\(q)")
        }
        let kharkiv = ledger.anonymous.get("/v1/cities?q=Jarkiv")
        #expect(kharkiv["items"].array.compactMap { $0["name"].string } == ["Kharkiv"])
        let all = ledger.anonymous.get("/v1/cities?limit=500")
        #expect(all["items"].count > 25, "Kyiv, every oblast centre and more")
        let page = ledger.anonymous.get("/v1/cities?limit=3")
        #expect(page["items"].count == 3)
        let next = try #require(page["next"].string)
        let page2 = ledger.anonymous.get("/v1/cities?limit=3&after=\(next)")
        #expect(page2["items"][0]["id"].int ?? 0 > page["items"][2]["id"].int ?? 0)

        // Every spelling in a report resolves; an unknown one suggests.
        for spelling in ["Kharkov", "Харків", "Charkiw", "Járkov"] {
            let r = ledger.reporter.post("/v1/strikes", #"{"city": "\#(spelling)", "occurred_at": "2025-10-10T01:00:00Z"}"#)
            #expect(r["city"]["name"].string == "Kharkiv", "\(spelling)")
        }
        let unknown = ledger.reporter.post("/v1/reports",
                                           #"{"city": "Khrakiv", "occurred_at": "2025-10-10T01:00:00Z", "source": {"name": "x", "kind": "media"}, "killed": 1}"#)
        let problem = expectProblem(unknown, 422)
        #expect(problem["errors"][0]["field"].string == "city")
        let suggestions = problem["errors"][0]["suggestions"].array.compactMap(\.string)
        #expect(suggestions.first == "Kharkiv")
        #expect(suggestions.count <= 5)
        // Casualties for an unknown city name the parameter too.
        #expect(expectProblem(ledger.anonymous.get("/v1/casualties?city=Khrakiv"), 422)["errors"][0]["suggestions"][0].string == "Kharkiv")
    }

    @Test func adminAddsCitiesEditorsAddAliases() throws {
        let ledger = try Ledger()
        let body = #"{"name": "Novyi Testiv", "country": "UA", "region": "Donetsk Oblast", "timezone": "Europe/Kyiv", "latitude": 48.28, "longitude": 37.18, "aliases": ["Новий Тестів"]}"#
        expectProblem(ledger.reporter.post("/v1/cities", body), 403)
        expectProblem(ledger.editor.post("/v1/cities", body), 403)
        expectProblem(ledger.anonymous.post("/v1/cities", body), 401)
        let r = ledger.admin.post("/v1/cities", body)
        #expect(r.status == 201, "\(r.text)")
        let id = try #require(r["id"].int)
        #expect(r.location == "/v1/cities/\(id)")
        #expect(r["aliases"].array.compactMap(\.string) == ["Новий Тестів"])
        #expect(ledger.anonymous.get("/v1/cities/\(id)")["name"].string == "Novyi Testiv")
        // Usable at once.
        #expect(ledger.reporter.post("/v1/strikes", #"{"city": "новий тестів", "occurred_at": "2025-10-10T01:00:00Z"}"#).status == 201)
        // A name another city owns is a conflict; bad fields are 422.
        expectProblem(ledger.admin.post("/v1/cities", #"{"name": "Kiev", "country": "UA", "timezone": "Europe/Kyiv", "latitude": 50, "longitude": 30}"#), 409)
        let bad = expectProblem(ledger.admin.post("/v1/cities", #"{"name": "X", "country": "ukraine", "timezone": "Mars/Olympus", "latitude": 91}"#), 422)
        #expect(Set(bad["errors"].array.compactMap { $0["field"].string }).isSuperset(of: ["country", "timezone", "latitude", "longitude"]))

        // Aliases: editor; 201 with the city; 409 when another city owns the spelling.
        expectProblem(ledger.reporter.post("/v1/cities/\(id)/aliases", #"{"alias": "Nowy Testow"}"#), 403)
        let a = ledger.editor.post("/v1/cities/\(id)/aliases", #"{"alias": "Nowy Testow"}"#)
        #expect(a.status == 201, "\(a.text)")
        #expect(a["id"].int == id)
        #expect(a["aliases"].array.compactMap(\.string).contains("Nowy Testow"))
        #expect(ledger.anonymous.get("/v1/cities?q=nowy%20testow")["items"][0]["id"].int == id)
        let clash = expectProblem(ledger.editor.post("/v1/cities/\(id)/aliases", #"{"alias": "Kiev"}"#), 409)
        #expect(clash["detail"].string?.contains("Kyiv") == true)
        expectProblem(ledger.editor.post("/v1/cities/99999/aliases", #"{"alias": "Nowhere"}"#), 404)
        expectProblem(ledger.editor.post("/v1/cities/\(id)/aliases", #"{"alias": ""}"#), 422)
        expectProblem(ledger.editor.post("/v1/cities/\(id)/aliases", #"{"name": "x"}"#), 422)
        let kyiv = ledger.editor.post("/v1/cities/1/aliases", #"{"alias": "Kyjiw"}"#)
        #expect(kyiv.status == 201)
    }
}
