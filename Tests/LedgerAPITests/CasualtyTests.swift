import Foundation
import Testing

@Suite("Casualties by city and date")
struct CasualtyTests {
    @Test func rangesOfDatesAndInstants() throws {
        let ledger = try Ledger()
        let a = ledger.strike(at: "2025-10-01T10:00:00Z")
        let b = ledger.strike(at: "2025-10-10T02:30:00Z")
        let c = ledger.strike(at: "2025-10-31T22:30:00Z")  // 00:30 on 1 November in Kyiv (UTC+2 after 26 October)
        let d = ledger.strike("Odesa", at: "2025-10-10T03:00:00Z")
        ledger.revision(a, killed: 1, reportedAt: "2025-10-01T11:00:00Z")
        ledger.revision(b, killed: 4, injured: 3, reportedAt: "2025-10-10T07:45:00Z")
        ledger.revision(c, injured: 5, reportedAt: "2025-10-31T23:00:00Z")
        ledger.revision(d, killed: 2, reportedAt: "2025-10-10T04:00:00Z")

        let oct = ledger.anonymous.get("/v1/casualties?city=Kyiv&from=2025-10-01&to=2025-10-31")
        #expect(oct.status == 200, "\(oct.text)")
        #expect(oct["strikes"].array.compactMap { $0["id"].int } == [a, b], "occurred_at order; c is in November locally")
        #expect(oct["totals"]["killed"].int == 5)
        #expect(oct["totals"]["injured"].int == 3)
        let nov = ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2025-11-01")
        #expect(nov["strikes"].array.compactMap { $0["id"].int } == [c])
        #expect(nov["totals"]["killed"].int == 0, "null counts as 0")
        #expect(nov["totals"]["injured"].int == 5)

        // Open ranges.
        #expect(ledger.anonymous.get("/v1/casualties?city=Kyiv&from=2025-10-02")["totals"]["strikes"].int == 2)
        #expect(ledger.anonymous.get("/v1/casualties?city=Kyiv&to=2025-10-10")["totals"]["strikes"].int == 2)
        #expect(ledger.anonymous.get("/v1/casualties?city=Kyiv")["totals"]["strikes"].int == 3)

        // Instants.
        let inst = ledger.anonymous.get("/v1/casualties?city=Kyiv&from=2025-10-10T00:00:00%2B03:00&to=2025-10-10T02:30:00Z")
        #expect(inst.status == 200, "\(inst.text)")
        #expect(inst["strikes"].array.compactMap { $0["id"].int } == [b])
        #expect(inst["from"].string == "2025-10-10")
        #expect(inst["to"].string == "2025-10-10")

        // Every city: each dated in its own zone.
        let day = ledger.anonymous.get("/v1/casualties?date=2025-10-10")
        #expect(day["city"].isNull)
        #expect(day["strikes"].array.compactMap { $0["id"].int } == [b, d])
        #expect(day["strikes"][1]["city"]["name"].string == "Odesa")
        #expect(day["totals"]["killed"].int == 6)
        #expect(day.json.keys == ["city", "from", "to", "as_of", "totals", "strikes"])
    }

    @Test func groupByDayIncludesZeros() throws {
        let ledger = try Ledger()
        let a = ledger.strike(at: "2025-10-09T22:30:00Z")  // the 10th in Kyiv
        let b = ledger.strike(at: "2025-10-12T10:00:00Z")
        ledger.revision(a, killed: 4, injured: 3, reportedAt: "2025-10-10T07:45:00Z")
        ledger.revision(b, killed: 1, reportedAt: "2025-10-12T11:00:00Z")
        let r = ledger.anonymous.get("/v1/casualties?city=kyiv&from=2025-10-09&to=2025-10-13&group_by=day")
        #expect(r.status == 200, "\(r.text)")
        let days = r["days"].array
        #expect(days.compactMap { $0["date"].string } == ["2025-10-09", "2025-10-10", "2025-10-11", "2025-10-12", "2025-10-13"])
        #expect(days.compactMap { $0["strikes"].int } == [0, 1, 0, 1, 0])
        #expect(days.compactMap { $0["killed"].int } == [0, 4, 0, 1, 0])
        #expect(days.compactMap { $0["injured"].int } == [0, 3, 0, 0, 0])
        #expect(ledger.anonymous.get("/v1/casualties?city=kyiv&date=2025-10-10&group_by=day")["days"].count == 1)
        // Needs both bounds; at most 366 days.
        expectProblem(ledger.anonymous.get("/v1/casualties?city=kyiv&from=2025-10-09&group_by=day"), 400)
        expectProblem(ledger.anonymous.get("/v1/casualties?city=kyiv&group_by=day"), 400)
        #expect(ledger.anonymous.get("/v1/casualties?city=kyiv&from=2024-01-01&to=2024-12-31&group_by=day")["days"].count == 366)
        let long = expectProblem(ledger.anonymous.get("/v1/casualties?city=kyiv&from=2024-01-01&to=2025-01-01&group_by=day"), 400)
        #expect(long["detail"].string?.contains("366") == true)
        expectProblem(ledger.anonymous.get("/v1/casualties?city=kyiv&date=2025-10-10&group_by=week"), 400)
    }

