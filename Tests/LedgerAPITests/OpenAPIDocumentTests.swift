import Foundation
import HTTPTypes
@testable import LedgerAPI
import Testing

/// The served OpenAPI document against the server itself: the routes it answers, and the
/// file it is made from.
@Suite("OpenAPI document: the file, the routes")
struct OpenAPIDocumentTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func servedDocumentIsTheFileByteForByte() throws {
        let file = try Data(contentsOf: Self.packageRoot.appendingPathComponent("Sources/LedgerAPI/Resources/openapi.json"))
        let ledger = try Ledger()
        let served = ledger.anonymous.get("/openapi.json")
        #expect(served.status == 200)
        #expect(served.contentType == "application/json")
        #expect(served.body == Array(file), "GET /openapi.json serves Resources/openapi.json as it is")
        #expect(served["openapi"].string == "3.1.0")
    }

    /// Every path the router accepts, found by trying every combination of zero to four
    /// segments made of the string literals of Route.swift and an id. A route added there
    /// is found here without this test knowing its name.
    static func routedOperations() throws -> [String: Set<String>] {
        let source = try String(contentsOf: packageRoot.appendingPathComponent("Sources/LedgerAPI/Route.swift"), encoding: .utf8)
        var words = Set(source.matches(of: /"([a-z0-9._-]+)"/).map { String($0.output.1) })
        words.insert("1")
        let vocabulary = Array(words)
        var found: [String: Set<String>] = [:]
        func visit(_ segments: [String]) {
            // No segment at all is the root, `/`.
            if let route = Route(path: Substring("/" + segments.joined(separator: "/"))) {
                found[route.pattern, default: []].formUnion(route.methods.map { $0.rawValue.lowercased() })
            }
            guard segments.count < 4 else { return }
            for word in vocabulary { visit(segments + [word]) }
        }
        visit([])
        return found
    }

    @Test func routesAndDocumentAgreeBothWays() throws {
        let ledger = try Ledger()
        let doc = ledger.anonymous.get("/openapi.json")
        let verbs: Set = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        var documented: [String: Set<String>] = [:]
        for path in doc["paths"].keys {
            documented[path] = doc["paths"][path].keys.intersection(verbs)
        }
        let routed = try Self.routedOperations()
        #expect(routed.count >= 18, "the router was explored: \(routed.keys.sorted())")

        // Every operation the server routes is documented; HEAD and OPTIONS only where the
        // document chooses to describe them (HEAD comes with every GET).
        for (pattern, methods) in routed {
            let described = documented[pattern] ?? []
            #expect(!described.isEmpty, "\(pattern) is routed but not in the document")
            for method in methods where !["head", "options"].contains(method) || described.contains(method) {
                #expect(described.contains(method), "\(method.uppercased()) \(pattern) is routed but not documented")
            }
        }
        // Every documented operation is routed, under the same path pattern.
        for (path, methods) in documented {
            let concrete = path.replacing(/\{[a-z_]+\}/, with: "1")
            let route = Route(path: Substring(concrete))
            #expect(route?.pattern == path, "\(path) does not route to itself (\(route.map(\.pattern) ?? "404"))")
            // A path deeper than the exploration's four segments is asked of its route itself.
            let routedMethods = routed[path] ?? Set(route?.methods.map { $0.rawValue.lowercased() } ?? [])
            for method in methods {
                #expect(routedMethods.contains(method), "\(method.uppercased()) \(path) is documented but not routed")
            }
        }
    }

    /// The document names each operation once and every `$ref` resolves.
    @Test func operationIdsAreUniqueAndEveryReferenceResolves() throws {
        let data = try Data(contentsOf: Self.packageRoot.appendingPathComponent("Sources/LedgerAPI/Resources/openapi.json"))
        let root = try JSONSerialization.jsonObject(with: data)
        var ids: [String] = []
        var refs: [String] = []
        func walk(_ node: Any) {
            if let object = node as? [String: Any] {
                if let ref = object["$ref"] as? String { refs.append(ref) }
                if let id = object["operationId"] as? String { ids.append(id) }
                object.values.forEach(walk)
            } else if let array = node as? [Any] {
                array.forEach(walk)
            }
        }
        walk(root)
        #expect(ids.count == Set(ids).count, "operationIds are unique: \(ids.sorted())")
        for ref in Set(refs) {
            var node: Any? = root
            #expect(ref.hasPrefix("#/"), "\(ref) is local")
            for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
            #expect(node != nil, "\(ref) resolves")
        }
    }

    /// The date pattern of `from` and `to` takes what the server takes, 29 February in leap
    /// years only, and refuses what it refuses.
    @Test func dateOrInstantPatternKnowsLeapYears() throws {
        let ledger = try Ledger()
        let doc = ledger.anonymous.get("/openapi.json")
        let pattern = try #require(doc["components"]["schemas"]["DateOrInstant"]["pattern"].string)
        let regex = try NSRegularExpression(pattern: pattern)
        func matches(_ s: String) -> Bool {
            regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
        }
        for text in ["2024-02-29", "2000-02-29", "1600-02-29", "0004-02-29", "2025-02-28", "2025-12-31", "2025-04-30",
                     "2025-10-10T05:30:00+03:00", "2024-02-29T23:59:60Z", "2025-10-10t05:30:00.123z",
                     "2025-02-29", "1900-02-29", "2100-02-29", "0000-01-01", "2025-04-31", "2025-13-01",
                     "2025-02-30", "2025-10-10T24:00:00Z", "2025-10-10T05:30", "25-10-10"] {
            let serverTakes = ledger.anonymous.get("/v1/strikes?from=\(text.replacingOccurrences(of: "+", with: "%2B"))").status == 200
            #expect(matches(text) == serverTakes, "\(text): pattern \(matches(text)), server \(serverTakes)")
        }
        #expect(matches("2024-02-29") && !matches("2025-02-29") && !matches("1900-02-29") && matches("2000-02-29"))
    }
}
