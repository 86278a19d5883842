import Foundation
import Testing

@Suite("The seed scenario: Kyiv, 10 October 2025")
struct SeedScenarioTests {
    static let mayor = #"""
        {"city": "Kiev", "occurred_at": "2025-10-10T05:30:00+03:00",
         "source": {"name": "Vitali Klitschko", "kind": "official", "url": "https://t.me/vitaliy_klitschko"},
         "killed": 3, "injured": 3, "reported_at": "2025-10-10T06:10:00+03:00",
         "weapons": [{"kind": "drone", "model": "Shahed-136"}, {"kind": "missile", "model": "Iskander-M", "count": 2}],
         "description": "Apartment buildings hit in several districts",
         "note": "children and a pregnant woman among the injured"}
        """#
    static let president = #"""
        {"city": "Київ", "occurred_at": "2025-10-10T05:40:00+03:00",
         "source": {"name": "Volodymyr Zelensky", "kind": "official"},
         "killed": 4, "reported_at": "2025-10-10T10:45:00+03:00",
         "damage": "Dozens of residential buildings; Azerbaijani embassy damaged",
         "description": "should not replace the mayor's description",
         "note": "raised the toll on social networks"}
        """#

    @Test func mayorThenPresidentGiveFourKilledThreeInjured() throws {
        let ledger = try Ledger(clock: "2025-10-10T03:10:10Z")
        let first = ledger.reporter.post("/v1/reports", Self.mayor)
        #expect(first.status == 201, "\(first.text)")
        #expect(first.contentType == "application/json")
        #expect(first["matched"].bool == false)
        let strikeId = try #require(first["strike"]["id"].int)
        #expect(first.location == "/v1/strikes/\(strikeId)")
        #expect(first["strike"]["city"]["name"].string == "Kyiv")
        #expect(first["strike"]["city"]["id"].int == 1)
        #expect(first["strike"]["occurred_at"].string == "2025-10-10T02:30:00Z")
        #expect(first["strike"]["local_date"].string == "2025-10-10")
        #expect(first["strike"]["time_precision"].string == "minute")
        #expect(first["strike"]["version"].int == 1)
        #expect(first["strike"]["weapons"].count == 2)
        #expect(first["strike"]["weapons"][1]["count"].int == 2)
        #expect(first["strike"]["weapons"][0]["count"].isNull)
        #expect(first["strike"]["toll"]["killed"].int == 3)
        #expect(first["strike"]["toll"]["injured"].int == 3)
        #expect(first["revision"]["killed"].int == 3)
        #expect(first["revision"]["reported_at"].string == "2025-10-10T03:10:00Z")
        #expect(first["revision"]["recorded_at"].string == "2025-10-10T03:10:10Z")
        #expect(first["revision"]["source"]["name"].string == "Vitali Klitschko")
        #expect(first["revision"]["source"]["kind"].string == "official")
        #expect(first["revision"]["voided"].isNull)

        ledger.clock.set("2025-10-10T07:45:10Z")
        let second = ledger.reporter.post("/v1/reports", Self.president)
        #expect(second.status == 201, "\(second.text)")
        #expect(second["matched"].bool == true)
        #expect(second["strike"]["id"].int == strikeId)
        #expect(second.location == "/v1/strikes/\(strikeId)")
        #expect(second["strike"]["toll"]["killed"].int == 4)
        #expect(second["strike"]["toll"]["injured"].int == 3)
        #expect(second["strike"]["toll"]["revisions"].int == 2)
        #expect(second["strike"]["version"].int == 2, "one write request, one version")
        // Filled in what was missing, left alone what was there.
        #expect(second["strike"]["damage"].string == "Dozens of residential buildings; Azerbaijani embassy damaged")
        #expect(second["strike"]["description"].string == "Apartment buildings hit in several districts")
        #expect(second["revision"]["injured"].isNull)
        #expect(second["revision"]["seq"].int! > first["revision"]["seq"].int!)

        let c = ledger.anonymous.get("/v1/casualties?city=kiev&date=2025-10-10")
        #expect(c.status == 200, "\(c.text)")
        #expect(c.contentType == "application/json")
        #expect(c["city"]["name"].string == "Kyiv")
        #expect(c["from"].string == "2025-10-10")
        #expect(c["to"].string == "2025-10-10")
        #expect(c["as_of"].isNull)
        #expect(c["totals"]["strikes"].int == 1)
        #expect(c["totals"]["killed"].int == 4)
        #expect(c["totals"]["injured"].int == 3)
        #expect(!c["days"].exists, "days only with group_by=day")
        let line = c["strikes"][0]
        #expect(line["id"].int == strikeId)
        #expect(line["toll"]["as_of"].string == "2025-10-10T07:45:00Z")
        #expect(line["toll"]["revisions"].int == 2)
        #expect(line["local_date"].string == "2025-10-10")
        #expect(c.etag != nil)

        // Every instant in every answer is UTC, Z, whole seconds.
        let strike = ledger.anonymous.get("/v1/strikes/\(strikeId)")
        for key in ["occurred_at", "created_at", "updated_at"] { #expect(isUTCWholeSeconds(strike[key].string), "\(key)") }
        #expect(isUTCWholeSeconds(strike["toll"]["as_of"].string))
        let history = ledger.anonymous.get("/v1/strikes/\(strikeId)/revisions")
        #expect(history["items"].count == 2)
        for item in history["items"].array {
            #expect(isUTCWholeSeconds(item["reported_at"].string))
            #expect(isUTCWholeSeconds(item["recorded_at"].string))
        }
        #expect(history["items"][1]["source"]["name"].string == "Volodymyr Zelensky")
        #expect(history["items"][1]["note"].string == "raised the toll on social networks")
        // The mayor is one source, found again by kind, name and url.
        let sources = ledger.anonymous.get("/v1/sources?q=klitschko")
        #expect(sources["items"].count == 1)
        #expect(isUTCWholeSeconds(sources["items"][0]["created_at"].string))
    }

    @Test func fractionsOfSecondsAreDroppedAndOffsetsNormalised() throws {
        let ledger = try Ledger()
        let r = ledger.reporter.post("/v1/strikes", #"{"city": "Odessa", "occurred_at": "2025-10-10T05:30:59.987+03:00"}"#)
        #expect(r.status == 201, "\(r.text)")
        #expect(r["occurred_at"].string == "2025-10-10T02:30:59Z")
        #expect(r["city"]["name"].string == "Odesa")
    }

    @Test func overnightStrikeIsDatedInKyivTime() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-09T22:30:00Z")
        let s = ledger.anonymous.get("/v1/strikes/\(id)")
        #expect(s["local_date"].string == "2025-10-10")
        #expect(s["occurred_at"].string == "2025-10-09T22:30:00Z")
        ledger.revision(id, killed: 2, reportedAt: "2025-10-09T23:00:00Z")
        let on10 = ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2025-10-10")
        #expect(on10["totals"]["strikes"].int == 1)
        #expect(on10["totals"]["killed"].int == 2)
        let on9 = ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2025-10-09")
        #expect(on9["totals"]["strikes"].int == 0)
        #expect(on9["totals"]["killed"].int == 0)
        #expect(on9["strikes"].count == 0)
        // The strikes list filters by the same local date.
        #expect(ledger.anonymous.get("/v1/strikes?city=kyiv&date=2025-10-10")["items"].count == 1)
        #expect(ledger.anonymous.get("/v1/strikes?city=kyiv&date=2025-10-09")["items"].count == 0)
        // Without a city, each strike is dated in its own city's zone too.
        let all = ledger.anonymous.get("/v1/casualties?date=2025-10-10")
        #expect(all["city"].isNull)
        #expect(all["totals"]["strikes"].int == 1)
    }
}
