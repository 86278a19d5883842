import Foundation
import Testing

@Suite("Strikes: create, list, read, patch, merge")
struct StrikeTests {
    @Test func createGivesLocationVersionOneAndETag() throws {
        let ledger = try Ledger()
        let r = ledger.reporter.post("/v1/strikes", #"""
            {"city": "Kharkov", "occurred_at": "2025-10-10T01:00:00Z", "time_precision": "hour",
             "location": {"latitude": 49.99, "longitude": 36.23},
             "weapons": [{"kind": "guided_bomb"}], "description": "Industrial area", "damage": "A warehouse burnt"}
            """#)
        #expect(r.status == 201, "\(r.text)")
        let id = try #require(r["id"].int)
        #expect(r.location == "/v1/strikes/\(id)")
        #expect(r.etag == "\"v1\"")
        #expect(r["version"].int == 1)
        #expect(r["city"]["name"].string == "Kharkiv")
        #expect(r["time_precision"].string == "hour")
        #expect(r["location"]["latitude"].double == 49.99)
        #expect(r["weapons"][0]["kind"].string == "guided_bomb")
        #expect(r["toll"]["killed"].isNull)
        #expect(r["toll"]["injured"].isNull)
        #expect(r["toll"]["as_of"].isNull)
        #expect(r["toll"]["revisions"].int == 0)
        #expect(r["merged_into"].isNull)
        let keys: Set = ["id", "city", "occurred_at", "time_precision", "local_date", "location", "weapons", "description",
                         "damage", "toll", "merged_into", "attack_id", "statements", "version", "created_at", "updated_at"]
        #expect(r.json.keys == keys)
        // Read back: the same body.
        let g = ledger.anonymous.get("/v1/strikes/\(id)")
        #expect(g.status == 200)
        #expect(g.body == r.body)
    }

    @Test func createRejectsBadFieldsWithEveryError() throws {
        let ledger = try Ledger()
        let r = ledger.reporter.post("/v1/strikes", #"""
            {"city": "Kyiv", "occurred_at": "yesterday", "time_precision": "second", "weapons": [{"kind": "laser"}], "colour": "red"}
            """#)
        let j = expectProblem(r, 422)
        let fields = Set(j["errors"].array.compactMap { $0["field"].string })
        #expect(fields.isSuperset(of: ["occurred_at", "time_precision", "colour"]))
        #expect(fields.contains { $0.hasPrefix("weapons[0]") })
        #expect(j["errors"].array.allSatisfy { $0["message"].string?.isEmpty == false })
        // The future is refused (more than 5 minutes ahead of the server's clock).
        let future = ledger.reporter.post("/v1/strikes", #"{"city": "Kyiv", "occurred_at": "2999-01-01T00:00:00Z"}"#)
        #expect(expectProblem(future, 422)["errors"][0]["field"].string == "occurred_at")
    }

    @Test func listNewestFirstWithFiltersAndCursorPages() throws {
        let ledger = try Ledger()
        var kyiv: [Int] = []
        for hour in 0..<5 { kyiv.append(ledger.strike(at: "2025-10-10T0\(hour):00:00Z")) }
        let odesa = ledger.strike("Odesa", at: "2025-10-10T02:30:00Z")
        let earlier = ledger.strike(at: "2025-10-08T12:00:00Z")

        let all = ledger.anonymous.get("/v1/strikes")
        #expect(all.status == 200)
        #expect(all["items"].array.compactMap { $0["id"].int } == [kyiv[4], kyiv[3], odesa, kyiv[2], kyiv[1], kyiv[0], earlier])
        #expect(all["next"].isNull)

        // Page through Kyiv on the 10th two at a time; the cursor keeps the filters.
        var seen: [Int] = []
        var path = "/v1/strikes?city=Kiev&date=2025-10-10&limit=2"
        var pages = 0
        while true {
            let page = ledger.anonymous.get(path)
            #expect(page.status == 200, "\(page.text)")
            #expect(page["items"].count <= 2)
            seen += page["items"].array.compactMap { $0["id"].int }
            pages += 1
            guard let next = page["next"].string, pages < 10 else { break }
            path = "/v1/strikes?limit=2&after=\(next)"
        }
        #expect(seen == kyiv.reversed())
        #expect(pages == 3)

        // Instants as bounds.
        let window = ledger.anonymous.get("/v1/strikes?from=2025-10-10T01:00:00Z&to=2025-10-10T02:45:00%2B00:00")
        #expect(window["items"].array.compactMap { $0["id"].int } == [odesa, kyiv[2], kyiv[1]])
        let range = ledger.anonymous.get("/v1/strikes?city=kyiv&from=2025-10-01&to=2025-10-09")
        #expect(range["items"].array.compactMap { $0["id"].int } == [earlier])
        // An empty value is the same as leaving it out.
        #expect(ledger.anonymous.get("/v1/strikes?city=&date=")["items"].count == 7)

        expectProblem(ledger.anonymous.get("/v1/strikes?after=garbage!!"), 400)
        expectProblem(ledger.anonymous.get("/v1/strikes?after=eyJ4IjoiMSJ9"), 400)  // {"x":"1"}
        let zero = expectProblem(ledger.anonymous.get("/v1/strikes?limit=0"), 400)
        #expect(zero["detail"].string?.contains("limit") == true)
        #expect(expectProblem(ledger.anonymous.get("/v1/strikes?limit=abc"), 400)["detail"].string?.contains("limit") == true)
        expectProblem(ledger.anonymous.get("/v1/strikes?limit=501"), 400)
        #expect(expectProblem(ledger.anonymous.get("/v1/strikes?citty=Kyiv"), 400)["detail"].string?.contains("citty") == true)
        expectProblem(ledger.anonymous.get("/v1/strikes?from=2025-10-10&to=2025-10-01"), 400)
        let unknownCity = expectProblem(ledger.anonymous.get("/v1/strikes?city=Atlantis"), 422)
        #expect(unknownCity["errors"][0]["field"].string == "city")
    }

    @Test func getWithETagAndIfNoneMatch() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        let g = ledger.anonymous.get("/v1/strikes/\(id)")
        #expect(g.etag == "\"v1\"")
        let same = ledger.anonymous.get("/v1/strikes/\(id)", headers: ["If-None-Match": "\"v1\""])
        #expect(same.status == 304)
        #expect(same.body.isEmpty)
        #expect(same.etag == "\"v1\"")
        #expect(ledger.anonymous.get("/v1/strikes/\(id)", headers: ["If-None-Match": "W/\"v1\""]).status == 304)
        #expect(ledger.anonymous.get("/v1/strikes/\(id)", headers: ["If-None-Match": "\"v0\", \"v1\""]).status == 304)
        ledger.revision(id, killed: 1, reportedAt: "2025-10-10T03:00:00Z")
        let changed = ledger.anonymous.get("/v1/strikes/\(id)", headers: ["If-None-Match": "\"v1\""])
        #expect(changed.status == 200)
        #expect(changed.etag == "\"v2\"")
        #expect(changed["version"].int == 2)
        expectProblem(ledger.anonymous.get("/v1/strikes/999"), 404)
        expectProblem(ledger.anonymous.get("/v1/strikes/\(id)?x=1"), 400)
    }

    @Test func patchIsAMergePatchWithIfMatch() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z", extra: #", "description": "first", "damage": "some""#)
        let p = ledger.editor.patch("/v1/strikes/\(id)", #"{"description": "Apartment buildings hit", "damage": null}"#,
                                    headers: ["If-Match": "\"v1\""])
        #expect(p.status == 200, "\(p.text)")
        #expect(p.etag == "\"v2\"")
        #expect(p["version"].int == 2)
        #expect(p["description"].string == "Apartment buildings hit")
        #expect(p["damage"].isNull, "null in a merge patch clears")
        #expect(p["occurred_at"].string == "2025-10-10T02:30:00Z", "fields not named stay")

        // Stale If-Match: 412, nothing written.
        let stale = ledger.editor.patch("/v1/strikes/\(id)", #"{"description": "lost update"}"#, headers: ["If-Match": "\"v1\""])
        expectProblem(stale, 412)
        #expect(ledger.anonymous.get("/v1/strikes/\(id)")["description"].string == "Apartment buildings hit")
        // 412 comes before the body is even read.
        expectProblem(ledger.editor.patch("/v1/strikes/\(id)", "{not json", headers: ["If-Match": "\"v1\""]), 412)

        // `*` matches any version.
        let star = ledger.editor.patch("/v1/strikes/\(id)", #"{"occurred_at": "2025-10-09T21:30:00Z", "time_precision": "hour"}"#,
                                       headers: ["If-Match": "*"])
        #expect(star.status == 200, "\(star.text)")
        #expect(star["version"].int == 3)
        #expect(star["local_date"].string == "2025-10-10", "00:30 in Kyiv")
        // Without If-Match too; application/merge-patch+json is accepted.
        let mp = ledger.editor.send(.patch, "/v1/strikes/\(id)", body: #"{"weapons": [{"kind": "drone", "count": 12}]}"#,
                                    contentType: "application/merge-patch+json")
        #expect(mp.status == 200, "\(mp.text)")
        #expect(mp["weapons"][0]["count"].int == 12)
        #expect(mp["version"].int == 4)

        // A patch that changes nothing keeps the version and the ETag.
        let noop = ledger.editor.patch("/v1/strikes/\(id)", #"{"time_precision": "hour"}"#)
        #expect(noop.status == 200)
        #expect(noop["version"].int == 4)
        #expect(noop.etag == "\"v4\"")
        let empty = ledger.editor.patch("/v1/strikes/\(id)", "{}")
        #expect(empty["version"].int == 4)

        // Figures are never patchable.
        let figures = expectProblem(ledger.editor.patch("/v1/strikes/\(id)", #"{"killed": 5}"#), 422)
        #expect(figures["errors"][0]["field"].string == "killed")
        expectProblem(ledger.editor.patch("/v1/strikes/\(id)", #"{"toll": {"killed": 5}}"#), 422)
        // Reporters cannot patch.
        expectProblem(ledger.reporter.patch("/v1/strikes/\(id)", #"{"description": "x"}"#), 403)
        expectProblem(ledger.editor.patch("/v1/strikes/999", #"{"description": "x"}"#), 404)
    }

    @Test func mergeIsAPointer() throws {
        let ledger = try Ledger()
        let a = ledger.strike(at: "2025-10-10T02:30:00Z")
        let b = ledger.strike(at: "2025-10-10T02:35:00Z")
        let c = ledger.strike(at: "2025-10-10T02:40:00Z")
        let ra = ledger.revision(a, killed: 3, injured: 3, reportedAt: "2025-10-10T03:10:00Z")
        ledger.revision(b, killed: 4, reportedAt: "2025-10-10T07:45:00Z", source: "President")

        let m = ledger.editor.post("/v1/strikes/\(a)/merge", #"{"into": \#(b)}"#)
        #expect(m.status == 200, "\(m.text)")
        #expect(m["id"].int == b)
        #expect(m["toll"]["killed"].int == 4)
        #expect(m["toll"]["injured"].int == 3)
        #expect(m["toll"]["revisions"].int == 2)
        #expect(m.etag == "\"v\(m["version"].int ?? 0)\"")

        let merged = ledger.anonymous.get("/v1/strikes/\(a)")
        #expect(merged.status == 200)
        #expect(merged["merged_into"].int == b)
        #expect(merged["toll"]["killed"].isNull)
        #expect(merged["toll"]["injured"].isNull)
        #expect(merged["toll"]["as_of"].isNull)
        #expect(merged["toll"]["revisions"].int == 0)
        // Revisions keep the strike they were recorded on; b's history covers both.
        let history = ledger.anonymous.get("/v1/strikes/\(b)/revisions")
        #expect(history["items"].count == 2)
        #expect(history["items"][0]["seq"].int == ra)
        #expect(history["items"][0]["strike_id"].int == a)

        // Out of lists and casualties.
        #expect(ledger.anonymous.get("/v1/strikes")["items"].array.compactMap { $0["id"].int } == [c, b])
        let cas = ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2025-10-10")
        #expect(cas["totals"]["strikes"].int == 2)
        #expect(cas["totals"]["killed"].int == 4)
        #expect(cas["totals"]["injured"].int == 3)

        // A revision addressed to the merged strike goes to its target.
        let redirected = ledger.reporter.post("/v1/strikes/\(a)/revisions",
                                              #"{"killed": 5, "reported_at": "2025-10-10T09:00:00Z", "source_id": 1}"#)
        #expect(redirected.status == 201, "\(redirected.text)")
        #expect(redirected["revision"]["strike_id"].int == b)
        #expect(redirected["toll"]["killed"].int == 5)

        // Conflicts.
        expectProblem(ledger.editor.post("/v1/strikes/\(b)/merge", #"{"into": \#(b)}"#), 409, "into itself")
        expectProblem(ledger.editor.post("/v1/strikes/\(b)/merge", #"{"into": \#(a)}"#), 409, "into itself through a chain")
        expectProblem(ledger.editor.post("/v1/strikes/\(a)/merge", #"{"into": \#(c)}"#), 409, "already merged")
        expectProblem(ledger.editor.patch("/v1/strikes/\(a)", #"{"description": "x"}"#), 409, "patching a merged strike")
        let unknown = expectProblem(ledger.editor.post("/v1/strikes/\(c)/merge", #"{"into": 999}"#), 422)
        #expect(unknown["errors"][0]["field"].string == "into")
        expectProblem(ledger.editor.post("/v1/strikes/\(c)/merge", #"{}"#), 422)
        expectProblem(ledger.editor.post("/v1/strikes/999/merge", #"{"into": \#(c)}"#), 404)
        expectProblem(ledger.reporter.post("/v1/strikes/\(c)/merge", #"{"into": \#(b)}"#), 403)

        // Merging c into a (merged into b) follows the chain to b.
        let chain = ledger.editor.post("/v1/strikes/\(c)/merge", #"{"into": \#(a)}"#)
        #expect(chain.status == 200, "\(chain.text)")
        #expect(chain["id"].int == b)
        #expect(ledger.anonymous.get("/v1/strikes/\(c)")["merged_into"].int == b)
        #expect(ledger.anonymous.get("/v1/strikes")["items"].count == 1)
    }

    @Test func reportsMatchWithinTheWindowAndNotMergedStrikes() throws {
        let ledger = try Ledger()
        let near = ledger.strike(at: "2025-10-10T02:00:00Z")
        let src = #""source": {"name": "Mayor", "kind": "official"}"#
        let r = ledger.reporter.post("/v1/reports", #"{"city": "Kyiv", "occurred_at": "2025-10-10T07:59:00Z", \#(src)}"#)
        #expect(r.status == 201)
        #expect(r["matched"].bool == true)
        #expect(r["strike"]["id"].int == near)
        #expect(r["revision"].isNull)
        let far = ledger.reporter.post("/v1/reports", #"{"city": "Kyiv", "occurred_at": "2025-10-10T08:01:00Z", \#(src)}"#)
        #expect(far["matched"].bool == false)
        #expect(far["strike"]["version"].int == 1)
        // Same time, other city: a new strike.
        let other = ledger.reporter.post("/v1/reports", #"{"city": "Lviv", "occurred_at": "2025-10-10T02:00:00Z", \#(src)}"#)
        #expect(other["matched"].bool == false)
        // strike_id names the strike outright; a disagreeing city is 422.
        let byId = ledger.reporter.post("/v1/reports", #"{"strike_id": \#(near), "killed": 1, \#(src)}"#)
        #expect(byId.status == 201, "\(byId.text)")
        #expect(byId["strike"]["id"].int == near)
        #expect(byId["matched"].bool == true)
        let wrongCity = expectProblem(ledger.reporter.post("/v1/reports", #"{"strike_id": \#(near), "city": "Odesa", "killed": 1, \#(src)}"#), 422)
        #expect(wrongCity["errors"][0]["field"].string == "city")
        let missing = expectProblem(ledger.reporter.post("/v1/reports", #"{"killed": 1}"#), 422)
        let fields = Set(missing["errors"].array.compactMap { $0["field"].string })
        #expect(fields.isSuperset(of: ["city", "occurred_at", "source"]))
    }
}