    @Test func malformedParametersAreNamed() throws {
        let ledger = try Ledger()
        for (query, name) in [("date=2025-13-40", "date"), ("from=yesterday", "from"), ("to=2025-02-30", "to"),
                              ("as_of=now", "as_of"), ("town=Kyiv", "town"), ("city=Kyiv&limit=5", "limit")] {
            let p = expectProblem(ledger.anonymous.get("/v1/casualties?\(query)"), 400, "\(query)")
            #expect(p["detail"].string?.contains(name) == true, "\(query): \(p["detail"])")
        }
        expectProblem(ledger.anonymous.get("/v1/casualties?date=2025-10-10&from=2025-10-01"), 400)
        expectProblem(ledger.anonymous.get("/v1/casualties?from=2025-10-10&to=2025-10-01"), 400)
        // Empty values are absent values.
        #expect(ledger.anonymous.get("/v1/casualties?city=&date=&as_of=&group_by=").status == 200)
    }

    @Test func asOfIgnoresWhatWasRecordedLater() throws {
        let ledger = try Ledger(clock: "2025-10-10T03:10:10Z")
        let src = #""source": {"name": "Vitali Klitschko", "kind": "official"}"#
        let first = ledger.reporter.post("/v1/reports",
                                         #"{"city": "Kiev", "occurred_at": "2025-10-10T05:30:00+03:00", "killed": 3, "injured": 3, "reported_at": "2025-10-10T06:10:00+03:00", \#(src)}"#)
        let id = try #require(first["strike"]["id"].int)
        ledger.clock.set("2025-10-10T07:45:10Z")
        let second = ledger.revision(id, killed: 4, reportedAt: "2025-10-10T07:45:00Z", source: "Zelensky")
        ledger.clock.set("2025-10-10T12:00:00Z")
        let late = ledger.strike(at: "2025-10-10T04:00:00Z")  // recorded at noon
        ledger.revision(late, killed: 10, reportedAt: "2025-10-10T11:00:00Z")
        ledger.clock.set("2025-10-10T13:00:00Z")
        #expect(ledger.editor.post("/v1/revisions/\(second)/void", #"{"reason": "mistake"}"#).status == 200)

        let now = ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2025-10-10")
        #expect(now["totals"]["strikes"].int == 2)
        #expect(now["totals"]["killed"].int == 13)

        let morning = ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2025-10-10&as_of=2025-10-10T05:00:00Z")
        #expect(morning.status == 200, "\(morning.text)")
        #expect(morning["as_of"].string == "2025-10-10T05:00:00Z")
        #expect(morning["totals"]["strikes"].int == 1)
        #expect(morning["totals"]["killed"].int == 3)
        #expect(morning["strikes"][0]["toll"]["revisions"].int == 1)

        let noon = ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2025-10-10&as_of=2025-10-10T12:30:00%2B00:00")
        #expect(noon["as_of"].string == "2025-10-10T12:30:00Z")
        #expect(noon["totals"]["strikes"].int == 2)
        #expect(noon["totals"]["killed"].int == 14, "4 (the void came later) + 10")
        #expect(noon["strikes"][0]["toll"]["as_of"].string == "2025-10-10T07:45:00Z")

        let exact = ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2025-10-10&as_of=2025-10-10T07:45:10Z")
        #expect(exact["totals"]["killed"].int == 4, "recorded_at <= as_of counts")
        let before = ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2025-10-10&as_of=2025-10-10T03:00:00Z")
        #expect(before["totals"]["strikes"].int == 0)
    }

    @Test func asOfSeesMergesOnlyOnceMade() throws {
        let ledger = try Ledger(clock: "2025-10-10T08:00:00Z")
        let a = ledger.strike(at: "2025-10-10T02:30:00Z")
        let b = ledger.strike(at: "2025-10-10T02:35:00Z")
        ledger.revision(a, killed: 3, reportedAt: "2025-10-10T03:10:00Z")
        ledger.revision(b, killed: 4, reportedAt: "2025-10-10T07:45:00Z")
        ledger.clock.set("2025-10-10T09:00:00Z")
        #expect(ledger.editor.post("/v1/strikes/\(a)/merge", #"{"into": \#(b)}"#).status == 200)
        let before = ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2025-10-10&as_of=2025-10-10T08:30:00Z")
        #expect(before["totals"]["strikes"].int == 2)
        #expect(before["totals"]["killed"].int == 7)
        let after = ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2025-10-10&as_of=2025-10-10T09:00:00Z")
        #expect(after["totals"]["strikes"].int == 1)
        #expect(after["totals"]["killed"].int == 4)
        #expect(after["strikes"][0]["toll"]["revisions"].int == 2)
    }

    @Test func etagIsStableAndChangesWithTheData() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        ledger.revision(id, killed: 3, reportedAt: "2025-10-10T03:10:00Z")
        let path = "/v1/casualties?city=Kyiv&date=2025-10-10"
        let one = ledger.anonymous.get(path)
        let two = ledger.anonymous.get(path)
        let tag = try #require(one.etag)
        #expect(two.etag == tag)
        #expect(one.body == two.body)
        let cached = ledger.anonymous.get(path, headers: ["If-None-Match": tag])
        #expect(cached.status == 304)
        #expect(cached.body.isEmpty)
        #expect(cached.etag == tag)
        // A write elsewhere that does not change this answer keeps the tag.
        let odesa = ledger.strike("Odesa", at: "2025-10-10T02:30:00Z")
        ledger.revision(odesa, killed: 1, reportedAt: "2025-10-10T03:10:00Z")
        #expect(ledger.anonymous.get(path, headers: ["If-None-Match": tag]).status == 304)
        // A new revision of this strike changes it.
        ledger.revision(id, killed: 4, reportedAt: "2025-10-10T07:45:00Z")
        let changed = ledger.anonymous.get(path, headers: ["If-None-Match": tag])
        #expect(changed.status == 200)
        #expect(changed.etag != tag)
        #expect(changed["totals"]["killed"].int == 4)
    }
}
