import Foundation
import Testing

/// The report StrikeLedger was conceived from, end to end over a real socket.
@Suite("Seed scenario")
struct SeedScenarioTests {
    let fixture = Shared.fixture

    @Test("the mayor's 3 killed, 3 injured, then the president's 4 killed: Kyiv on its 10 October has 4 killed, 3 injured")
    func seed() throws {
        let client = fixture.server.client()
        // A far-away date keeps this test's strike apart from the other tests' on the shared server.
        let mayor = try client.post("/v1/reports", key: fixture.reporter, """
            {"city": "Kiev", "occurred_at": "2024-10-10T05:30:00+03:00",
             "source": {"name": "Vitali Klitschko", "kind": "official"},
             "killed": 3, "injured": 3, "reported_at": "2024-10-10T06:10:00+03:00",
             "weapons": [{"kind": "drone"}, {"kind": "missile", "model": "Iskander-M"}],
             "note": "children and a pregnant woman among the injured"}
            """)
        #expect(mayor.status == 201)
        #expect(mayor.object["matched"] as? Bool == false)
        let strike = try #require(mayor.object["strike"] as? [String: Any])
        let id = try #require(strike["id"] as? Int)
        #expect(mayor.header("Location") == "/v1/strikes/\(id)")
        #expect(strike["occurred_at"] as? String == "2024-10-10T02:30:00Z")
        #expect(strike["local_date"] as? String == "2024-10-10")

        let president = try client.post("/v1/reports", key: fixture.reporter, """
            {"city": "Київ", "occurred_at": "2024-10-10T07:00:00+03:00",
             "source": {"name": "Volodymyr Zelensky", "kind": "official"},
             "killed": 4, "reported_at": "2024-10-10T10:45:00+03:00", "note": "raised the toll on social networks"}
            """)
        #expect(president.status == 201)
        #expect(president.object["matched"] as? Bool == true)
        #expect((president.object["strike"] as? [String: Any])?["id"] as? Int == id)

        let casualties = try client.get("/v1/casualties?city=kiev&date=2024-10-10")
        #expect(casualties.status == 200)
        #expect(casualties.header("Content-Type") == "application/json")
        #expect(casualties.header("ETag") != nil)
        #expect((casualties.object["city"] as? [String: Any])?["name"] as? String == "Kyiv")
        let totals = try #require(casualties.object["totals"] as? [String: Int])
        #expect(totals == ["strikes": 1, "killed": 4, "injured": 3])
        let toll = try #require(((casualties.object["strikes"] as? [[String: Any]])?.first)?["toll"] as? [String: Any])
        #expect(toll["as_of"] as? String == "2024-10-10T07:45:00Z")
        #expect(toll["revisions"] as? Int == 2)

        let history = try client.get("/v1/strikes/\(id)/revisions")
        let items = try #require(history.object["items"] as? [[String: Any]])
        #expect(items.map { ($0["source"] as? [String: Any])?["name"] as? String } == ["Vitali Klitschko", "Volodymyr Zelensky"])
    }

    @Test("an attack at 22:30 UTC on the 9th is on the 10th in Kyiv")
    func overnight() throws {
        let client = fixture.server.client()
        let r = try client.post("/v1/reports", key: fixture.reporter, """
            {"city": "Kharkov", "occurred_at": "2023-10-09T22:30:00Z",
             "source": {"name": "Ihor Terekhov", "kind": "official"}, "injured": 5}
            """)
        #expect(r.status == 201)
        #expect((r.object["strike"] as? [String: Any])?["local_date"] as? String == "2023-10-10")
        let on10 = try client.get("/v1/casualties?city=Jarkiv&date=2023-10-10")
        #expect((on10.object["totals"] as? [String: Int])?["injured"] == 5)
        let on9 = try client.get("/v1/casualties?city=Charkiw&date=2023-10-09")
        #expect((on9.object["totals"] as? [String: Int])?["strikes"] == 0)
    }

    @Test("bad input gets a problem, and what was stored is unchanged")
    func badInputChangesNothing() throws {
        let client = fixture.server.client()
        let typo = try client.post("/v1/reports", key: fixture.reporter, """
            {"city": "Khrakiv", "occurred_at": "2023-11-01T01:00:00Z", "source": {"name": "x", "kind": "media"}, "kiled": 2}
            """)
        #expect(typo.status == 422)
        #expect(typo.header("Content-Type") == "application/problem+json")
        let errors = try #require(typo.object["errors"] as? [[String: Any]])
        #expect(errors.contains { $0["field"] as? String == "kiled" })
        let broken = try client.post("/v1/reports", key: fixture.reporter, "{\"city\": ")
        #expect(broken.status == 400)
        let notJSON = try client.request("POST", "/v1/reports", headers: [("Authorization", "Bearer \(fixture.reporter)"), ("Content-Type", "text/plain")], body: "3 killed")
        #expect(notJSON.status == 415)
        let stored = try client.get("/v1/casualties?city=kharkiv&date=2023-11-01")
        #expect((stored.object["totals"] as? [String: Int])?["strikes"] == 0)
    }
}
