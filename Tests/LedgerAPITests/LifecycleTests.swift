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

@Suite("Small rules")
struct SmallRuleTests {
    @Test func aSpellingTheCityAlreadyHasAddsNothing() throws {
        let ledger = try Ledger()
        let before = ledger.anonymous.get("/v1/cities/1")["aliases"].array.compactMap(\.string)
        for spelling in ["Kiev", "kiev", "KYIV", "Kyiv", "Київ"] {
            let r = ledger.editor.post("/v1/cities/1/aliases", #"{"alias": "\#(spelling)"}"#)
            #expect(r.status == 201, "\(spelling): \(r.text)")
            #expect(r["aliases"].array.compactMap(\.string) == before, "\(spelling) is already a spelling of Kyiv")
        }
    }

    @Test func zeroIsAFigureAndNullIsNot() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        ledger.revision(id, killed: 2, injured: 5, reportedAt: "2025-10-10T03:00:00Z")
        let zero = ledger.reporter.post("/v1/strikes/\(id)/revisions",
                                        #"{"killed": 0, "injured": null, "reported_at": "2025-10-10T04:00:00Z", "source_id": 1}"#)
        #expect(zero.status == 201, "\(zero.text)")
        #expect(zero["revision"]["killed"].int == 0)
        #expect(zero["revision"]["injured"].isNull)
        #expect(zero["toll"]["killed"].int == 0)
        #expect(zero["toll"]["injured"].int == 5)
        // A report without figures appends no revision.
        let none = ledger.reporter.post("/v1/reports", #"{"strike_id": \#(id), "killed": null, "injured": null, "source_id": 1}"#)
        #expect(none.status == 201)
        #expect(none["revision"].isNull)
        #expect(none["strike"]["toll"]["revisions"].int == 2)
        // Long texts are refused, not cut.
        let long = String(repeating: "x", count: 2001)
        let p = expectProblem(ledger.reporter.post("/v1/strikes/\(id)/revisions", #"{"killed": 1, "source_id": 1, "note": "\#(long)"}"#), 422)
        #expect(p["errors"][0]["field"].string == "note")
    }
}

@Suite("Chains, ties and clocks")
struct ChainTests {
    @Test func mergeChainsCarryHistoryAndWrites() throws {
        let ledger = try Ledger()
        let s1 = ledger.strike(at: "2025-10-10T02:30:00Z")
        let s2 = ledger.strike(at: "2025-10-10T02:35:00Z")
        let s3 = ledger.strike(at: "2025-10-10T02:40:00Z")
        let r1 = ledger.revision(s1, killed: 1, reportedAt: "2025-10-10T03:00:00Z")
        let r2 = ledger.revision(s2, killed: 2, reportedAt: "2025-10-10T04:00:00Z")
        let r3 = ledger.revision(s3, injured: 3, reportedAt: "2025-10-10T05:00:00Z")
        #expect(ledger.editor.post("/v1/strikes/\(s1)/merge", #"{"into": \#(s2)}"#).status == 200)
        let top = ledger.editor.post("/v1/strikes/\(s2)/merge", #"{"into": \#(s3)}"#)
        #expect(top["id"].int == s3)
        #expect(top["toll"]["killed"].int == 2)
        #expect(top["toll"]["injured"].int == 3)
        #expect(top["toll"]["revisions"].int == 3)
        #expect(ledger.anonymous.get("/v1/strikes/\(s3)/revisions")["items"].array.compactMap { $0["seq"].int } == [r1, r2, r3])
        #expect(ledger.anonymous.get("/v1/strikes/\(s2)/revisions")["items"].array.compactMap { $0["seq"].int } == [r1, r2])
        #expect(ledger.anonymous.get("/v1/strikes/\(s1)")["merged_into"].int == s2, "a pointer, not rewritten")
        // A write to the bottom of the chain lands at the top.
        let w = ledger.reporter.post("/v1/strikes/\(s1)/revisions", #"{"killed": 7, "reported_at": "2025-10-10T06:00:00Z", "source_id": 1}"#)
        #expect(w["revision"]["strike_id"].int == s3)
        #expect(w["toll"]["killed"].int == 7)
        expectProblem(ledger.editor.post("/v1/strikes/\(s3)/merge", #"{"into": \#(s1)}"#), 409, "into itself through a chain")
        let cas = ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2025-10-10")
        #expect(cas["strikes"].array.compactMap { $0["id"].int } == [s3])
        #expect(cas["totals"]["killed"].int == 7)
    }

    @Test func pagesAreExactWithTiesOnOccurredAt() throws {
        let ledger = try Ledger()
        let ids = (0..<5).map { _ in ledger.strike(at: "2025-10-10T02:30:00Z") }
        var seen: [Int] = []
        var path = "/v1/strikes?limit=2"
        for _ in 0..<5 {
            let page = ledger.anonymous.get(path)
            seen += page["items"].array.compactMap { $0["id"].int }
            guard let next = page["next"].string else { break }
            path = "/v1/strikes?limit=2&after=\(next)"
        }
        #expect(seen == ids.reversed())
        // Sources pages keep kind.
        for i in 0..<3 {
            _ = ledger.reporter.post("/v1/sources", #"{"name": "M\#(i)", "kind": "media"}"#)
            _ = ledger.reporter.post("/v1/sources", #"{"name": "N\#(i)", "kind": "ngo"}"#)
        }
        var names: [String] = []
        path = "/v1/sources?kind=ngo&limit=1"
        for _ in 0..<5 {
            let page = ledger.anonymous.get(path)
            names += page["items"].array.compactMap { $0["name"].string }
            guard let next = page["next"].string else { break }
            path = "/v1/sources?limit=1&after=\(next)"
        }
        #expect(names == ["N0", "N1", "N2"])
    }

    @Test func statementsMayLieAtMostFiveMinutesAhead() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        func at(_ offset: TimeInterval) -> String {
            let f = ISO8601DateFormatter()
            return f.string(from: Date().addingTimeInterval(offset))
        }
        #expect(ledger.reporter.post("/v1/sources", #"{"name": "S", "kind": "media"}"#)["id"].int == 1)
        let ok = ledger.reporter.post("/v1/strikes/\(id)/revisions", #"{"killed": 1, "source_id": 1, "reported_at": "\#(at(240))"}"#)
        #expect(ok.status == 201, "\(ok.text)")
        let late = expectProblem(ledger.reporter.post("/v1/strikes/\(id)/revisions", #"{"killed": 1, "source_id": 1, "reported_at": "\#(at(420))"}"#), 422)
        #expect(late["errors"][0]["field"].string == "reported_at")
        expectProblem(ledger.reporter.post("/v1/reports", #"{"city": "Kyiv", "occurred_at": "\#(at(420))", "source_id": 1}"#), 422)
    }
}
