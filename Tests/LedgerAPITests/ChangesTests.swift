import Foundation
import HTTPTypes
import SocketHTTP
import Testing

@Suite("The changes feed (wait=0)")
struct ChangesTests {
    /// Kyiv strike a with two revisions and a void; Odesa strike b with one revision; a
    /// third Kyiv strike c merged into a. Returns (a, b, c, seqs in order).
    static func history(_ ledger: Ledger) -> (Int, Int, Int) {
        let a = ledger.strike(at: "2025-10-10T02:30:00Z")
        let b = ledger.strike("Odesa", at: "2025-10-10T02:30:00Z")
        let c = ledger.strike(at: "2025-10-10T02:40:00Z")
        ledger.revision(a, killed: 3, injured: 3, reportedAt: "2025-10-10T03:10:00Z")        // 1
        ledger.revision(b, killed: 1, reportedAt: "2025-10-10T03:20:00Z")                    // 2
        ledger.revision(a, killed: 4, reportedAt: "2025-10-10T07:45:00Z", source: "Pres")    // 3
        _ = ledger.editor.post("/v1/revisions/3/void", #"{"reason": "entered twice"}"#)      // 4
        ledger.revision(c, killed: 1, reportedAt: "2025-10-10T08:00:00Z")                    // 5
        _ = ledger.editor.post("/v1/strikes/\(c)/merge", #"{"into": \#(a)}"#)                // 6
        return (a, b, c)
    }

    @Test func itemsAscendingWithTheTollAfterEachEvent() throws {
        let ledger = try Ledger()
        let (a, b, c) = Self.history(ledger)
        let r = ledger.anonymous.get("/v1/changes?since=0")
        #expect(r.status == 200, "\(r.text)")
        #expect(r.contentType == "application/json")
        #expect(r.json.keys == ["items", "next_since"])
        let items = r["items"].array
        #expect(items.compactMap { $0["seq"].int } == [1, 2, 3, 4, 5, 6])
        #expect(items.compactMap { $0["type"].string } == ["revision", "revision", "revision", "void", "revision", "merge"])
        #expect(items.compactMap { $0["strike_id"].int } == [a, b, a, a, c, a])
        #expect(r["next_since"].int == 6)
        #expect(r.etag == "\"6\"")

        #expect(items[0]["city"]["name"].string == "Kyiv")
        #expect(items[1]["city"]["name"].string == "Odesa")
        #expect(items[0]["revision"]["seq"].int == 1)
        #expect(items[0]["revision"]["killed"].int == 3)
        #expect(items[0]["merged_strike_id"].isNull)
        #expect(items[0]["toll"]["killed"].int == 3)
        #expect(items[0]["toll"]["injured"].int == 3)
        #expect(items[2]["toll"]["killed"].int == 4)
        #expect(items[2]["toll"]["revisions"].int == 2)
        #expect(items[2]["revision"]["voided"].isNull, "the revision as that event left it")
        #expect(items[3]["revision"]["seq"].int == 3)
        #expect(items[3]["revision"]["voided"]["reason"].string == "entered twice")
        #expect(items[3]["toll"]["killed"].int == 3)
        #expect(items[3]["toll"]["revisions"].int == 1)
        #expect(items[5]["revision"].isNull)
        #expect(items[5]["merged_strike_id"].int == c)
        #expect(items[5]["toll"]["killed"].int == 1, "c's revision at 08:00 is the latest")
        #expect(items[5]["toll"]["revisions"].int == 2)
        for item in items { #expect(item.keys == ["seq", "type", "strike_id", "merged_strike_id", "city", "revision", "toll", "attack_id"]) }

        // since and limit.
        let page = ledger.anonymous.get("/v1/changes?since=2&limit=2")
        #expect(page["items"].array.compactMap { $0["seq"].int } == [3, 4])
        #expect(page["next_since"].int == 4)
        #expect(page.etag == "\"4\"")
    }

    @Test func filtersAndNextSince() throws {
        let ledger = try Ledger()
        let (a, b, c) = Self.history(ledger)
        let odesa = ledger.anonymous.get("/v1/changes?city=odessa")
        #expect(odesa["items"].array.compactMap { $0["seq"].int } == [2])
        #expect(odesa["next_since"].int == 2)
        let kyiv = ledger.anonymous.get("/v1/changes?city=1&since=0")
        #expect(kyiv["items"].array.compactMap { $0["seq"].int } == [1, 3, 4, 5, 6])
        #expect(ledger.anonymous.get("/v1/changes?strike_id=\(b)")["items"].array.compactMap { $0["seq"].int } == [2])
        // A merge matches both the strike merged into and the one merged.
        #expect(ledger.anonymous.get("/v1/changes?strike_id=\(c)")["items"].array.compactMap { $0["seq"].int } == [5, 6])
        #expect(ledger.anonymous.get("/v1/changes?strike_id=\(a)")["items"].array.compactMap { $0["seq"].int } == [1, 3, 4, 6])

        // No items: next_since is the head, so a filtered poller never rescans.
        let lviv = ledger.anonymous.get("/v1/changes?city=Lviv&since=0")
        #expect(lviv.status == 200)
        #expect(lviv["items"].count == 0)
        #expect(lviv["next_since"].int == 6)
        #expect(lviv.etag == "\"6\"")
        let atHead = ledger.anonymous.get("/v1/changes?since=6")
        #expect(atHead["items"].count == 0)
        #expect(atHead["next_since"].int == 6)
        // Past the head: no items, and next_since is the feed's current head (API.md).
        #expect(ledger.anonymous.get("/v1/changes?since=100")["next_since"].int == 6)
        // An empty feed.
        let fresh = try Ledger()
        let empty = fresh.anonymous.get("/v1/changes")
        #expect(empty["items"].count == 0)
        #expect(empty["next_since"].int == 0)
        #expect(empty.etag == "\"0\"")

        for bad in ["since=-1", "limit=0", "limit=1001", "wait=61", "wait=x", "strike_id=0", "cursor=1"] {
            let name = String(bad.prefix { $0 != "=" })
            #expect(expectProblem(ledger.anonymous.get("/v1/changes?\(bad)"), 400, "\(bad)")["detail"].string?.contains(name) == true, "\(bad)")
        }
        #expect(expectProblem(ledger.anonymous.get("/v1/changes?city=Atlantis"), 422)["errors"][0]["field"].string == "city")
    }

    @Test func conditionalPollsGet304WhileNothingNew() throws {
        let ledger = try Ledger()
        let (a, _, _) = Self.history(ledger)
        let notNew = ledger.anonymous.get("/v1/changes?since=6", headers: ["If-None-Match": "\"6\""])
        #expect(notNew.status == 304)
        #expect(notNew.etag == "\"6\"")
        #expect(notNew.body.isEmpty)
        // Filtered: nothing for Lviv after 0 either.
        #expect(ledger.anonymous.get("/v1/changes?since=0&city=Lviv", headers: ["If-None-Match": "\"0\""]).status == 304)
        // Something new after since: 200 with the items.
        let some = ledger.anonymous.get("/v1/changes?since=5", headers: ["If-None-Match": "\"5\""])
        #expect(some.status == 200)
        #expect(some["items"].array.compactMap { $0["seq"].int } == [6])
        // A tag that is not "<since>" is no condition.
        #expect(ledger.anonymous.get("/v1/changes?since=6", headers: ["If-None-Match": "\"5\""]).status == 200)

        // The same 304 straight from memory, before the worker pool.
        let head = HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/v1/changes?since=6",
                               headerFields: [.ifNoneMatch: "\"6\""])
        guard case .response(let inline)? = ledger.service.handleInline(Request(head: head, body: [])) else {
            Issue.record("handleInline did not answer the conditional poll"); return
        }
        #expect(inline.head.status.code == 304)
        #expect(inline.head.headerFields[.eTag] == "\"6\"")
        // Not when there is something new, nor without the condition.
        let stale = HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/v1/changes?since=5",
                                headerFields: [.ifNoneMatch: "\"5\""])
        #expect(ledger.service.handleInline(Request(head: stale, body: [])) == nil)
        let plain = HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/v1/changes?since=6", headerFields: [:])
        #expect(ledger.service.handleInline(Request(head: plain, body: [])) == nil)

        // A new event ends the 304s.
        ledger.revision(a, killed: 5, reportedAt: "2025-10-10T09:00:00Z")
        #expect(ledger.service.handleInline(Request(head: head, body: [])) == nil)
        let fresh = ledger.anonymous.get("/v1/changes?since=6", headers: ["If-None-Match": "\"6\""])
        #expect(fresh.status == 200)
        #expect(fresh["items"].array.compactMap { $0["seq"].int } == [7])
        #expect(fresh["items"][0]["toll"]["killed"].int == 5)
        #expect(fresh.etag == "\"7\"")
    }
}
