import Foundation
import HTTPTypes
import SocketHTTP
import Testing

@Suite("Keys, roles and errors")
struct AuthErrorTests {
    static let writes: [(HTTPRequest.Method, String, String)] = [
        (.post, "/v1/reports", #"{"city": "Kyiv", "occurred_at": "2025-10-10T02:30:00Z", "source_id": 1}"#),
        (.post, "/v1/strikes", #"{"city": "Kyiv", "occurred_at": "2025-10-10T02:30:00Z"}"#),
        (.patch, "/v1/strikes/1", #"{"description": "x"}"#),
        (.post, "/v1/strikes/1/merge", #"{"into": 2}"#),
        (.post, "/v1/strikes/1/revisions", #"{"killed": 1, "source_id": 1}"#),
        (.post, "/v1/revisions/1/void", #"{"reason": "x"}"#),
        (.post, "/v1/sources", #"{"name": "x", "kind": "media"}"#),
        (.post, "/v1/cities", #"{"name": "X"}"#),
        (.post, "/v1/cities/1/aliases", #"{"alias": "Kiyv"}"#),
    ]

    @Test func everyWriteNeedsALiveKey() throws {
        let ledger = try Ledger()
        for key in [nil, "sl_nonsense", ledger.revokedKey] {
            for (method, path, body) in Self.writes {
                let r = ledger.anonymous.with(key: key).send(method, path, body: body)
                expectProblem(r, 401, "\(method) \(path) with key \(key ?? "none")")
                #expect(r.header("WWW-Authenticate")?.hasPrefix("Bearer") == true, "\(method) \(path)")
            }
        }
        // Not a bearer credential.
        let basic = ledger.anonymous.send(.post, "/v1/strikes", body: Self.writes[1].2,
                                          headers: ["Authorization": "Basic \(ledger.adminKey)"])
        expectProblem(basic, 401)
        #expect(ledger.anonymous.send(.post, "/v1/strikes", body: Self.writes[1].2,
                                      headers: ["Authorization": "bearer \(ledger.reporterKey)"]).status == 201)
        // Nothing was written.
        #expect(ledger.anonymous.get("/v1/strikes")["items"].count == 1)
        #expect(ledger.anonymous.get("/v1/sources")["items"].count == 0)
    }

    @Test func rolesIncludeTheOnesBefore() throws {
        let ledger = try Ledger()
        let a = ledger.strike(at: "2025-10-10T02:30:00Z")
        let b = ledger.strike(at: "2025-10-10T02:35:00Z")
        let seq = ledger.revision(a, killed: 1, reportedAt: "2025-10-10T03:00:00Z")
        let editorOnly: [(HTTPRequest.Method, String, String)] = [
            (.patch, "/v1/strikes/\(a)", #"{"description": "x"}"#),
            (.post, "/v1/strikes/\(b)/merge", #"{"into": \#(a)}"#),
            (.post, "/v1/revisions/\(seq)/void", #"{"reason": "x"}"#),
            (.post, "/v1/cities/1/aliases", #"{"alias": "Kyjev"}"#),
        ]
        for (method, path, body) in editorOnly {
            let forbidden = ledger.reporter.send(method, path, body: body)
            let p = expectProblem(forbidden, 403, "\(path)")
            #expect(p["detail"].string?.contains("editor") == true)
            #expect(forbidden.header("WWW-Authenticate") == nil)
        }
        let city = #"{"name": "Testville", "country": "UA", "timezone": "Europe/Kyiv", "latitude": 50, "longitude": 30}"#
        expectProblem(ledger.reporter.post("/v1/cities", city), 403)
        expectProblem(ledger.editor.post("/v1/cities", city), 403)
        // Higher roles do what lower ones may.
        for (method, path, body) in editorOnly { #expect(ledger.admin.send(method, path, body: body).status < 300, "\(path)") }
        #expect(ledger.admin.post("/v1/cities", city).status == 201)
        #expect(ledger.editor.post("/v1/strikes", #"{"city": "Kyiv", "occurred_at": "2025-10-11T02:30:00Z"}"#).status == 201)
        #expect(ledger.admin.post("/v1/sources", #"{"name": "x", "kind": "ngo"}"#).status == 201)
        // Reads are public; a bad key on a public read is ignored, not refused.
        for path in ["/v1/strikes", "/v1/strikes/\(a)", "/v1/cities", "/v1/sources", "/v1/casualties?city=Kyiv", "/v1/changes",
                     "/v1/strikes/\(a)/revisions", "/v1/cities/1", "/metrics", "/openapi.json"] {
            #expect(ledger.anonymous.get(path).status == 200, "\(path)")
        }
    }

    @Test func privateReadsNeedAKeyButNotForHealth() throws {
        let ledger = try Ledger { $0.privateReads = true }
        for path in ["/v1/strikes", "/v1/cities/1", "/v1/casualties?city=Kyiv", "/v1/changes", "/metrics", "/openapi.json"] {
            let r = ledger.anonymous.get(path)
            expectProblem(r, 401, "\(path)")
            #expect(r.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            expectProblem(ledger.anonymous.with(key: ledger.revokedKey).get(path), 401, "\(path) revoked")
            #expect(ledger.reporter.get(path).status == 200, "\(path)")
        }
        #expect(ledger.anonymous.get("/healthz").status == 200)
        #expect(ledger.anonymous.get("/readyz").status == 200)
        // The in-memory 304 of the feed must not bypass the key.
        let head = HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/v1/changes?since=0",
                               headerFields: [.ifNoneMatch: "\"0\""])
        #expect(ledger.service.handleInline(Request(head: head, body: [])) == nil)
        expectProblem(ledger.anonymous.send(.get, "/v1/changes?since=0", headers: ["If-None-Match": "\"0\""]), 401)
    }

    @Test func routesMethodsAndMediaTypes() throws {
        let ledger = try Ledger()
        // `/` is the live page (LivePageTests); around it, nothing.
        for path in ["/index.html", "/assets", "/assets/page.js/x", "/v2/strikes", "/v1/strikes/abc", "/v1/strikes/0", "/v1/strikes/1/comments", "/v1", "/v1/strikes/-1",
                     "/healthz/x", "/v1/changes/streams"] {
            expectProblem(ledger.anonymous.get(path), 404, "\(path)")
        }
        for (method, path, allow) in [(HTTPRequest.Method.delete, "/v1/strikes/1", "GET, HEAD, PATCH"),
                                      (.post, "/v1/casualties", "GET, HEAD"), (.get, "/v1/reports", "POST"),
                                      (.put, "/v1/strikes", "GET, HEAD, POST"), (.patch, "/v1/revisions/1/void", "POST")] {
            let r = ledger.anonymous.send(method, path, body: "{}")
            expectProblem(r, 405, "\(method) \(path)")
            #expect(r.header("Allow") == allow, "\(method) \(path)")
        }
        let body = #"{"city": "Kyiv", "occurred_at": "2025-10-10T02:30:00Z"}"#
        expectProblem(ledger.reporter.send(.post, "/v1/strikes", body: body, contentType: "text/plain"), 415)
        expectProblem(ledger.reporter.send(.post, "/v1/strikes", body: body, contentType: nil), 415)
        expectProblem(ledger.reporter.send(.post, "/v1/strikes", body: body, contentType: "application/merge-patch+json"), 415)
        #expect(ledger.reporter.send(.post, "/v1/strikes", body: body, contentType: "application/json; charset=utf-8").status == 201)
        #expect(ledger.reporter.send(.post, "/v1/strikes", body: body, contentType: "Application/JSON").status == 201)

        expectProblem(ledger.reporter.post("/v1/strikes", #"{"city": "Kyiv", "#), 400)
        expectProblem(ledger.reporter.post("/v1/strikes", ""), 400)
        expectProblem(ledger.reporter.post("/v1/strikes", "{'city': 'Kyiv'}"), 400)
        let unknown = expectProblem(ledger.reporter.post("/v1/strikes", #"{"city": "Kyiv", "occurred_at": "2025-10-10T02:30:00Z", "kiled": 3}"#), 422)
        #expect(unknown["errors"].count == 1)
        #expect(unknown["errors"][0]["field"].string == "kiled")
        #expect(unknown["detail"].string == "1 field is invalid")
        #expect(unknown["title"].string == "Unprocessable Content")
        let array = expectProblem(ledger.reporter.post("/v1/strikes", "[]"), 422)
        #expect(array["errors"][0]["field"].string == "body")
        let nested = expectProblem(ledger.reporter.post("/v1/reports",
                                                        #"{"city": "Kyiv", "occurred_at": "2025-10-10T02:30:00Z", "source": {"name": "x", "kind": "media", "trust": 1}}"#), 422)
        #expect(nested["errors"][0]["field"].string == "source.trust")
        // HEAD answers like GET.
        let headReply = ledger.anonymous.send(.head, "/v1/strikes/1")
        #expect(headReply.status == 200)
        #expect(headReply.etag == "\"v1\"")
    }

    @Test func orderOfChecks() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        // 404 for an unknown id beats every body problem.
        for body in ["{bad", #"{"killed": -5}"#, ""] {
            expectProblem(ledger.reporter.post("/v1/strikes/999/revisions", body), 404, "body \(body)")
            expectProblem(ledger.editor.patch("/v1/strikes/999", body), 404, "patch body \(body)")
            expectProblem(ledger.editor.post("/v1/strikes/999/merge", body), 404, "merge body \(body)")
            expectProblem(ledger.editor.post("/v1/cities/99999/aliases", body), 404, "alias body \(body)")
        }
        expectProblem(ledger.reporter.send(.post, "/v1/strikes/999/revisions", body: "x", contentType: "text/plain"), 404)
        // 401 beats 404; 403 beats 404; 405 beats 401.
        expectProblem(ledger.anonymous.post("/v1/strikes/999/revisions", "{}"), 401)
        expectProblem(ledger.anonymous.patch("/v1/strikes/999", "{}"), 401)
        expectProblem(ledger.reporter.patch("/v1/strikes/999", "{}"), 403)
        expectProblem(ledger.anonymous.send(.delete, "/v1/strikes/\(id)"), 405)
        // 415 beats 400 beats 422.
        expectProblem(ledger.reporter.send(.post, "/v1/strikes/\(id)/revisions", body: "{bad", contentType: "text/plain"), 415)
        expectProblem(ledger.reporter.post("/v1/strikes/\(id)/revisions", "{bad"), 400)
        // 412 beats 415.
        expectProblem(ledger.editor.send(.patch, "/v1/strikes/\(id)", body: "x", contentType: "text/plain",
                                         headers: ["If-Match": "\"v9\""]), 412)
    }

    @Test func idempotencyKeysReplayTheFirstAnswer() throws {
        let ledger = try Ledger()
        let body = #"{"city": "Kiev", "occurred_at": "2025-10-10T05:30:00+03:00", "source": {"name": "Vitali Klitschko", "kind": "official"}, "killed": 3, "injured": 3, "reported_at": "2025-10-10T06:10:00+03:00"}"#
        let first = ledger.reporter.post("/v1/reports", body, headers: ["Idempotency-Key": "report-1"])
        #expect(first.status == 201, "\(first.text)")
        let id = try #require(first["strike"]["id"].int)
        ledger.clock.advance(60)
        let again = ledger.reporter.post("/v1/reports", body, headers: ["Idempotency-Key": "report-1"])
        #expect(again.status == 201)
        #expect(again.body == first.body)
        #expect(again.location == first.location)
        #expect(again.contentType == "application/json")
        #expect(ledger.anonymous.get("/v1/strikes/\(id)/revisions")["items"].count == 1)
        #expect(ledger.anonymous.get("/v1/strikes")["items"].count == 1)
        #expect(ledger.anonymous.get("/v1/changes")["items"].count == 1)

        // The same key with another body or path: 409, nothing written.
        let other = ledger.reporter.post("/v1/reports", body.replacingOccurrences(of: "\"killed\": 3", with: "\"killed\": 4"),
                                         headers: ["Idempotency-Key": "report-1"])
        expectProblem(other, 409)
        expectProblem(ledger.reporter.post("/v1/strikes/\(id)/revisions", #"{"killed": 4, "source_id": 1}"#,
                                           headers: ["Idempotency-Key": "report-1"]), 409)
        #expect(ledger.anonymous.get("/v1/strikes/\(id)/revisions")["items"].count == 1)
        // Keys belong to one API key: another key may use the same name.
        let editors = ledger.editor.post("/v1/strikes/\(id)/revisions", #"{"killed": 4, "source_id": 1}"#,
                                         headers: ["Idempotency-Key": "report-1"])
        #expect(editors.status == 201)

        // A 422 is kept and replayed too.
        let bad = #"{"city": "Khrakiv", "occurred_at": "2025-10-10T05:30:00+03:00", "source_id": 1}"#
        let refused = ledger.reporter.post("/v1/reports", bad, headers: ["Idempotency-Key": "bad-1"])
        expectProblem(refused, 422)
        let refusedAgain = ledger.reporter.post("/v1/reports", bad, headers: ["Idempotency-Key": "bad-1"])
        #expect(refusedAgain.status == 422)
        #expect(refusedAgain.body == refused.body)
        #expect(refusedAgain.contentType == "application/problem+json")
        // A revision by idempotent POST: exactly one.
        let rev = #"{"killed": 5, "source_id": 1, "reported_at": "2025-10-10T09:00:00Z"}"#
        let r1 = ledger.reporter.post("/v1/strikes/\(id)/revisions", rev, headers: ["Idempotency-Key": "rev-1"])
        let r2 = ledger.reporter.post("/v1/strikes/\(id)/revisions", rev, headers: ["Idempotency-Key": "rev-1"])
        #expect(r1.status == 201)
        #expect(r2.status == 201)
        #expect(r1.body == r2.body)
        #expect(ledger.anonymous.get("/v1/strikes/\(id)/revisions")["items"].count == 3)
        // A source: 201 the first time, and the same 201 on replay (not the 200 of a re-post).
        let s1 = ledger.reporter.post("/v1/sources", #"{"name": "UNIAN", "kind": "media"}"#, headers: ["Idempotency-Key": "src"])
        let s2 = ledger.reporter.post("/v1/sources", #"{"name": "UNIAN", "kind": "media"}"#, headers: ["Idempotency-Key": "src"])
        #expect(s1.status == 201)
        #expect(s2.status == 201)
        #expect(s2.location == s1.location)

        // Malformed keys.
        expectProblem(ledger.reporter.post("/v1/sources", #"{"name": "x", "kind": "media"}"#,
                                           headers: ["Idempotency-Key": String(repeating: "k", count: 256)]), 400)
        #expect(ledger.reporter.post("/v1/sources", #"{"name": "y", "kind": "media"}"#,
                                     headers: ["Idempotency-Key": String(repeating: "k", count: 255)]).status == 201)
    }

    @Test func operations() throws {
        let ledger = try Ledger()
        let health = ledger.anonymous.get("/healthz")
        #expect(health.status == 200)
        #expect(health["status"].string == "ok")
        #expect(health.contentType == "application/json")
        let inline = HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/healthz", headerFields: [:])
        guard case .response(let r)? = ledger.service.handleInline(Request(head: inline, body: [])) else {
            Issue.record("/healthz is answered inline"); return
        }
        #expect(r.head.status.code == 200)
        #expect(ledger.anonymous.get("/readyz")["status"].string == "ok")
        expectProblem(ledger.anonymous.get("/healthz?verbose=1"), 400)

        _ = ledger.anonymous.get("/v1/strikes")
        _ = ledger.anonymous.get("/v1/strikes/999")
        let metrics = ledger.anonymous.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.contentType?.hasPrefix("text/plain") == true)
        #expect(metrics.text.contains("strikeledger_http_requests_total"))
        #expect(metrics.text.contains("/v1/strikes/{id}"), "labelled by route pattern")
        #expect(!metrics.text.contains("/v1/strikes/999"), "never by id")

        let doc = ledger.anonymous.get("/openapi.json")
        #expect(doc.status == 200)
        #expect(doc.contentType == "application/json")
        let version = try #require(doc["openapi"].string)
        #expect(version.hasPrefix("3.1"))
        #expect(doc["info"]["title"].string?.isEmpty == false)
        let paths = doc["paths"].keys
        for p in ["/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/cities", "/v1/cities/{id}", "/v1/cities/{id}/aliases",
                  "/v1/sources", "/v1/sources/{id}", "/v1/strikes", "/v1/strikes/{id}", "/v1/strikes/{id}/merge",
                  "/v1/strikes/{id}/revisions", "/v1/revisions/{seq}/void", "/v1/reports", "/v1/casualties",
                  "/v1/changes", "/v1/changes/stream"] {
            #expect(paths.contains(p), "\(p)")
        }
        #expect(doc["paths"]["/v1/strikes/{id}"]["patch"].exists)
        #expect(doc["paths"]["/v1/reports"]["post"]["operationId"].string?.isEmpty == false)
    }
}
