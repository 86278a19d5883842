import Foundation
import HTTPTypes
import SocketHTTP
import Testing

/// RFC 9110 conditional GETs: every answer with an ETag answers 304 to an
/// `If-None-Match` that names it (as the server sends it: through `OutputFilters`).
@Suite("Conditional GETs")
struct ConditionalTests {
    static func request(_ path: String, _ fields: HTTPFields = [:], method: HTTPRequest.Method = .get) -> Request {
        Request(head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: path, headerFields: fields), body: [])
    }

    /// What `handleInline` answers, unfiltered; nil when it leaves the request to `handle`.
    static func inline(_ ledger: Ledger, _ request: Request) -> Response? {
        guard case .response(let response)? = ledger.service.handleInline(request) else { return nil }
        return response
    }

    @Test func aStrikeRevalidatesWithEitherFormOfItsTagByGETAndHEAD() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        for method in [HTTPRequest.Method.get, .head] {
            for tag in [#""v1""#, #"W/"v1""#, "*", #""v0", W/"v1""#] {
                let r = ledger.anonymous.send(method, "/v1/strikes/\(id)", headers: ["If-None-Match": tag])
                #expect(r.status == 304, "\(method) If-None-Match: \(tag)")
                #expect(r.etag == #""v1""# && r.body.isEmpty && r.contentType == nil)
                #expect(r.header("Cache-Control") == "no-cache")
            }
        }
        #expect(ledger.anonymous.get("/v1/strikes/\(id)", headers: ["If-None-Match": #""v2""#]).status == 200)
    }

    @Test func patchTakesTheWeakFormOfTheVersionTagInIfMatch() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        let weak = ledger.editor.patch("/v1/strikes/\(id)", #"{"description": "hit"}"#, headers: ["If-Match": #"W/"v1""#])
        #expect(weak.status == 200, "\(weak.text)")
        #expect(weak.etag == #""v2""#)
        expectProblem(ledger.editor.patch("/v1/strikes/\(id)", #"{"description": "again"}"#, headers: ["If-Match": #"W/"v1""#]), 412)
        let listed = ledger.editor.patch("/v1/strikes/\(id)", #"{"description": "again"}"#, headers: ["If-Match": #""v1", W/"v2""#])
        #expect(listed.status == 200 && listed["version"].int == 3)
    }

    @Test func casualtiesRevalidateFromTheWorkerAndFromTheInMemoryCache() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        ledger.revision(id, killed: 3, reportedAt: "2025-10-10T03:10:00Z")
        let path = "/v1/casualties?city=Kyiv&date=2025-10-10"
        let tag = try #require(ledger.anonymous.get(path).etag)
        // Cached now: handleInline answers it on the event loop.
        let hit = try #require(Self.inline(ledger, Self.request(path, [.ifNoneMatch: tag])))
        let sent = OutputFilters().apply(hit, to: Self.request(path, [.ifNoneMatch: tag]).head)
        #expect(sent.head.status == .notModified && sent.head.headerFields[.eTag] == tag && sent.body.isEmpty)
        let weakHEAD = Self.request(path, [.ifNoneMatch: "W/" + tag], method: .head)
        #expect(OutputFilters().apply(try #require(Self.inline(ledger, weakHEAD)), to: weakHEAD.head).head.status == .notModified)
        // A write elsewhere empties the cache: the answer is computed again (on the event
        // loop, for one city over one day), and is still 304.
        _ = ledger.strike("Odesa", at: "2025-10-10T02:30:00Z")
        #expect(ledger.anonymous.get(path, headers: ["If-None-Match": tag]).status == 304)
        // A long range is computed on a worker, never on the event loop; once cached, the
        // event loop answers it from memory.
        let long = "/v1/casualties?city=Kyiv&from=2025-09-01&to=2025-10-31"
        #expect(Self.inline(ledger, Self.request(long)) == nil)
        let longTag = try #require(ledger.anonymous.get(long).etag)
        #expect(Self.inline(ledger, Self.request(long))?.head.headerFields[.eTag] == longTag)
        // So is a query for every city, and one as known at an instant.
        #expect(Self.inline(ledger, Self.request("/v1/casualties?date=2025-10-10")) == nil)
        #expect(Self.inline(ledger, Self.request(path + "&as_of=2025-10-11T00:00:00Z")) == nil)
    }

    @Test func theFeedAnswers304WhenTheAnswerItComputesCarriesTheTag() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        ledger.revision(id, killed: 3, reportedAt: "2025-10-10T03:10:00Z")
        ledger.revision(id, killed: 4, reportedAt: "2025-10-10T07:45:00Z")
        let path = "/v1/changes?since=0&strike_id=\(id)"
        let full = ledger.anonymous.get(path)
        #expect(full.status == 200 && full.etag == #""2""#)
        for tag in [#""2""#, #"W/"2""#] {
            let again = ledger.anonymous.get(path, headers: ["If-None-Match": tag])
            #expect(again.status == 304 && again.etag == #""2""# && again.body.isEmpty, "If-None-Match: \(tag)")
        }
        // A long-poll whose answer is ready at once is no different.
        #expect(ledger.anonymous.get(path + "&wait=30", headers: ["If-None-Match": #""2""#]).status == 304)
        #expect(ledger.anonymous.send(.head, path, headers: ["If-None-Match": #""2""#]).status == 304)
        // The "<since>" rule stands beside it.
        #expect(ledger.anonymous.get("/v1/changes?since=2&strike_id=\(id)", headers: ["If-None-Match": #""2""#]).status == 304)
        // Once a matching event lands, the tag of the same question moves on.
        ledger.revision(id, killed: 5, reportedAt: "2025-10-10T09:00:00Z")
        let moved = ledger.anonymous.get(path, headers: ["If-None-Match": #""2""#])
        #expect(moved.status == 200 && moved.etag == #""3""#)
    }

    @Test func metricsCountThe304sTheServerSends() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        for _ in 0..<3 { _ = ledger.anonymous.get("/v1/strikes/\(id)", headers: ["If-None-Match": #""v1""#]) }
        let metrics = ledger.anonymous.get("/metrics").text
        let line = metrics.split(separator: "\n").first {
            $0.contains("/v1/strikes/{id}") && $0.contains(#"status="304""#) && !$0.hasPrefix("#") && !$0.contains("_bucket")
        }
        #expect(line != nil, "\(metrics)")
    }

    @Test func keptAnswersKeepTheirGzipFormBesideThePlainOne() throws {
        let ledger = try Ledger()
        for minute in 0..<12 {
            let id = ledger.strike(at: "2025-10-10T02:\(10 + minute):00Z")
            ledger.revision(id, killed: minute, reportedAt: "2025-10-10T05:00:00Z")
        }
        let path = "/v1/casualties?city=Kyiv&date=2025-10-10"
        let plain = ledger.anonymous.get(path)
        #expect(plain.body.count > 1024 && plain.header("Vary") == "Accept-Encoding")
        let gzip = Self.request(path, [.acceptEncoding: "gzip"])
        let first = try #require(Self.inline(ledger, gzip))
        let kept = try #require(first.gzipCache)
        #expect(!kept.isFilled)
        let sent = OutputFilters().apply(first, to: gzip.head)
        #expect(sent.head.headerFields[.contentEncoding] == "gzip" && sent.head.headerFields[.eTag] == "W/" + plain.etag!)
        #expect(kept.isFilled, "the gzip form is kept with the cached answer")
        #expect(try #require(Self.inline(ledger, gzip)).gzipCache === kept, "and served again from there")

        // The OpenAPI document is static: one gzip form for the life of the service.
        guard case .response(let one) = ledger.service.handle(Self.request("/openapi.json")),
              case .response(let two) = ledger.service.handle(Self.request("/openapi.json")) else {
            Issue.record("/openapi.json did not answer"); return
        }
        #expect(one.gzipCache != nil && one.gzipCache === two.gzipCache)
    }
}
