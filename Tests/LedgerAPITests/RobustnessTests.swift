import Foundation
import HTTPTypes
import SocketHTTP
import Testing

@Suite("No request gets a 500")
struct RobustnessTests {
    static let bodies: [String] = [
        "", "null", "1", "\"text\"", "[]", "[{}]", "{}", "{\"a\":", "{\"a\" 1}", "{,}", "{\"a\":1,}", "\u{FEFF}{}",
        String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000),
        String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 600),
        #"{"killed": 1e400, "injured": -0.0}"#, #"{"killed": 3.5}"#, #"{"killed": "3"}"#, #"{"killed": 99999999999999999999999}"#,
        #"{"city": null, "occurred_at": null, "source": null}"#, #"{"occurred_at": 5, "city": true}"#,
        #"{"city": "", "occurred_at": "2025-10-10T25:00:00Z"}"#, #"{"city": 0}"#, #"{"city": -1}"#, #"{"city": 1.5}"#,
        #"{"occurred_at": "2025-10-10T05:30:00+25:00"}"#, #"{"occurred_at": "0000-01-01T00:00:00Z"}"#,
        #"{"occurred_at": "9999-12-31T23:59:59-23:59"}"#, #"{"into": 0}"#, #"{"into": "2"}"#, #"{"into": 1e30}"#,
        #"{"source": {"name": "x"}}"#, #"{"source": []}"#, #"{"source_id": 0}"#, #"{"weapons": {"kind": "drone"}}"#,
        #"{"weapons": [null, 1, {"kind": "drone", "count": -1}]}"#, #"{"location": {"latitude": "x"}}"#,
        #"{"location": [1, 2]}"#, #"{"reason": null}"#, #"{"alias": 5}"#, #"{"aliases": "Kyiv"}"#,
        #"{"name": "\u0000", "kind": "media"}"#, #"{"description": "\ud800"}"#, #"{"a": 1, "a": 2}"#,
        "{\"name\": \"" + String(repeating: "x", count: 20_000) + "\", \"kind\": \"media\"}",
    ]

    @Test func malformedBodiesGetA4xx() throws {
        let ledger = try Ledger()
        let a = ledger.strike(at: "2025-10-10T02:30:00Z")
        let b = ledger.strike(at: "2025-10-10T03:30:00Z")
        let seq = ledger.revision(a, killed: 1, reportedAt: "2025-10-10T03:00:00Z")
        let targets: [(HTTPRequest.Method, String)] = [
            (.post, "/v1/reports"), (.post, "/v1/strikes"), (.patch, "/v1/strikes/\(a)"), (.post, "/v1/strikes/\(b)/merge"),
            (.post, "/v1/strikes/\(a)/revisions"), (.post, "/v1/revisions/\(seq)/void"), (.post, "/v1/sources"),
            (.post, "/v1/cities"), (.post, "/v1/cities/1/aliases"),
        ]
        for (method, path) in targets {
            for body in Self.bodies {
                let r = ledger.admin.send(method, path, body: body)
                let shown = String(body.prefix(60))
                #expect(r.status < 500, "\(method) \(path) \(shown): \(r.text)")
                #expect(r.status != 201 || method == .post, "\(method) \(path) \(shown)")
                if r.status >= 400 {
                    #expect(r.contentType == "application/problem+json", "\(method) \(path) \(shown)")
                    #expect(r.json["status"].int == r.status, "\(method) \(path) \(shown)")
                    if r.status == 422 { #expect(r.json["errors"].count >= 1, "\(method) \(path) \(shown)") }
                }
            }
            // Bytes that are not UTF-8.
            var head = HTTPFields()
            head[.authorization] = "Bearer \(ledger.adminKey)"
            head[.contentType] = "application/json"
            let request = Request(head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: path, headerFields: head),
                                  body: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D])
            guard case .response(let r) = ledger.service.handle(request) else { Issue.record("not a response"); continue }
            #expect(r.head.status.code == 400, "\(method) \(path) with invalid UTF-8")
        }
    }

    @Test func malformedQueriesGetA400() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        let paths = ["/v1/strikes", "/v1/casualties", "/v1/changes", "/v1/cities", "/v1/sources", "/v1/strikes/\(id)/revisions"]
        let queries = ["%", "%4", "%zz=1", "city=%FF", "=1", "limit=%00", "limit=1%00", "since=99999999999999999999",
                       "after=%FF%FE", "after=" + String(repeating: "A", count: 5000), "from=2025-10-10T05:30:00%2B24:00",
                       "date=10/10/2025", "limit=1e3", "limit=0x10"]
        for path in paths {
            for q in queries {
                let r = ledger.anonymous.get("\(path)?\(q)")
                #expect((400..<500).contains(r.status), "\(path)?\(q.prefix(40)): \(r.status) \(r.text.prefix(200))")
                #expect(r.contentType == "application/problem+json")
            }
            #expect(ledger.anonymous.get("\(path)?&&").status == 200, "\(path)?&&")
        }
        // Big numbers in the path are an unknown route or resource, not a crash.
        expectProblem(ledger.anonymous.get("/v1/strikes/999999999999999999"), 404)
        expectProblem(ledger.anonymous.get("/v1/strikes/9999999999999999999999"), 404)
        expectProblem(ledger.editor.post("/v1/revisions/999999999999999999/void", #"{"reason": "x"}"#), 404)
    }
}
