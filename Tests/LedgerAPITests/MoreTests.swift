import Foundation
import HTTPTypes
import LedgerAPI
import LedgerSQLite
import LedgerStore
import SocketHTTP
import Testing

@Suite("Versions, restarts and corner cases")
struct MoreTests {
    @Test func versionGrowsOncePerWriteThatChangesTheStrike() throws {
        let ledger = try Ledger()
        let src = #""source": {"name": "Mayor", "kind": "official"}"#
        let first = ledger.reporter.post("/v1/reports", #"{"city": "Kyiv", "occurred_at": "2025-10-10T02:30:00Z", \#(src)}"#)
        #expect(first["strike"]["version"].int == 1)
        let id = try #require(first["strike"]["id"].int)
        // Matched, nothing to fill, no figures: nothing changes.
        let same = ledger.reporter.post("/v1/reports", #"{"city": "Kyiv", "occurred_at": "2025-10-10T02:40:00Z", \#(src)}"#)
        #expect(same["matched"].bool == true)
        #expect(same["strike"]["version"].int == 1)
        // Fills a field: one bump.
        let fill = ledger.reporter.post("/v1/reports", #"{"city": "Kyiv", "occurred_at": "2025-10-10T02:40:00Z", "description": "Drones", \#(src)}"#)
        #expect(fill["strike"]["version"].int == 2)
        #expect(fill["strike"]["description"].string == "Drones")
        #expect(ledger.anonymous.get("/v1/strikes/\(id)").etag == "\"v2\"")
        // Fills a field and adds a revision: still one bump.
        let both = ledger.reporter.post("/v1/reports",
                                        #"{"strike_id": \#(id), "damage": "Windows", "killed": 2, "reported_at": "2025-10-10T04:00:00Z", \#(src)}"#)
        #expect(both.status == 201, "\(both.text)")
        #expect(both["strike"]["version"].int == 3)
        #expect(both["strike"]["damage"].string == "Windows")
        #expect(both["revision"]["strike_id"].int == id)
        // What a report cannot do: state figures on POST /v1/strikes.
        let figures = expectProblem(ledger.reporter.post("/v1/strikes", #"{"city": "Kyiv", "occurred_at": "2025-10-10T02:30:00Z", "killed": 3}"#), 422)
        #expect(figures["errors"][0]["field"].string == "killed")
        // A report to a merged strike goes to the strike it was merged into.
        let other = ledger.strike(at: "2025-10-11T02:30:00Z")
        #expect(ledger.editor.post("/v1/strikes/\(other)/merge", #"{"into": \#(id)}"#).status == 200)
        let viaMerged = ledger.reporter.post("/v1/reports", #"{"strike_id": \#(other), "killed": 5, "reported_at": "2025-10-10T05:00:00Z", \#(src)}"#)
        #expect(viaMerged["strike"]["id"].int == id)
        #expect(viaMerged["strike"]["toll"]["killed"].int == 5)
        // A merged strike no longer matches reports.
        let near = ledger.reporter.post("/v1/reports", #"{"city": "Kyiv", "occurred_at": "2025-10-11T02:30:00Z", \#(src)}"#)
        #expect(near["matched"].bool == false)
    }

    @Test func queryParametersAreStrict() throws {
        let ledger = try Ledger()
        expectProblem(ledger.anonymous.get("/v1/strikes?city=Kyiv&city=Odesa"), 400)
        expectProblem(ledger.anonymous.get("/v1/strikes?limit=%zz"), 400)
        expectProblem(ledger.anonymous.get("/v1/strikes?limit=+5"), 400)
        expectProblem(ledger.anonymous.get("/v1/strikes?date=2025-02-29"), 400)
        expectProblem(ledger.anonymous.get("/v1/cities?limit=0"), 400)
        expectProblem(ledger.anonymous.get("/v1/sources?limit=abc"), 400)
        expectProblem(ledger.anonymous.get("/v1/cities/1?q=x"), 400)
        #expect(ledger.anonymous.get("/v1/sources?q=a%00b")["items"].array.isEmpty, "no name holds U+0000")
        #expect(ledger.anonymous.get("/v1/casualties?city=Ky%00iv").status == 422, "no city is named with U+0000")
        #expect(ledger.anonymous.get("/v1/strikes?%63ity=Kyiv").status == 200, "names are percent-decoded")
        #expect(ledger.anonymous.get("/v1/casualties?city=K%C3%BDiv").status == 200, "diacritics are ignored: Ký­iv")
        #expect(ledger.anonymous.get("/v1/casualties?city=Kyiv&date=2024-02-29").status == 200)
        let apostrophe = ledger.anonymous.get("/v1/casualties?city=Kryvyi%20Rih")
        #expect(apostrophe.status == 200)
    }

    @Test func aWriteWithAQueryParameterIsRefusedAndWritesNothing() throws {
        let ledger = try Ledger()
        let report = #"{"city": "Kyiv", "occurred_at": "2025-10-10T02:30:00Z", "source": {"name": "Mayor", "kind": "official"}, "killed": 3}"#
        let refused = ledger.reporter.post("/v1/reports?dry_run=1", report)
        expectProblem(refused, 400)
        #expect(refused.text.contains("dry_run"))
        #expect(ledger.anonymous.get("/v1/strikes")["items"].array.isEmpty, "nothing was written")
        #expect(ledger.reporter.post("/v1/reports?", report).status == 201, "an empty query is no parameter")
    }

    @Test func feedFiltersOnAMergedStrikeInConditionalPolls() throws {
        let ledger = try Ledger()
        let (a, _, c) = ChangesTests.history(ledger)
        #expect(ledger.anonymous.get("/v1/changes?since=5&strike_id=\(c)", headers: ["If-None-Match": "\"5\""]).status == 200)
        #expect(ledger.anonymous.get("/v1/changes?since=6&strike_id=\(c)", headers: ["If-None-Match": "\"6\""]).status == 304)
        #expect(ledger.anonymous.get("/v1/changes?since=4&strike_id=\(a)", headers: ["If-None-Match": "\"4\""])["items"]
            .array.compactMap { $0["seq"].int } == [6])
    }

    @Test func aRestartedServiceAnswersTheSameFeed() throws {
        let ledger = try Ledger()
        _ = ChangesTests.history(ledger)
        let path = ledger.directory.appendingPathComponent("test.sqlite").path
        let clock = ledger.clock
        let store = try SQLiteStore(path: path, clock: { clock.now })
        let service = LedgerService(store: store)
        let client = APIClient(service: service, key: nil)
        let all = client.get("/v1/changes")
        #expect(all["items"].count == 6)
        #expect(all.body == ledger.anonymous.get("/v1/changes").body)
        #expect(client.get("/v1/changes?since=6", headers: ["If-None-Match": "\"6\""]).status == 304)
        // Filtered, with nothing for the filter after since: 304 as before the restart.
        let before = ledger.anonymous.get("/v1/changes?since=0&city=Lviv", headers: ["If-None-Match": "\"0\""])
        let after = client.get("/v1/changes?since=0&city=Lviv", headers: ["If-None-Match": "\"0\""])
        #expect(before.status == 304)
        #expect(after.status == before.status, "\(after.text)")
        #expect(after.etag == before.etag)
        // Keys survive: the hash is stored.
        let write = APIClient(service: service, key: ledger.reporterKey).post("/v1/sources", #"{"name": "x", "kind": "media"}"#)
        #expect(write.status == 201)
        // So do kept answers.
        let body = #"{"name": "kept", "kind": "media"}"#
        let first = ledger.reporter.post("/v1/sources", body, headers: ["Idempotency-Key": "k"])
        let replay = APIClient(service: service, key: ledger.reporterKey).post("/v1/sources", body, headers: ["Idempotency-Key": "k"])
        #expect(first.status == 201)
        #expect(replay.status == 201)
        #expect(replay.body == first.body)
        #expect(replay.location == first.location)
    }
}

@Suite("Order of checks with private reads")
struct PrivateOrderTests {
    @Test func routeAndMethodComeBeforeTheKey() throws {
        let ledger = try Ledger { $0.privateReads = true }
        expectProblem(ledger.anonymous.get("/v1/nothing"), 404)
        let r = ledger.anonymous.send(.delete, "/v1/strikes")
        expectProblem(r, 405)
        #expect(r.header("Allow") == "GET, HEAD, POST")
        expectProblem(ledger.anonymous.get("/v1/strikes/999"), 401, "the key before the id")
        expectProblem(ledger.reporter.get("/v1/strikes/999"), 404)
        expectProblem(ledger.anonymous.get("/v1/strikes?limit=0"), 401, "the key before the query")
        #expect(ledger.reporter.get("/v1/casualties?city=Kyiv&date=2025-10-10&from=&to=").status == 200)
        #expect(ledger.reporter.get("/v1/casualties?city=Kyiv&as_of=2025-10-10T05:00:00.999Z")["as_of"].string == "2025-10-10T05:00:00Z")
    }
}

@Suite("Text round trips")
struct TextTests {
    @Test func anyTextComesBackAsSent() throws {
        let ledger = try Ledger()
        let text = "Quote \" backslash \\ slash / newline \n tab \t control \u{01} \u{1F} del \u{7F} line sep \u{2028} emoji 🚀 Київ"
        let json = try JSONSerialization.data(withJSONObject: ["city": "Kyiv", "occurred_at": "2025-10-10T02:30:00Z",
                                                               "description": text], options: [])
        let r = ledger.reporter.post("/v1/strikes", String(decoding: json, as: UTF8.self))
        #expect(r.status == 201, "\(r.text)")
        #expect(r["description"].string == text)
        let id = try #require(r["id"].int)
        #expect(ledger.anonymous.get("/v1/strikes/\(id)")["description"].string == text)
        // Surrounding whitespace is trimmed; inner kept.
        let p = ledger.editor.patch("/v1/strikes/\(id)", #"{"damage": "  two  words \n"}"#)
        #expect(p["damage"].string == "two  words")
    }
}
