import Foundation
import HTTPTypes
import SocketHTTP
import Testing

/// `serve --cors-origin`: preflights, and the fields that let a page on another origin
/// read an answer.
@Suite("CORS")
struct CORSTests {
    static let page = "https://news.example"

    static func preflight(_ ledger: Ledger, _ path: String, origin: String = page, method: String = "PATCH") -> Response? {
        let head = HTTPRequest(method: .options, scheme: "http", authority: "localhost", path: path,
                               headerFields: [.origin: origin, .accessControlRequestMethod: method,
                                              .accessControlRequestHeaders: "authorization, if-match, content-type"])
        guard case .response(let response)? = ledger.service.handleInline(Request(head: head, body: [])) else { return nil }
        return response
    }

    @Test func aListedOriginGetsItsPreflightAnswered() throws {
        let ledger = try Ledger { $0.corsOrigins = ["https://news.example", "http://localhost:3000"] }
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        let answer = try #require(Self.preflight(ledger, "/v1/strikes/\(id)"))
        #expect(answer.head.status == .noContent && answer.body.isEmpty)
        let fields = answer.head.headerFields
        #expect(fields[.accessControlAllowOrigin] == Self.page)
        #expect(fields[.accessControlAllowMethods] == "GET, HEAD, PATCH")
        let allowed = Set((fields[.accessControlAllowHeaders] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        #expect(allowed == ["authorization", "content-type", "if-none-match", "if-match", "idempotency-key", "last-event-id"])
        #expect(fields[.accessControlMaxAge].flatMap { Int($0) }.map { $0 > 0 } == true)
        #expect(fields[.vary] == "Origin")
        #expect(try #require(Self.preflight(ledger, "/v1/changes/stream", origin: "http://localhost:3000", method: "GET"))
            .head.headerFields[.accessControlAllowMethods] == "GET, HEAD")
    }

    @Test func aPreflightNeedsNoKeyEvenWithPrivateReads() throws {
        let ledger = try Ledger { $0.corsOrigins = ["https://news.example"]; $0.privateReads = true }
        #expect(Self.preflight(ledger, "/v1/casualties", method: "GET")?.head.status == .noContent)
    }

    @Test func anOriginNotListedGetsNoCORSField() throws {
        let ledger = try Ledger { $0.corsOrigins = ["https://news.example"] }
        #expect(Self.preflight(ledger, "/v1/strikes", origin: "https://evil.example") == nil)
        let refused = ledger.anonymous.send(.options, "/v1/strikes", headers: [
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"])
        expectProblem(refused, 405)
        #expect(refused.header("Allow") == "GET, HEAD, POST")
        #expect(refused.header("Access-Control-Allow-Origin") == nil)
        let read = ledger.anonymous.get("/v1/cities/1", headers: ["Origin": "https://evil.example"])
        #expect(read.status == 200 && read.header("Access-Control-Allow-Origin") == nil)
        #expect(read.header("Access-Control-Expose-Headers") == nil)
        #expect(read.header("Vary") == "Origin", "the answer depends on Origin all the same")
        #expect(ledger.anonymous.get("/v1/cities/1").header("Access-Control-Allow-Origin") == nil)
    }

    @Test func answersToAListedOriginNameItAndExposeTheETag() throws {
        let ledger = try Ledger { $0.corsOrigins = ["https://News.Example/"] }
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        let strike = ledger.anonymous.get("/v1/strikes/\(id)", headers: ["Origin": Self.page])
        #expect(strike.header("Access-Control-Allow-Origin") == Self.page)
        #expect(strike.header("Access-Control-Expose-Headers")?.contains("ETag") == true)
        #expect(strike.header("Vary") == "Origin")
        // The 304 keeps them, so that the page can read it.
        let same = ledger.anonymous.get("/v1/strikes/\(id)", headers: ["Origin": Self.page, "If-None-Match": strike.etag!])
        #expect(same.status == 304 && same.header("Access-Control-Allow-Origin") == Self.page)
        // Errors and writes too: a page that may send a PATCH may read its answer.
        expectProblem(ledger.anonymous.get("/v1/strikes/999", headers: ["Origin": Self.page]), 404)
        #expect(ledger.anonymous.get("/v1/strikes/999", headers: ["Origin": Self.page]).header("Access-Control-Allow-Origin") == Self.page)
        let patched = ledger.editor.patch("/v1/strikes/\(id)", #"{"description": "x"}"#, headers: ["Origin": Self.page])
        #expect(patched.status == 200 && patched.header("Access-Control-Allow-Origin") == Self.page)
        // And the answers from memory: cached casualties, the feed's 304, /healthz.
        let path = "/v1/casualties?city=Kyiv&date=2025-10-10"
        _ = ledger.anonymous.get(path)
        for inlinePath in [path, "/healthz", "/v1/changes?since=0"] {
            let head = HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: inlinePath,
                                   headerFields: [.origin: Self.page, .ifNoneMatch: #""0""#])
            guard case .response(let r)? = ledger.service.handleInline(Request(head: head, body: [])) else {
                Issue.record("\(inlinePath) was not answered inline"); continue
            }
            #expect(r.head.headerFields[.accessControlAllowOrigin] == Self.page, "\(inlinePath)")
        }
    }

    @Test func anyOriginWithAStar() throws {
        let ledger = try Ledger { $0.corsOrigins = ["*"] }
        let r = ledger.anonymous.get("/v1/cities/1", headers: ["Origin": "https://anyone.example"])
        #expect(r.header("Access-Control-Allow-Origin") == "*")
        #expect(r.header("Vary") == nil, "the same answer for every origin")
        #expect(Self.preflight(ledger, "/v1/reports", origin: "https://anyone.example", method: "POST")?
            .head.headerFields[.accessControlAllowMethods] == "POST")
    }

    @Test func withoutTheFlagNothingChanges() throws {
        let ledger = try Ledger()
        #expect(Self.preflight(ledger, "/v1/strikes") == nil)
        let options = ledger.anonymous.send(.options, "/v1/strikes", headers: [
            "Origin": Self.page, "Access-Control-Request-Method": "POST"])
        expectProblem(options, 405)
        #expect(options.header("Allow") == "GET, HEAD, POST")
        let r = ledger.anonymous.get("/v1/cities/1", headers: ["Origin": Self.page])
        #expect(r.headers.allSatisfy { !$0.name.rawName.lowercased().hasPrefix("access-control-") })
        #expect(r.header("Vary") == nil)
    }
}
