import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Glibc
import HTTPTypes
import Synchronization
import Testing
@testable import SocketHTTP

/// Against a live server on an ephemeral loopback port. Serialized: the thread-count
/// and connection-count checks must not see other tests' servers.
@Suite(.serialized) struct HTTPServerTests {
    // MARK: - Basics

    @Test func urlSessionGetAndPost() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let session = URLSession(configuration: .ephemeral)
        let (data, response) = try await session.data(from: URL(string: "http://127.0.0.1:\(server.port)/hello")!)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self) == "hello")
        #expect(http.value(forHTTPHeaderField: "Date") != nil)
        #expect(http.value(forHTTPHeaderField: "Content-Length") == "5")

        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/echo?x=1")!)
        request.httpMethod = "POST"
        request.httpBody = Data("posted body".utf8)
        let (echoed, echoResponse) = try await session.data(for: request)
        #expect(String(decoding: echoed, as: UTF8.self) == "posted body")
        #expect((echoResponse as? HTTPURLResponse)?.value(forHTTPHeaderField: "X-Query") == "x=1")
        session.invalidateAndCancel()
    }

    @Test func inlineAndWorkerAnswersWithDateAndLength() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /inline HTTP/1.1\r\nHost: a\r\n\r\n")
        let inline = try client.readResponse()
        #expect(inline.status == 200 && inline.text == "inline")
        #expect(inline.header("Content-Length") == "6")
        let date = try #require(inline.header("Date"))
        // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
        #expect(date.count == 29 && date.hasSuffix(" GMT") && date.dropFirst(3).hasPrefix(", "))
        try client.send("GET /not-modified HTTP/1.1\r\nHost: a\r\n\r\n")
        let notModified = try client.readResponse()
        #expect(notModified.status == 304 && notModified.header("Content-Length") == nil && notModified.header("ETag") == "\"1\"")
        try client.send("GET /no-content HTTP/1.1\r\nHost: a\r\n\r\n")
        let noContent = try client.readResponse()
        #expect(noContent.status == 204 && noContent.header("Content-Length") == nil)
        try client.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n")
        let echo = try client.readResponse()
        #expect(echo.status == 200 && echo.header("X-Remote")?.hasPrefix("127.0.0.1:") == true)
    }

    @Test func keepAliveReusesOneConnection() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        for i in 0..<5 {
            try client.send("GET /echo?i=\(i) HTTP/1.1\r\nHost: a\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200 && response.header("X-Query") == "i=\(i)")
            #expect(response.header("Connection") == nil)
        }
        #expect(server.server.openConnections == 1)
        try client.send("GET /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(try client.readResponse().header("Connection") == "close")
        #expect(client.isClosedByPeer())
    }

    @Test func pipelinedRequestsAnsweredInOrder() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /slow?ms=100 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /echo?n=2 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
            + "GET /inline HTTP/1.1\r\nHost: a\r\n\r\n"
            + "HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n"
            + "GET /echo?n=5 HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().text == "slow")
        let second = try client.readResponse()
        #expect(second.text == "hello" && second.header("X-Query") == "n=2")
        #expect(try client.readResponse().text == "inline")
        let head = try client.readResponse(bodiless: true)
        #expect(head.header("Content-Length") == "5")
        #expect(try client.readResponse().header("X-Query") == "n=5")
    }

    @Test func http10ClosesUnlessKeepAlive() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let kept = try client.readResponse()
        #expect(kept.status == 200 && kept.header("Connection") == "keep-alive")
        try client.send("GET /hello HTTP/1.0\r\n\r\n")
        let closing = try client.readResponse()
        #expect(closing.text == "hello" && closing.header("Connection") == "close")
        #expect(client.isClosedByPeer())
    }

    @Test func headHasLengthButNoBody() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send("HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n")
        let head = try client.readResponse(bodiless: true)
        #expect(head.status == 200 && head.header("Content-Length") == "5")
        // The next answer starts right after the head: no body bytes were sent.
        try client.send("GET /inline HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().text == "inline")
    }

    @Test func targetFormsAndUnknownMethods() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET http://example.com:8080/p?q=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n")
        let absolute = try client.readResponse()
        #expect(absolute.header("X-Path") == "/p?q=1" && absolute.header("X-Authority") == "example.com:8080")
        try client.send("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")
        let options = try client.readResponse()
        #expect(options.status == 405 && options.header("X-Path") == nil)
        try client.send("BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().status == 405)
    }

    @Test func chunkedRequestBody() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n")
        usleep(20_000)
        try client.send("5\r\npedia\r\n0\r\nX-Trailer: yes\r\n\r\nGET /inline HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().text == "Wikipedia")
        #expect(try client.readResponse().text == "inline")
    }

    @Test func ipv6Loopback() throws {
        let server = try TestServer { $0.host = "::1" }
        defer { server.stop() }
        let client = try RawClient(port: server.port, host: "::1")
        try client.send("GET /echo HTTP/1.1\r\nHost: [::1]\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200 && response.header("X-Remote")?.hasPrefix("[::1]:") == true)
    }

    @Test func anyAddressIPv4() throws {
        let server = try TestServer { $0.host = "0.0.0.0" }
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /inline HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().text == "inline")
    }

    @Test func requestPathAndQuery() {
        let withQuery = Request(head: HTTPRequest(method: .get, scheme: nil, authority: "a", path: "/v1/x%20y?city=Kyiv&date="), body: [])
        #expect(withQuery.path == "/v1/x%20y" && withQuery.query == "city=Kyiv&date=")
        let plain = Request(head: HTTPRequest(method: .get, scheme: nil, authority: "a", path: "/healthz"), body: [])
        #expect(plain.path == "/healthz" && plain.query == "")
    }

    // MARK: - Refusals: exactly one answer, then close

    static let refusals: [(String, String, Int)] = [
        ("CL and TE", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("differing CL", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
        ("CL list", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello!", 400),
        ("CL not digits", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5x\r\n\r\nhello", 400),
        ("CL overflow", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 184467440737095516160\r\n\r\n", 400),
        ("TE last not chunked", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
        ("TE gzip chunked", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
        ("bad chunk size", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
        ("chunk without CRLF", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloGET /inline HTTP/1.1\r\n\r\n", 400),
        ("bare LF", "GET /echo HTTP/1.1\nHost: a\n\n", 400),
        ("bare CR", "GET /echo HTTP/1.1\r\nHost: a\rX: y\r\n\r\n", 400),
        ("space before colon", "GET /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", 400),
        ("space in name", "GET /echo HTTP/1.1\r\nHost: a\r\nX Y: z\r\n\r\n", 400),
        ("NUL in value", "GET /echo HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n", 400),
        ("control in value", "GET /echo HTTP/1.1\r\nHost: a\r\nX: a\u{1}b\r\n\r\n", 400),
        ("obs-fold", "GET /echo HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", 400),
        ("no Host", "GET /echo HTTP/1.1\r\n\r\n", 400),
        ("two Hosts", "GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("two spaces", "GET  /echo HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("missing version", "GET /echo\r\nHost: a\r\n\r\n", 400),
        ("lowercase version", "GET /echo http/1.1\r\nHost: a\r\n\r\n", 400),
        ("HTTP/1.2", "GET /echo HTTP/1.2\r\nHost: a\r\n\r\n", 505),
        ("HTTP/2.0", "GET /echo HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        ("HTTP/3.0", "GET /echo HTTP/3.0\r\nHost: a\r\n\r\n", 505),
        ("non-ASCII target", "GET /caf\u{e9} HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("control in target", "GET /a\u{7f} HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("authority form", "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n", 400),
        ("asterisk for GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("TE in HTTP/1.0", "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ]

    @Test(arguments: Self.refusals)
    func refusedWithOneAnswerThenClose(_ name: String, _ request: String, _ status: Int) throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        // A valid request follows the bad one: it must never be answered.
        try client.send(request + "GET /inline HTTP/1.1\r\nHost: a\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == status, "\(name)")
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(response.header("Connection") == "close")
        let problem = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        #expect(problem?["status"] as? Int == status && problem?["type"] as? String == "about:blank")
        #expect(try client.readToEnd().isEmpty, "\(name): bytes after the refusal")
    }

    // MARK: - Limits

    @Test func limitsGiveTheirStatus() throws {
        let server = try TestServer {
            $0.maxRequestLineBytes = 64
            $0.maxHeaderBytes = 256
            $0.maxHeaderCount = 5
            $0.maxBodyBytes = 100
        }
        defer { server.stop() }
        func refusal(_ request: String) throws -> Int {
            let client = try server.client()
            try client.send(request)
            let status = try client.readResponse().status
            #expect(try client.readToEnd().isEmpty)
            return status
        }
        #expect(try refusal("GET /\(String(repeating: "a", count: 100)) HTTP/1.1\r\nHost: a\r\n\r\n") == 414)
        #expect(try refusal("GET / HTTP/1.1\r\nHost: a\r\nX: \(String(repeating: "b", count: 300))\r\n\r\n") == 431)
        #expect(try refusal("GET / HTTP/1.1\r\nHost: a\r\n" + (1...6).map { "X\($0): y\r\n" }.joined() + "\r\n") == 431)
        #expect(try refusal("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n\(String(repeating: "c", count: 100))\r\n1\r\nd\r\n0\r\n\r\n") == 413)
        // 413 from Content-Length alone, before (and without) reading the body.
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n")
        #expect(try client.readResponse().status == 413)
        #expect(client.isClosedByPeer())
        // Exactly at the limit is fine.
        let ok = try server.client()
        try ok.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n\(String(repeating: "e", count: 100))")
        #expect(try ok.readResponse().body.count == 100)
    }

    @Test func expectContinueWithChunkedBody() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(try client.readResponse().status == 100)
        try client.send("3\r\nabc\r\n0\r\n\r\n")
        #expect(try client.readResponse().text == "abc")
    }

    @Test func expectContinue() throws {
        let server = try TestServer { $0.maxBodyBytes = 1000 }
        defer { server.stop() }
        let client = try server.client()
        try client.send("PUT /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        try client.send("body")
        let final = try client.readResponse()
        #expect(final.status == 200 && final.text == "body")
        // Refused first: no 100.
        let refused = try server.client()
        try refused.send("PUT /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
        #expect(try refused.readResponse().status == 413)
    }

    // MARK: - Timeouts

    @Test func headerTimeoutAnswers408() throws {
        let server = try TestServer { $0.headerTimeout = .milliseconds(300) }
        defer { server.stop() }
        let partial = try server.client()
        try partial.send("GET /echo HTTP/1.1\r\nHost: a\r\n")
        let response = try partial.readResponse()
        #expect(response.status == 408)
        #expect(try partial.readToEnd().isEmpty)
        // A connection that sends nothing is closed without an answer.
        let silent = try server.client()
        #expect(try silent.readToEnd().isEmpty)
        #expect(eventually { server.server.openConnections == 0 })
    }

    @Test func idleKeepAliveConnectionIsClosed() throws {
        let server = try TestServer { $0.keepAliveIdleTimeout = .milliseconds(300) }
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /inline HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        let started = Date()
        #expect(try client.readToEnd().isEmpty)
        #expect(Date().timeIntervalSince(started) < 4)
    }

    @Test func stalledWriteIsClosed() throws {
        let server = try TestServer { $0.writeTimeout = .milliseconds(300) }
        defer { server.stop() }
        let client = try RawClient(port: server.port, receiveBufferSize: 4096)
        try client.send("GET /big?n=16000000 HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(eventually { server.server.openConnections == 1 })
        // The client never reads; the server gives up on the write.
        #expect(eventually(5) { server.server.openConnections == 0 })
        // A reader gets the whole body.
        let reader = try server.client()
        try reader.send("GET /big?n=3000000 HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try reader.readResponse().body.count == 3_000_000)
    }

    // MARK: - Deferred responses

    @Test func deferredCompletedFromAnotherThread() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /deferred?id=a&complete-after=50 HTTP/1.1\r\nHost: a\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200 && response.text == "completed")
        #expect(eventually { server.state.finishCount("a") == 1 })
        #expect(server.state.deferred("a")?.complete(TestHandler.text("late")) == false)
        // The connection stays usable.
        try client.send("GET /inline HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().text == "inline")
        #expect(server.state.finishCount("a") == 1)
    }

    @Test func deferredCompletedBeforeTheHandlerReturns() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /deferred?id=e&complete-after=0 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "GET /deferred?id=f&complete-after=0 HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().text == "completed")
        #expect(try client.readResponse().text == "completed")
        #expect(eventually { server.state.finishCount("e") == 1 && server.state.finishCount("f") == 1 })
    }

    @Test func deferredTimesOutWithFallback() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /deferred?id=b&timeout=200 HTTP/1.1\r\nHost: a\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 504 && response.text == "fallback")
        #expect(server.state.deferred("b")?.complete(TestHandler.text("late")) == false)
        #expect(server.state.finishCount("b") == 1)
    }

    @Test func deferredClientGoneFinishesOnce() throws {
        let server = try TestServer()
        defer { server.stop() }
        do {
            let client = try server.client()
            try client.send("GET /deferred?id=c HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(eventually { server.state.deferred("c") != nil })
            usleep(50_000)
        }
        #expect(eventually { server.state.finishCount("c") == 1 })
        #expect(server.state.deferred("c")?.complete(TestHandler.text("late")) == false)
        #expect(server.state.finishCount("c") == 1)
    }

    // MARK: - Streams

    @Test func streamWritesChunksThenKeepsAlive() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /stream?id=s1&auto HTTP/1.1\r\nHost: a\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.header("Transfer-Encoding") == "chunked" && response.header("Content-Length") == nil)
        #expect(response.text == "alpha beta gamma")
        #expect(eventually { server.state.finishCount("s1") == 1 })
        try client.send("GET /inline HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().text == "inline")
    }

    @Test func aBlockingStreamIsSentWholeToAClientThatReadsAsFastAsItCan() throws {
        // The writer is far ahead of a 64 KiB limit, so the pump keeps holding back until the
        // output has gone out; the loop must pump again then (it once waited for a wake-up
        // that never came, and a big export stalled midway).
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        for round in 0..<3 {
            try client.send("GET /download?chunks=400&size=49152&max=65536 HTTP/1.1\r\nHost: a\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.body.count == 400 * 49152, "round \(round)")
            #expect(response.body.count < 49152 * 400 || response.body[49152 * 399] == UInt8(399 % 251))
        }
    }

    @Test func streamToHTTP10IsDelimitedByClose() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /stream?id=s10&auto HTTP/1.0\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.header("Transfer-Encoding") == nil && response.header("Connection") == "close")
        #expect(response.text == "alpha beta gamma")
        #expect(eventually { server.state.finishCount("s10") == 1 })
    }

    @Test func headOfAStreamSendsNoBody() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send("HEAD /stream?id=s11 HTTP/1.1\r\nHost: a\r\n\r\n")
        let head = try client.readResponse(bodiless: true)
        #expect(head.status == 200)
        #expect(eventually { server.state.finishCount("s11") == 1 })
        try client.send("GET /inline HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try client.readResponse().text == "inline")
    }

    @Test func streamSendsHeartbeatsWhenIdle() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /stream?id=s2&heartbeat=100 HTTP/1.1\r\nHost: a\r\n\r\n")
        let head = try client.readHead()
        #expect(head.status == 200)
        #expect(try client.readChunk() == Array(": hb\n\n".utf8))
        #expect(try client.readChunk() == Array(": hb\n\n".utf8))
        let stream = try #require(server.state.stream("s2"))
        #expect(stream.write(Array("data: x\n\n".utf8)))
        var chunk = try client.readChunk()
        while chunk == Array(": hb\n\n".utf8) { chunk = try client.readChunk() }
        #expect(chunk == Array("data: x\n\n".utf8))
        stream.finish()
        #expect(stream.write([1]) == false)
        while try client.readChunk() != nil {}
        #expect(eventually { server.state.finishCount("s2") == 1 })
    }

    @Test func aSlowReaderGetsTheStreamEndedAtAChunkBoundaryWithItsNote() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port, receiveTimeout: 20, receiveBufferSize: 4096)
        try client.send("GET /stream?id=s3&max=65536&note HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(eventually { server.state.stream("s3") != nil })
        let stream = try #require(server.state.stream("s3"))
        // Numbered events of 16 KiB each. The client reads nothing for now: the server
        // gives up once 64 KiB wait unsent.
        func event(_ n: Int) -> [UInt8] {
            let head = Array("id: \(n)\ndata: ".utf8)
            return head + [UInt8](repeating: UInt8(ascii: "x"), count: 16384 - head.count - 2) + Array("\n\n".utf8)
        }
        var written = 0
        while stream.write(event(written)) && written < 20_000 {
            written += 1
            if written % 16 == 0 { usleep(1_000) }
        }
        #expect(written < 20_000)
        #expect(stream.isFinished)
        #expect(eventually { server.state.finishCount("s3") == 1 })
        #expect(stream.endedTooSlow)
        #expect(server.server.openConnections == 1, "the connection waits for the client to read the end")

        // Now the client reads everything: whole events in order, the note, the last chunk.
        let head = try client.readHead()
        #expect(head.status == 200 && head.header("Transfer-Encoding") == "chunked")
        var chunks: [[UInt8]] = []
        while let chunk = try client.readChunk() { chunks.append(chunk) }
        let last = chunks.popLast()
        let note = try #require(last)
        #expect(String(decoding: note, as: UTF8.self) == TestHandler.slowNote)
        #expect(!chunks.isEmpty && chunks.count <= written)
        for (n, chunk) in chunks.enumerated() { #expect(chunk == event(n), "event \(n) whole and in order") }
        #expect(client.isClosedByPeer())
        #expect(eventually { server.server.openConnections == 0 })
    }

    @Test func theEndOfASlowStreamIsTheNoteThenTheTerminatingChunk() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port, receiveTimeout: 20, receiveBufferSize: 4096)
        try client.send("GET /stream?id=s4&max=65536&note HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(eventually { server.state.stream("s4") != nil })
        let stream = try #require(server.state.stream("s4"))
        let chunk = Array((String(repeating: "y", count: 8190) + "\n\n").utf8)
        var writes = 0
        while stream.write(chunk) && writes < 40_000 {
            writes += 1
            if writes % 16 == 0 { usleep(1_000) }
        }
        #expect(eventually { server.state.finishCount("s4") == 1 })
        // The raw bytes, as curl would see them: the note's chunk, then 0 CRLF CRLF.
        let bytes = try client.readToEnd()
        let tail = Array(String(format: "%x", TestHandler.slowNote.utf8.count).utf8) + Array("\r\n\(TestHandler.slowNote)\r\n0\r\n\r\n".utf8)
        #expect(Array(bytes.suffix(tail.count)) == tail)
    }

    // MARK: - Capacity

    @Test func connectionCapAnswers503() throws {
        let server = try TestServer { $0.maxConnections = 2 }
        defer { server.stop() }
        let first = try server.client(), second = try server.client()
        for client in [first, second] {
            try client.send("GET /inline HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try client.readResponse().status == 200)
        }
        let third = try server.client()
        let refused = try third.readResponse()
        #expect(refused.status == 503 && refused.header("Retry-After") != nil)
        #expect(third.isClosedByPeer())
        try first.send("GET /inline HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try first.readResponse().status == 200)
    }

    @Test func fullWorkerQueueAnswers503() throws {
        let server = try TestServer {
            $0.workerThreads = 1
            $0.maxQueuedRequests = 1
            $0.eventLoopThreads = 1
        }
        defer {
            server.state.gateOpen.store(true, ordering: .relaxed)
            server.stop()
        }
        let busy = try server.client(), queued = try server.client(), refused = try server.client()
        try busy.send("GET /block HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(eventually { server.state.blockedHandlers.load(ordering: .relaxed) == 1 })
        try queued.send("GET /block HTTP/1.1\r\nHost: a\r\n\r\n")
        usleep(100_000)
        try refused.send("GET /block HTTP/1.1\r\nHost: a\r\n\r\n")
        let response = try refused.readResponse()
        #expect(response.status == 503 && response.header("Retry-After") != nil)
        server.state.gateOpen.store(true, ordering: .relaxed)
        #expect(try busy.readResponse().text == "unblocked")
        #expect(try queued.readResponse().text == "unblocked")
    }

    @Test func fiveThousandIdleConnectionsWithBoundedThreads() throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        try #require(limit.rlim_cur >= 10_500, "needs 10,500 descriptors")

        func threadCount() -> Int {
            (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
        }
        let server = try TestServer()
        defer { server.stop() }
        let before = threadCount()
        var clients: [RawClient] = []
        clients.reserveCapacity(5000)
        for _ in 0..<5000 { clients.append(try server.client()) }
        #expect(eventually(10) { server.server.openConnections == 5000 })
        #expect(threadCount() <= before + 2)
        // They are all alive: a few of them get answers.
        for client in clients.prefix(3) + clients.suffix(3) {
            try client.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try client.readResponse().status == 200)
        }
        clients.removeAll()
        #expect(eventually(10) { server.server.openConnections == 0 })
    }

    // MARK: - Shutdown

    @Test func gracefulShutdownFinishesInFlightWork() throws {
        let server = try TestServer()
        let slow = try server.client()
        try slow.send("GET /slow?ms=400 HTTP/1.1\r\nHost: a\r\n\r\n")
        let parked = try server.client()
        try parked.send("GET /deferred?id=g HTTP/1.1\r\nHost: a\r\n\r\n")
        let streaming = try server.client()
        try streaming.send("GET /stream?id=g2 HTTP/1.1\r\nHost: a\r\n\r\n")
        let idle = try server.client()
        #expect(eventually { server.state.deferred("g") != nil && server.state.stream("g2") != nil })
        usleep(50_000)
        let port = server.port
        let done = Atomic<Bool>(false)
        Thread.detachNewThread {
            server.stop()
            done.store(true, ordering: .relaxed)
        }
        let answer = try slow.readResponse()
        #expect(answer.text == "slow" && answer.header("Connection") == "close")
        let fallback = try parked.readResponse()
        #expect(fallback.status == 504 && fallback.text == "fallback")
        let stream = try streaming.readResponse()
        #expect(stream.status == 200 && stream.body.isEmpty)
        #expect(try idle.readToEnd().isEmpty)
        #expect(eventually(5) { done.load(ordering: .relaxed) })
        #expect(server.state.finishCount("g") == 1 && server.state.finishCount("g2") == 1)
        #expect(throws: (any Error).self) { try RawClient(port: port) }
        server.stop()  // again: harmless
    }

    @Test func runUntilSignalledReturnsAfterShutdown() throws {
        let server = try TestServer()
        let returned = Atomic<Bool>(false)
        Thread.detachNewThread {
            server.server.runUntilSignalled()
            returned.store(true, ordering: .relaxed)
        }
        usleep(50_000)
        let early = returned.load(ordering: .relaxed)
        #expect(!early)
        server.stop()
        #expect(eventually { returned.load(ordering: .relaxed) })
    }

    @Test func startFailsWhenThePortIsTaken() throws {
        let first = try TestServer()
        defer { first.stop() }
        var configuration = ServerConfiguration()
        configuration.port = first.port
        let second = HTTPServer(configuration: configuration, handler: TestHandler(state: TestState()))
        #expect(throws: SocketError.self) { try second.start() }
    }
}
