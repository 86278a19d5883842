import HTTPTypes
import Testing
@testable import SocketHTTP

/// The server's output filters on their own: 304 for a matching `If-None-Match`, gzip.
@Suite struct OutputFiltersTests {
    static func request(_ method: HTTPRequest.Method = .get, _ fields: HTTPFields = [:]) -> HTTPRequest {
        HTTPRequest(method: method, scheme: nil, authority: "a", path: "/", headerFields: fields)
    }

    static let filters = OutputFilters()

    // MARK: - Accept-Encoding

    static let acceptEncodings: [(String, Bool)] = [
        ("gzip", true), ("GZIP", true), ("x-gzip", true), ("deflate, gzip, br", true), ("gzip, deflate, br, zstd", true),
        ("*", true), ("gzip;q=1.0", true), ("gzip; q=0.001", true), ("br;q=1, gzip;q=0.8", true),
        ("gzip;q=0.5", true), ("gzip, identity;q=0", true), ("gzip;q=1, *;q=0", true),
        ("gzip;q=0", false), ("gzip;q=0.000", false), ("*;q=0", false), ("gzip;q=0, *", false),
        ("identity", false), ("deflate, br", false), ("", false), ("identity;q=0", false),
        ("gzip;q=0.5, identity", false), ("gzip;q=0.5, *", false), ("gzip;q=abc", false), ("gzip;q=2", false),
        ("gzip;q=1.5", false), ("gzip;q=0.5, identity;q=0.5", true), ("gzip;level=9", true),
        (" gzip ; q=0.8 ", true), (",, gzip", true), ("gzip;q=", false), ("gzip;Q=0", false), ("gzip;q=0.0001", false),
        ("br, GZip;q=0.2, identity;q=0.1", true), ("*;q=0.5, gzip;q=0", false),
    ]

    @Test(arguments: acceptEncodings)
    func acceptEncoding(value: String, gzip: Bool) {
        #expect(AcceptEncoding.prefersGzip(value) == gzip, "Accept-Encoding: \(value)")
    }

    // MARK: - Entity tags

