import Foundation
import Testing

/// A casualties answer with more strikes than the server builds whole is streamed: the
/// same bytes as when built whole, a strong ETag that 304s while nothing changed.
@Suite("Streamed casualties answers", .serialized)
struct StreamedCasualtiesTests {
    @Test("past --inline-casualty-strikes the answer is streamed, byte for byte the answer built whole")
    func streamedEqualsWhole() throws {
        var reporterKey = ""
        // This server streams every answer of more than 2 strikes.
        let streaming = try ServerProcess(extraArguments: ["--inline-casualty-strikes", "2"]) { db in
            let r = try ServerProcess.cli(["keys", "create", "--db", db, "--name", "streamer", "--role", "reporter"])
            guard r.status == 0 else { throw E2EError("keys create failed: \(r.err)") }
            reporterKey = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        defer { streaming.stop() }
        // This one, on the same database, builds every answer whole.
        let whole = try ServerProcess(database: streaming.database)
        defer { whole.stop(keepingDatabase: true) }
        let a = streaming.client(), b = whole.client()

        let cities = ["Kyiv", "Kharkiv", "Odesa", "Lviv"]
        for i in 0..<7 {
            let body = #"{"city":"\#(cities[i % 4])","occurred_at":"2025-10-\#(10 + i)T0\#(i):30:00Z","source":{"name":"Mayor \#(i)","kind":"official"},"killed":\#(i),"injured":\#(i % 3 == 0 ? "null" : String(i * 2)),"reported_at":"2025-10-\#(10 + i)T09:00:00Z"}"#
            let r = try a.post("/v1/reports", key: reporterKey, body)
            #expect(r.status == 201, "\(r.text)")
        }
        let queries = ["/v1/casualties?from=2025-10-01&to=2025-10-31&group_by=day",
                       "/v1/casualties?from=2025-10-11",
                       "/v1/casualties?to=2025-10-31T23:59:59Z&as_of=2030-01-01T00:00:00Z",
                       "/v1/casualties?city=Kyiv"]
        for q in queries {
            let streamed = try a.get(q), built = try b.get(q)
            #expect(streamed.status == 200 && built.status == 200, "\(q): \(streamed.text)")
            #expect(streamed.text == built.text, "\(q): the same bytes whichever way it is sent")
            #expect(streamed.header("Content-Type") == "application/json")
            #expect(streamed.header("ETag") != nil)
        }
        let year = queries[0]
        let streamed = try a.get(year)
        #expect(streamed.header("Transfer-Encoding") == "chunked", "7 strikes > 2: streamed")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(streamed.body)) as? [String: Any])
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(totals["strikes"] as? Int == 7)
        #expect(totals["killed"] as? Int == 21)
        #expect(totals["injured"] as? Int == 2 + 4 + 8 + 10)
        #expect((object["strikes"] as? [Any])?.count == 7)
        #expect((object["days"] as? [Any])?.count == 31)
        #expect(try a.get("/v1/casualties?city=Kyiv&date=2025-10-10").header("Transfer-Encoding") != "chunked",
                "one strike: built whole")

        // gzip for a client that takes it, compressed as it streams: the same bytes inside,
        // the weak form of the tag, 304 for either form.
        for path in [year, "/v1/export/strikes.csv", "/v1/export/strikes.geojson"] {
            let plain = try a.get(path)
            let zipped = try a.get(path, headers: [("Accept-Encoding", "gzip")])
            #expect(zipped.status == 200)
            #expect(zipped.header("Transfer-Encoding") == "chunked", "\(path) is streamed")
            #expect(zipped.header("Content-Encoding") == "gzip", "\(path)")
            #expect(zipped.header("Vary") == "Accept-Encoding")
            #expect(plain.header("Vary") == "Accept-Encoding")
            #expect(gunzip(zipped.body) == plain.body, "\(path): the same bytes once unzipped")
            let tag = try #require(plain.header("ETag"))
            #expect(zipped.header("ETag") == "W/" + tag)
            #expect(try a.get(path, headers: [("Accept-Encoding", "gzip"), ("If-None-Match", "W/" + tag)]).status == 304)
        }

        // A strong ETag: the same while nothing changed, 304 for it; a new one after a write.
        let etag = try #require(streamed.header("ETag"))
        #expect(!etag.hasPrefix("W/"))
        #expect(try a.get(year).header("ETag") == etag)
        let notModified = try a.get(year, headers: [("If-None-Match", etag)])
        #expect(notModified.status == 304)
        #expect(notModified.body.isEmpty)
        let r = try a.post("/v1/reports", key: reporterKey,
                           #"{"city":"Lviv","occurred_at":"2025-10-30T12:00:00Z","source":{"name":"Sadovyi","kind":"official"},"killed":1,"reported_at":"2025-10-30T13:00:00Z"}"#)
        #expect(r.status == 201)
        let after = try a.get(year, headers: [("If-None-Match", etag)])
        #expect(after.status == 200)
        #expect(after.header("ETag") != etag)
        // The other server notices the first one's commit within a second (data_version).
        var rebuilt = try b.get(year)
        for _ in 0..<30 where rebuilt.text != after.text {
            Thread.sleep(forTimeInterval: 0.1)
            rebuilt = try b.get(year)
        }
        #expect(after.text == rebuilt.text)
    }
}
