import Foundation
import Testing

@Suite("Casualty revisions: append, history, void, the toll rule")
struct RevisionTests {
    @Test func appendGivesRevisionAndToll() throws {
        let ledger = try Ledger(clock: "2025-10-10T04:00:00Z")
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        let src = ledger.reporter.post("/v1/sources", #"{"name": "Kyiv City Military Administration", "kind": "military", "reliability": "B"}"#)
        let sourceId = try #require(src["id"].int)
        let r = ledger.reporter.post("/v1/strikes/\(id)/revisions",
                                     #"{"killed": 2, "injured": 7, "reported_at": "2025-10-10T06:00:00+03:00", "source_id": \#(sourceId), "note": "first count"}"#)
        #expect(r.status == 201, "\(r.text)")
        #expect(r.json.keys == ["revision", "toll"])
        let rev = r["revision"]
        #expect(rev.keys == ["seq", "strike_id", "killed", "injured", "reported_at", "recorded_at", "source", "note", "voided"])
        #expect(rev["strike_id"].int == id)
        #expect(rev["reported_at"].string == "2025-10-10T03:00:00Z")
        #expect(rev["recorded_at"].string == "2025-10-10T04:00:00Z")
        #expect(rev["source"]["id"].int == sourceId)
        #expect(rev["source"]["kind"].string == "military")
        #expect(rev["voided"].isNull)
        #expect(r["toll"]["killed"].int == 2)
        #expect(r["toll"]["injured"].int == 7)
        #expect(r["toll"]["as_of"].string == "2025-10-10T03:00:00Z")
        #expect(r["toll"]["revisions"].int == 1)

        // reported_at defaults to now (the server's clock).
        let now = ledger.reporter.post("/v1/strikes/\(id)/revisions", #"{"injured": 8, "source_id": \#(sourceId)}"#)
        #expect(now.status == 201, "\(now.text)")
        #expect(now["revision"]["killed"].isNull)
        #expect(now["revision"]["reported_at"].string == "2025-10-10T04:00:00Z")
        #expect(now["revision"]["seq"].int! > rev["seq"].int!)

        // Rules.
        let none = expectProblem(ledger.reporter.post("/v1/strikes/\(id)/revisions", #"{"note": "nothing", "source_id": \#(sourceId)}"#), 422)
        #expect(none["errors"][0]["field"].string == "killed")
        let range = expectProblem(ledger.reporter.post("/v1/strikes/\(id)/revisions", #"{"killed": -1, "injured": 100001, "source_id": \#(sourceId)}"#), 422)
        #expect(Set(range["errors"].array.compactMap { $0["field"].string }) == ["killed", "injured"])
        #expect(range["detail"].string == "2 fields are invalid")
        expectProblem(ledger.reporter.post("/v1/strikes/\(id)/revisions", #"{"killed": 1}"#), 422)
        let both = expectProblem(ledger.reporter.post("/v1/strikes/\(id)/revisions",
                                                      #"{"killed": 1, "source_id": 1, "source": {"name": "x", "kind": "media"}}"#), 422)
        #expect(both["errors"][0]["field"].string == "source")
        let unknownSource = expectProblem(ledger.reporter.post("/v1/strikes/\(id)/revisions", #"{"killed": 1, "source_id": 999}"#), 422)
        #expect(unknownSource["errors"][0]["field"].string == "source_id")
        let badKind = expectProblem(ledger.reporter.post("/v1/strikes/\(id)/revisions", #"{"killed": 1, "source": {"name": "x", "kind": "rumour"}}"#), 422)
        #expect(badKind["errors"][0]["field"].string == "source.kind")
        let future = expectProblem(ledger.reporter.post("/v1/strikes/\(id)/revisions", #"{"killed": 1, "source_id": 1, "reported_at": "2999-01-01T00:00:00Z"}"#), 422)
        #expect(future["errors"][0]["field"].string == "reported_at")
        // Nothing of that was written.
        #expect(ledger.anonymous.get("/v1/strikes/\(id)/revisions")["items"].count == 2)
        expectProblem(ledger.reporter.post("/v1/strikes/999/revisions", #"{"killed": 1, "source_id": 1}"#), 404)
    }

    @Test func tollRuleLatestReportedAtPerFigure() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        ledger.revision(id, killed: 3, injured: 3, reportedAt: "2025-10-10T03:10:00Z", source: "Mayor")
        ledger.revision(id, killed: 4, reportedAt: "2025-10-10T07:45:00Z", source: "President")
        // A late-arriving statement made earlier does not override the newer one.
        let late = ledger.revision(id, killed: 2, injured: 9, reportedAt: "2025-10-10T05:00:00Z", source: "Emergency")
        var s = ledger.anonymous.get("/v1/strikes/\(id)")
        #expect(s["toll"]["killed"].int == 4)
        #expect(s["toll"]["injured"].int == 9)
        #expect(s["toll"]["as_of"].string == "2025-10-10T07:45:00Z")
        #expect(s["toll"]["revisions"].int == 3)
        // Ties on reported_at: the higher seq wins.
        ledger.revision(id, killed: 6, reportedAt: "2025-10-10T07:45:00Z", source: "Police")
        s = ledger.anonymous.get("/v1/strikes/\(id)")
        #expect(s["toll"]["killed"].int == 6)
        // Void the late one: injured falls back to the mayor's 3.
        let v = ledger.editor.post("/v1/revisions/\(late)/void", #"{"reason": "entered twice"}"#)
        #expect(v.status == 200, "\(v.text)")
        #expect(v["toll"]["injured"].int == 3)
        #expect(v["toll"]["killed"].int == 6)
        #expect(v["toll"]["revisions"].int == 3)
        s = ledger.anonymous.get("/v1/strikes/\(id)")
        #expect(s["toll"]["injured"].int == 3)
    }

    @Test func historyAndVoid() throws {
        let ledger = try Ledger(clock: "2025-10-10T08:00:00Z")
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        let first = ledger.revision(id, killed: 3, injured: 3, reportedAt: "2025-10-10T03:10:00Z")
        let second = ledger.revision(id, killed: 4, reportedAt: "2025-10-10T07:45:00Z")
        let versionBefore = ledger.anonymous.get("/v1/strikes/\(id)")["version"].int ?? 0

        expectProblem(ledger.reporter.post("/v1/revisions/\(second)/void", #"{"reason": "x"}"#), 403)
        expectProblem(ledger.anonymous.post("/v1/revisions/\(second)/void", #"{"reason": "x"}"#), 401)
        expectProblem(ledger.editor.post("/v1/revisions/99999/void", #"{"reason": "x"}"#), 404)
        expectProblem(ledger.editor.post("/v1/revisions/99999/void", "not json"), 404, "404 before the body")
        expectProblem(ledger.editor.post("/v1/revisions/\(second)/void", #"{}"#), 422)
        expectProblem(ledger.editor.post("/v1/revisions/\(second)/void", #"{"reason": "x", "why": "y"}"#), 422)

        ledger.clock.set("2025-10-10T09:00:00Z")
        let v = ledger.editor.post("/v1/revisions/\(second)/void", #"{"reason": "the president misspoke"}"#)
        #expect(v.status == 200, "\(v.text)")
        #expect(v["revision"]["seq"].int == second)
        #expect(v["revision"]["voided"]["at"].string == "2025-10-10T09:00:00Z")
        #expect(v["revision"]["voided"]["reason"].string == "the president misspoke")
        #expect(v["toll"]["killed"].int == 3)
        #expect(v["toll"]["revisions"].int == 1)
        #expect(v["toll"]["as_of"].string == "2025-10-10T03:10:00Z")
        let s = ledger.anonymous.get("/v1/strikes/\(id)")
        #expect(s["version"].int == versionBefore + 1)
        #expect(s["toll"]["killed"].int == 3)

        let twice = expectProblem(ledger.editor.post("/v1/revisions/\(second)/void", #"{"reason": "again"}"#), 409)
        #expect(twice["detail"].string?.isEmpty == false)

        // History: seq order, voided one included and marked.
        let h = ledger.anonymous.get("/v1/strikes/\(id)/revisions")
        #expect(h.status == 200)
        #expect(h["items"].array.compactMap { $0["seq"].int } == [first, second])
        #expect(h["items"][0]["voided"].isNull)
        #expect(h["items"][1]["voided"]["reason"].string == "the president misspoke")
        #expect(h["next"].isNull)

        // Pages of one.
        let p1 = ledger.anonymous.get("/v1/strikes/\(id)/revisions?limit=1")
        #expect(p1["items"].array.compactMap { $0["seq"].int } == [first])
        let cursor = try #require(p1["next"].string)
        let p2 = ledger.anonymous.get("/v1/strikes/\(id)/revisions?limit=1&after=\(cursor)")
        #expect(p2["items"].array.compactMap { $0["seq"].int } == [second])
        #expect(p2["next"].isNull)
        // A cursor of another strike's list is refused.
        let other = ledger.strike(at: "2025-10-11T02:30:00Z")
        expectProblem(ledger.anonymous.get("/v1/strikes/\(other)/revisions?after=\(cursor)"), 400)
        expectProblem(ledger.anonymous.get("/v1/strikes/999/revisions"), 404)
        expectProblem(ledger.anonymous.get("/v1/strikes/\(id)/revisions?limit=0"), 400)
    }
}