    static let tagLists: [(String, String, Bool)] = [
        (#""v1""#, #""v1""#, true), (#"W/"v1""#, #""v1""#, true), (#""v1""#, #"W/"v1""#, true),
        (#"W/"v1""#, #"W/"v1""#, true), ("*", #""v1""#, true), (#""v0", "v1""#, #""v1""#, true), (#""v0",W/"v1""#, #""v1""#, true),
        (#" "v1" "#, #""v1""#, true), (#""v0""#, #""v1""#, false), (#""v1"#, #""v1""#, false), ("v1", #""v1""#, false),
        (#""v10""#, #""v1""#, false), ("", #""v1""#, false), (#""a,b""#, #""a,b""#, true),
    ]

    @Test(arguments: tagLists)
    func weakComparison(list: String, tag: String, matches: Bool) {
        #expect(EntityTag.list(list, containsWeakly: tag) == matches, "\(list) against \(tag)")
    }

    // MARK: - Conditional GET

    @Test func aMatchingIfNoneMatchGets304WithTheTagAndNoBody() {
        var response = TestHandler.tagged(200)
        response.head.headerFields[.cacheControl] = "no-cache"
        for condition in [#""t200""#, #"W/"t200""#, #""x", "t200""#, "*"] {
            for method in [HTTPRequest.Method.get, .head] {
                let sent = Self.filters.apply(response, to: Self.request(method, [.ifNoneMatch: condition]))
                #expect(sent.head.status == .notModified, "\(method) If-None-Match: \(condition)")
                #expect(sent.body.isEmpty)
                #expect(sent.head.headerFields[.eTag] == #""t200""#)
                #expect(sent.head.headerFields[.cacheControl] == "no-cache")
                #expect(sent.head.headerFields[.contentType] == nil)
            }
        }
        let other = Self.filters.apply(response, to: Self.request(.get, [.ifNoneMatch: #""t201""#]))
        #expect(other.head.status == .ok && other.body == response.body)
        #expect(Self.filters.apply(response, to: Self.request()).head.status == .ok)
    }

    @Test func onlyA2xxAnswerToGETOrHEADWithAnETagIsConditional() {
        let condition: HTTPFields = [.ifNoneMatch: "*"]
        #expect(Self.filters.apply(TestHandler.tagged(200), to: Self.request(.post, condition)).head.status == .ok)
        var notFound = TestHandler.tagged(200)
        notFound.head.status = .notFound
        #expect(Self.filters.apply(notFound, to: Self.request(.get, condition)).head.status == .notFound)
        var untagged = TestHandler.tagged(200)
        untagged.head.headerFields[.eTag] = nil
        #expect(Self.filters.apply(untagged, to: Self.request(.get, condition)).head.status == .ok)
        #expect(OutputFilters.answersNotModified(TestHandler.tagged(200), to: Self.request(.get, condition)))
        #expect(!OutputFilters.answersNotModified(untagged, to: Self.request(.get, condition)))
    }

    // MARK: - gzip

    @Test func aLargeBodyIsGzippedForAClientThatAcceptsIt() throws {
        let plain = TestHandler.tagged(5000)
        let sent = Self.filters.apply(plain, to: Self.request(.get, [.acceptEncoding: "gzip, deflate, br"]))
        #expect(sent.head.status == .ok)
        #expect(sent.head.headerFields[.contentEncoding] == "gzip")
        #expect(sent.head.headerFields[.vary] == "Accept-Encoding")
        #expect(sent.head.headerFields[.eTag] == #"W/"t5000""#, "a gzipped answer carries the weak form of its tag")
        #expect(sent.head.headerFields[.contentType] == "application/json")
        #expect(sent.body.count < plain.body.count / 2)
        #expect(gunzip(sent.body) == plain.body)
    }

    @Test func anAnswerThatCouldHaveBeenGzippedVariesOnAcceptEncodingEvenWhenItIsNot() {
        let plain = TestHandler.tagged(5000)
        for accept in [nil, "identity", "gzip;q=0", "br"] {
            let fields: HTTPFields = accept.map { [.acceptEncoding: $0] } ?? [:]
            let sent = Self.filters.apply(plain, to: Self.request(.get, fields))
            #expect(sent.body == plain.body, "Accept-Encoding: \(accept ?? "none")")
            #expect(sent.head.headerFields[.contentEncoding] == nil)
            #expect(sent.head.headerFields[.vary] == "Accept-Encoding")
            #expect(sent.head.headerFields[.eTag] == #""t5000""#)
        }
    }

    @Test func aSmallBodyIsNeitherGzippedNorVaried() {
        let small = TestHandler.tagged(1024)
        let sent = Self.filters.apply(small, to: Self.request(.get, [.acceptEncoding: "gzip"]))
        #expect(sent.body == small.body && sent.head.headerFields[.contentEncoding] == nil)
        #expect(sent.head.headerFields[.vary] == nil && sent.head.headerFields[.eTag] == #""t1024""#)
        let over = Self.filters.apply(TestHandler.tagged(1025), to: Self.request(.get, [.acceptEncoding: "gzip"]))
        #expect(over.head.headerFields[.contentEncoding] == "gzip", "over 1 KiB")
        let off = OutputFilters(gzipAbove: nil).apply(TestHandler.tagged(5000), to: Self.request(.get, [.acceptEncoding: "gzip"]))
        #expect(off.head.headerFields[.contentEncoding] == nil && off.head.headerFields[.vary] == nil)
    }

    @Test func theVaryOfTheHandlerIsKept() {
        var plain = TestHandler.tagged(5000)
        plain.head.headerFields[.vary] = "Origin"
        let sent = Self.filters.apply(plain, to: Self.request(.get, [.acceptEncoding: "gzip"]))
        #expect(sent.head.headerFields[.vary] == "Origin, Accept-Encoding")
        plain.head.headerFields[.vary] = "accept-encoding"
        #expect(Self.filters.apply(plain, to: Self.request()).head.headerFields[.vary] == "accept-encoding")
    }

    @Test func the304ForAGzippedAnswerCarriesItsWeakTagAndVary() {
        let plain = TestHandler.tagged(5000)
        for condition in [#""t5000""#, #"W/"t5000""#] {
            let sent = Self.filters.apply(plain, to: Self.request(.get, [.acceptEncoding: "gzip", .ifNoneMatch: condition]))
            #expect(sent.head.status == .notModified)
            #expect(sent.head.headerFields[.eTag] == #"W/"t5000""#)
            #expect(sent.head.headerFields[.vary] == "Accept-Encoding")
            #expect(sent.head.headerFields[.contentEncoding] == nil && sent.body.isEmpty)
        }
        let identity = Self.filters.apply(plain, to: Self.request(.get, [.ifNoneMatch: #"W/"t5000""#]))
        #expect(identity.head.status == .notModified && identity.head.headerFields[.eTag] == #""t5000""#)
    }

    @Test func aKeptGzipFormIsUsedInsteadOfCompressingAgain() {
        let kept = GzipCache()
        let first = Self.filters.apply(TestHandler.tagged(5000, kept: kept), to: Self.request(.get, [.acceptEncoding: "gzip"]))
        #expect(kept.isFilled)
        let second = Self.filters.apply(TestHandler.tagged(5000, kept: kept), to: Self.request(.get, [.acceptEncoding: "gzip"]))
        #expect(second.body == first.body)
        // It is taken as it is: a cache filled from another body shows that nothing was compressed.
        let other = GzipCache()
        _ = Self.filters.apply(TestHandler.tagged(3000, kept: other), to: Self.request(.get, [.acceptEncoding: "gzip"]))
        let reused = Self.filters.apply(TestHandler.tagged(5000, kept: other), to: Self.request(.get, [.acceptEncoding: "gzip"]))
        #expect(gunzip(reused.body)?.count == 3000)
        // A client that does not take gzip never fills it.
        let untouched = GzipCache()
        _ = Self.filters.apply(TestHandler.tagged(5000, kept: untouched), to: Self.request())
        #expect(!untouched.isFilled)
    }
}
