import HTTPTypes
import Testing
@testable import SocketHTTP

/// The output filters over a socket, for each way a handler answers.
extension HTTPServerTests {
    @Test func conditionalGETsGet304OnEveryPathOfAnswer() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        for (path, tag) in [("/tagged?n=300", "t300"), ("/inline-tagged?n=300", "t300"),
                            ("/deferred?id=c&complete-after=10&tagged=300", "t300")] {
            try client.send("GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
            let full = try client.readResponse()
            #expect(full.status == 200 && full.header("ETag") == "\"\(tag)\"", "\(path)")
            try client.send("GET \(path) HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"\(tag)\"\r\n\r\n")
            let same = try client.readResponse()
            #expect(same.status == 304 && same.body.isEmpty, "\(path)")
            #expect(same.header("ETag") == "\"\(tag)\"" && same.header("Content-Length") == nil && same.header("Date") != nil)
            try client.send("HEAD \(path) HTTP/1.1\r\nHost: a\r\nIf-None-Match: W/\"\(tag)\"\r\n\r\n")
            #expect(try client.readResponse(bodiless: true).status == 304, "HEAD \(path)")
        }
    }

    @Test func largeAnswersAreGzippedOnEveryPathOfAnswerButStreams() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.client()
        let plain = TestHandler.tagged(20_000).body
        for path in ["/tagged?n=20000", "/inline-tagged?n=20000", "/deferred?id=g&complete-after=10&tagged=20000"] {
            try client.send("GET \(path) HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n")
            let gzipped = try client.readResponse()
            #expect(gzipped.status == 200 && gzipped.header("Content-Encoding") == "gzip", "\(path)")
            #expect(gzipped.header("Vary") == "Accept-Encoding" && gzipped.header("ETag") == #"W/"t20000""#)
            #expect(gzipped.header("Content-Length") == String(gzipped.body.count))
            #expect(gunzip(gzipped.body) == plain, "\(path)")
            try client.send("HEAD \(path) HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n")
            let head = try client.readResponse(bodiless: true)
            #expect(head.header("Content-Encoding") == "gzip" && head.header("Content-Length") == String(gzipped.body.count),
                    "HEAD \(path) describes the GET")
            try client.send("GET \(path) HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip;q=0\r\n\r\n")
            let identity = try client.readResponse()
            #expect(identity.body == plain && identity.header("Content-Encoding") == nil && identity.header("Vary") == "Accept-Encoding")
        }
        try client.send("GET /stream?id=z&auto=1 HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n")
        let stream = try client.readHead()
        #expect(stream.header("Content-Encoding") == nil && stream.header("Transfer-Encoding") == "chunked")
    }
}

extension HTTPServerTests {
    @Test func theEventLoopLeavesCompressionToTheWorkers() throws {
        let filters = OutputFilters()
        let gzip = HTTPRequest(method: .get, scheme: nil, authority: "a", path: "/", headerFields: [.acceptEncoding: "gzip"])
        #expect(filters.apply(TestHandler.tagged(5000), to: gzip, compressing: false) == nil, "no gzip form kept: a worker makes it")
        let kept = GzipCache()
        _ = filters.apply(TestHandler.tagged(5000, kept: kept), to: gzip)
        #expect(filters.apply(TestHandler.tagged(5000, kept: kept), to: gzip, compressing: false)?.head.headerFields[.contentEncoding] == "gzip")
        let identity = HTTPRequest(method: .get, scheme: nil, authority: "a", path: "/")
        #expect(filters.apply(TestHandler.tagged(5000), to: identity, compressing: false) != nil)
        var conditional = gzip
        conditional.headerFields[.ifNoneMatch] = #""t5000""#
        #expect(filters.apply(TestHandler.tagged(5000), to: conditional, compressing: false)?.head.status == .notModified)
    }
}
