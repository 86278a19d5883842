import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// API.md's conventions over a real socket: conditional GETs, gzip, CORS.
@Suite("HTTP conventions")
struct HTTPConventionsTests {
    let fixture = Shared.fixture

    private func client() -> HTTPClient { fixture.server.client() }

    private func newStrike(city: String, at: String) throws -> Int {
        let r = try client().post("/v1/strikes", key: fixture.reporter, #"{"city": "\#(city)", "occurred_at": "\#(at)"}"#)
        #expect(r.status == 201, "\(r.text)")
        return try #require(r.object["id"] as? Int)
    }

    @discardableResult
    private func revise(_ strike: Int, killed: Int) throws -> Int {
        let r = try client().post("/v1/strikes/\(strike)/revisions", key: fixture.reporter,
                                  #"{"killed": \#(killed), "source": {"name": "Regional administration", "kind": "official"}}"#)
        #expect(r.status == 201, "\(r.text)")
        return try #require((r.object["revision"] as? [String: Any])?["seq"] as? Int)
    }

    @Test("a strike, casualties and the feed each answer 304 to their own ETag, by GET and HEAD")
    func conditionalGETs() throws {
        let strike = try newStrike(city: "Rivne", at: "2013-05-01T01:00:00Z")
        try revise(strike, killed: 1)
        let last = try revise(strike, killed: 2)
        for path in ["/v1/strikes/\(strike)", "/v1/casualties?city=Rivne&date=2013-05-01", "/v1/changes?since=0&strike_id=\(strike)"] {
            let full = try client().get(path)
            let tag = try #require(full.header("ETag"), "\(path)")
            for method in ["GET", "HEAD"] {
                let same = try client().request(method, path, headers: [("If-None-Match", tag)])
                #expect(same.status == 304, "\(method) \(path)")
                #expect(same.header("ETag") == tag && same.header("Content-Length") == nil && same.body.isEmpty)
            }
        }
        #expect(try client().get("/v1/changes?since=0&strike_id=\(strike)").header("ETag") == "\"\(last)\"")
    }

    @Test("a woken long-poll whose answer carries a tag the client named gets 304")
    func longPollWokenInto304() throws {
        let strike = try newStrike(city: "Rivne", at: "2013-06-01T01:00:00Z")
        let head = try #require(client().get("/v1/changes?strike_id=\(strike)").object["next_since"] as? Int)
        let answered = Mutex<HTTPClient.Answer?>(nil)
        // The client names both its cursor and the seq it expects next: whichever answer
        // comes carries one of them.
        let poller = Thread { [client = client()] in
            let a = try? client.get("/v1/changes?strike_id=\(strike)&since=\(head)&wait=20",
                                    headers: [("If-None-Match", "\"\(head)\", \"\(head + 1)\"")])
            answered.withLock { $0 = a }
        }
        poller.start()
        Thread.sleep(forTimeInterval: 0.3)
        #expect(answered.withLock { $0 } == nil, "held while nothing is new")
        let seq = try revise(strike, killed: 3)
        let deadline = Date().addingTimeInterval(15)
        while answered.withLock({ $0 }) == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let answer = try #require(answered.withLock { $0 })
        if seq == head + 1 {
            #expect(answer.status == 304 && answer.header("ETag") == "\"\(seq)\"")
        } else {
            #expect(answer.status == 200, "another writer took seq \(head + 1)")
        }
    }

    @Test("large answers are gzipped for clients that accept it, with the weak ETag, and decompress to the plain body")
    func gzip() throws {
        for minute in 0..<12 {
            let strike = try newStrike(city: "Vinnytsia", at: "2012-07-01T01:\(10 + minute):00Z")
            try revise(strike, killed: minute)
        }
        let path = "/v1/casualties?city=Vinnytsia&date=2012-07-01"
        let plain = try client().get(path)
        #expect(plain.body.count > 1024)
        #expect(plain.header("Content-Encoding") == nil && plain.header("Vary") == "Accept-Encoding")
        let tag = try #require(plain.header("ETag"))
        let gzipped = try client().get(path, headers: [("Accept-Encoding", "gzip, deflate, br")])
        #expect(gzipped.header("Content-Encoding") == "gzip" && gzipped.header("Vary") == "Accept-Encoding")
        #expect(gzipped.header("ETag") == "W/" + tag)
        #expect(gunzip(gzipped.body) == plain.body)
        #expect(try client().get(path, headers: [("Accept-Encoding", "gzip")]).body == gzipped.body)
        #expect(try client().get(path, headers: [("Accept-Encoding", "gzip;q=0, identity")]).body == plain.body)
        // Either form of the tag revalidates; the 304 carries the form the 200 would.
        for condition in [tag, "W/" + tag] {
            let same = try client().get(path, headers: [("Accept-Encoding", "gzip"), ("If-None-Match", condition)])
            #expect(same.status == 304 && same.header("ETag") == "W/" + tag && same.header("Vary") == "Accept-Encoding")
            #expect(try client().get(path, headers: [("If-None-Match", condition)]).header("ETag") == tag)
        }

        let document = try client().get("/openapi.json")
        let compressed = try client().get("/openapi.json", headers: [("Accept-Encoding", "gzip")])
        #expect(compressed.header("Content-Encoding") == "gzip" && gunzip(compressed.body) == document.body)
        #expect(compressed.body.count * 4 < document.body.count)
        let head = try client().request("HEAD", "/openapi.json", headers: [("Accept-Encoding", "gzip")])
        #expect(head.header("Content-Encoding") == "gzip" && head.header("Content-Length") == String(compressed.body.count))

        // A PATCH may name the version by the tag of a gzipped answer.
        let strike = try newStrike(city: "Vinnytsia", at: "2012-07-02T01:00:00Z")
        let patched = try client().request("PATCH", "/v1/strikes/\(strike)",
                                           headers: [("Authorization", "Bearer \(fixture.editor)"), ("If-Match", #"W/"v1""#)],
                                           body: #"{"description": "named by its weak tag"}"#)
        #expect(patched.status == 200 && patched.header("ETag") == #""v2""#)
    }

    @Test("--cors-origin: preflights, and CORS fields on reads, long-polls and the event stream")
    func cors() throws {
        let page = "https://news.example"
        let server = try ServerProcess(extraArguments: ["--cors-origin", page, "--cors-origin", "http://localhost:5173"])
        defer { server.stop() }
        let client = server.client()
        let preflight = try client.request("OPTIONS", "/v1/changes", headers: [
            ("Origin", page), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "if-none-match")])
        #expect(preflight.status == 204 && preflight.header("Access-Control-Allow-Origin") == page)
        #expect(preflight.header("Access-Control-Allow-Methods") == "GET, HEAD")
        #expect(preflight.header("Access-Control-Allow-Headers")?.contains("If-None-Match") == true)
        #expect(preflight.header("Access-Control-Max-Age") != nil && preflight.header("Date") != nil)

        let read = try client.get("/v1/changes?since=0", headers: [("Origin", page)])
        #expect(read.status == 200 && read.header("Access-Control-Allow-Origin") == page)
        #expect(read.header("Access-Control-Expose-Headers")?.contains("ETag") == true && read.header("Vary") == "Origin")
        let tag = try #require(read.header("ETag"))
        let held = try client.get("/v1/changes?since=0&wait=1", headers: [("Origin", page), ("If-None-Match", tag)])
        #expect(held.status == 304 && held.header("Access-Control-Allow-Origin") == page, "a long-poll that waited in vain")
        let other = try client.get("/v1/changes?since=0", headers: [("Origin", "https://elsewhere.example")])
        #expect(other.header("Access-Control-Allow-Origin") == nil && other.header("Vary") == "Origin")
        let refused = try client.request("OPTIONS", "/v1/changes", headers: [
            ("Origin", "https://elsewhere.example"), ("Access-Control-Request-Method", "GET")])
        #expect(refused.status == 405 && refused.header("Access-Control-Allow-Origin") == nil)

        // The event stream: read its head, then hang up.
        let socket = try Socket.connect(port: server.port, timeout: 5)
        defer { socket.close() }
        try socket.send(Array("GET /v1/changes/stream HTTP/1.1\r\nHost: a\r\nOrigin: \(page)\r\nAccept-Encoding: gzip\r\n\r\n".utf8))
        var bytes: [UInt8] = []
        while HTTPClient.find(bytes, [13, 10, 13, 10]) == nil { bytes += try socket.read() }
        let stream = try HTTPClient.parse(bytes, head: true)
        #expect(stream.status == 200 && stream.header("Content-Type") == "text/event-stream")
        #expect(stream.header("Access-Control-Allow-Origin") == page && stream.header("Content-Encoding") == nil)
    }

    @Test("STRIKELEDGER_CORS_ORIGIN sets the origins when the flag is not given; a malformed origin stops start-up")
    func corsFromTheEnvironment() throws {
        let server = try ServerProcess(environment: ["STRIKELEDGER_CORS_ORIGIN": "https://a.example, https://b.example"])
        defer { server.stop() }
        let b = try server.client().get("/healthz", headers: [("Origin", "https://b.example")])
        #expect(b.header("Access-Control-Allow-Origin") == "https://b.example")
        // On the running server's port: were the origin taken, the bind would fail, not hang.
        let bad = try ServerProcess.cli(["serve", "--db", server.database, "--port", String(server.port),
                                         "--cors-origin", "news.example/feed"])
        #expect(bad.status != 0 && bad.err.contains("--cors-origin"))
    }
}
