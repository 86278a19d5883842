import Foundation
import Testing

@Suite("Lifecycles over time")
struct LifecycleTests {
    @Test func keptAnswersExpireAfter24Hours() throws {
        let ledger = try Ledger(clock: "2025-10-10T08:00:00Z")
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        let body = #"{"killed": 4, "reported_at": "2025-10-10T07:45:00Z", "source": {"name": "President", "kind": "official"}}"#
        let first = ledger.reporter.post("/v1/strikes/\(id)/revisions", body, headers: ["Idempotency-Key": "day"])
        #expect(first.status == 201)
        ledger.clock.advance(24 * 3600 - 1)
        let replay = ledger.reporter.post("/v1/strikes/\(id)/revisions", body, headers: ["Idempotency-Key": "day"])
        #expect(replay.body == first.body)
        #expect(replay.headers == first.headers, "the same head fields too")
        expectProblem(ledger.reporter.post("/v1/strikes/\(id)/revisions", "{}", headers: ["Idempotency-Key": "day"]), 409)
        #expect(ledger.anonymous.get("/v1/strikes/\(id)/revisions")["items"].count == 1)
        ledger.clock.advance(2)
        // A day later the key is free again: the request runs afresh.
        let fresh = ledger.reporter.post("/v1/strikes/\(id)/revisions", body, headers: ["Idempotency-Key": "day"])
        #expect(fresh.status == 201)
        #expect(fresh.body != first.body)
        #expect(ledger.anonymous.get("/v1/strikes/\(id)/revisions")["items"].count == 2)
    }

    @Test func reportsMatchTheNearestStrike() throws {
        let ledger = try Ledger()
        let early = ledger.strike(at: "2025-10-10T02:00:00Z")
        let late = ledger.strike(at: "2025-10-10T06:00:00Z")
        let src = #""source": {"name": "Mayor", "kind": "official"}"#
        let r = ledger.reporter.post("/v1/reports", #"{"city": "Kyiv", "occurred_at": "2025-10-10T05:00:00Z", "killed": 1, \#(src)}"#)
        #expect(r["strike"]["id"].int == late)
        let r2 = ledger.reporter.post("/v1/reports", #"{"city": "Kyiv", "occurred_at": "2025-10-10T03:30:00Z", "killed": 1, \#(src)}"#)
        #expect(r2["strike"]["id"].int == early)
        // The window is a setting.
        let narrow = try Ledger { $0.matchWindow = 600 }
        let s = narrow.strike(at: "2025-10-10T02:00:00Z")
        #expect(narrow.reporter.post("/v1/reports", #"{"city": "Kyiv", "occurred_at": "2025-10-10T02:10:00Z", \#(src)}"#)["strike"]["id"].int == s)
        #expect(narrow.reporter.post("/v1/reports", #"{"city": "Kyiv", "occurred_at": "2025-10-10T02:10:01Z", \#(src)}"#)["matched"].bool == false)
    }

    @Test func voidingARevisionOfAMergedStrikeCountsOnItsTarget() throws {
        let ledger = try Ledger()
        let a = ledger.strike(at: "2025-10-10T02:30:00Z")
        let b = ledger.strike(at: "2025-10-10T02:35:00Z")
        let onA = ledger.revision(a, killed: 9, reportedAt: "2025-10-10T08:00:00Z")
        ledger.revision(b, killed: 4, reportedAt: "2025-10-10T07:45:00Z")
        let bBefore = ledger.anonymous.get("/v1/strikes/\(b)")
        #expect(ledger.editor.post("/v1/strikes/\(a)/merge", #"{"into": \#(b)}"#)["toll"]["killed"].int == 9)
        let v = ledger.editor.post("/v1/revisions/\(onA)/void", #"{"reason": "wrong strike"}"#)
        #expect(v.status == 200)
        #expect(v["revision"]["strike_id"].int == a)
        #expect(v["toll"]["killed"].int == 4)
        let bAfter = ledger.anonymous.get("/v1/strikes/\(b)")
        #expect(bAfter["toll"]["killed"].int == 4)
        #expect(bAfter["version"].int == (bBefore["version"].int ?? 0) + 2, "merge and void, one bump each")
        #expect(ledger.anonymous.get("/v1/strikes/\(a)")["toll"]["revisions"].int == 0)
        let feed = ledger.anonymous.get("/v1/changes?strike_id=\(b)")["items"].array
        #expect(feed.last?["type"].string == "void")
        #expect(feed.last?["strike_id"].int == b)
    }

    @Test func patchingOccurredAtMovesTheStrikeBetweenDays() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z", extra: #", "location": {"latitude": 50.44, "longitude": 30.52}"#)
        ledger.revision(id, killed: 2, reportedAt: "2025-10-10T03:00:00Z")
        let p = ledger.editor.patch("/v1/strikes/\(id)", #"{"occurred_at": "2025-10-09T20:00:00Z"}"#)
        #expect(p["local_date"].string == "2025-10-09")
        #expect(ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2025-10-09")["totals"]["killed"].int == 2)
        #expect(ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2025-10-10")["totals"]["strikes"].int == 0)
        expectProblem(ledger.editor.patch("/v1/strikes/\(id)", #"{"occurred_at": "2999-01-01T00:00:00Z"}"#), 422)
        expectProblem(ledger.editor.patch("/v1/strikes/\(id)", #"{"occurred_at": null}"#), 422)
        // A nested object in a merge patch merges (RFC 7396): the longitude stays.
        let lat = ledger.editor.patch("/v1/strikes/\(id)", #"{"location": {"latitude": 50.45}}"#)
        #expect(lat.status == 200, "\(lat.text)")
        #expect(lat["location"]["latitude"].double == 50.45)
        #expect(lat["location"]["longitude"].double == 30.52)
        let cleared = ledger.editor.patch("/v1/strikes/\(id)", #"{"location": null, "weapons": null}"#)
        #expect(cleared["location"].isNull)
        #expect(cleared["weapons"].count == 0)
    }
}
