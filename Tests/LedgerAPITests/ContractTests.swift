import Foundation
import HTTPTypes
import Testing

@Suite("The served contract")
struct ContractTests {
    @Test func openAPIDocumentsEveryMethodEveryRouteAllows() throws {
        let ledger = try Ledger()
        let doc = ledger.anonymous.get("/openapi.json")
        let paths = ["/healthz": "/healthz", "/readyz": "/readyz", "/metrics": "/metrics", "/openapi.json": "/openapi.json",
                     "/v1/cities": "/v1/cities", "/v1/cities/1": "/v1/cities/{id}", "/v1/cities/1/aliases": "/v1/cities/{id}/aliases",
                     "/v1/sources": "/v1/sources", "/v1/sources/1": "/v1/sources/{id}", "/v1/strikes": "/v1/strikes",
                     "/v1/strikes/1": "/v1/strikes/{id}", "/v1/strikes/1/merge": "/v1/strikes/{id}/merge",
                     "/v1/strikes/1/revisions": "/v1/strikes/{id}/revisions", "/v1/revisions/1/void": "/v1/revisions/{seq}/void",
                     "/v1/reports": "/v1/reports", "/v1/casualties": "/v1/casualties", "/v1/changes": "/v1/changes",
                     "/v1/changes/stream": "/v1/changes/stream", "/": "/", "/assets/page.js": "/assets/{file}"]
        var operationIds: [String] = []
        for (path, pattern) in paths {
            let r = ledger.anonymous.send(.delete, path)
            #expect(r.status == 405, "\(path)")
            let allowed = (r.header("Allow") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            let item = doc["paths"][pattern]
            for method in allowed where method != "head" {
                #expect(item[method].exists, "\(method.uppercased()) \(pattern) is not documented")
                if let id = item[method]["operationId"].string { operationIds.append(id) } else { Issue.record("\(method) \(pattern) has no operationId") }
                #expect(item[method]["responses"].count > 0, "\(method) \(pattern)")
            }
            for documented in item.keys where ["get", "post", "put", "patch", "delete"].contains(documented) {
                #expect(allowed.contains(documented), "\(documented.uppercased()) \(pattern) is documented but refused")
            }
        }
        #expect(Set(operationIds).count == operationIds.count, "operationIds are unique")
    }

    @Test func ifMatchNamesTheVersionInEitherForm() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T02:30:00Z")
        // API.md: "vN" and the weak W/"vN" of a gzipped answer both name version N.
        #expect(ledger.editor.patch("/v1/strikes/\(id)", #"{"description": "x"}"#, headers: ["If-Match": "W/\"v1\""]).status == 200)
        #expect(ledger.editor.patch("/v1/strikes/\(id)", #"{"description": "y"}"#, headers: ["If-Match": "\"v0\", \"v2\""]).status == 200)
        let stale = expectProblem(ledger.editor.patch("/v1/strikes/\(id)", #"{"description": "z"}"#, headers: ["If-Match": "W/\"v2\""]), 412)
        #expect(stale["detail"].string?.contains("v3") == true, "names the current version")
    }
}
