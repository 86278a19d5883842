import Foundation
import Testing

/// API.md: an optional field of a request body given as `null` is the same as leaving it
/// out (in a PATCH, null removes the field), and the OpenAPI document says so for every such
/// field. These tests read the fields from the served document, so a field added to a body
/// schema is covered without being named here.
@Suite("Null in optional body fields")
struct NullFieldTests {
    /// The served document, with `$ref`s followed on demand.
    struct Document {
        let root: J
        func resolve(_ schema: J) -> J {
            guard let ref = schema["$ref"].string else { return schema }
            var node = root
            for part in ref.dropFirst(2).split(separator: "/") { node = node[String(part)] }
            return resolve(node)
        }
        func allowsNull(_ raw: J) -> Bool {
            let schema = resolve(raw)
            if schema["type"].string == "null" || schema["type"].array.contains(where: { $0.string == "null" }) { return true }
            if schema["enum"].array.contains(where: \.isNull) { return true }
            return (schema["anyOf"].array + schema["oneOf"].array).contains { allowsNull($0) }
        }
        /// The object schema of a body (through an `anyOf` with null), and the schemas nested in it.
        func objectSchema(_ raw: J) -> J? {
            let schema = resolve(raw)
            if schema["properties"].exists { return schema }
            for option in schema["anyOf"].array + schema["oneOf"].array {
                if let s = objectSchema(option) { return s }
            }
            return nil
        }
        /// Every optional property of the object schema `schema` and of the objects nested in
        /// it (through properties and array items), as dotted paths with their schemas.
        func optionalFields(_ schema: J, prefix: String = "") -> [(String, J)] {
            let required = Set(schema["required"].array.compactMap(\.string))
            var out: [(String, J)] = []
            for name in schema["properties"].keys.sorted() {
                let property = schema["properties"][name]
                let path = prefix + name
                if !required.contains(name) { out.append((path, property)) }
                let target = resolve(property)
                if let nested = objectSchema(property) {
                    out += optionalFields(nested, prefix: path + ".")
                } else if let items = objectSchema(target["items"]) {
                    out += optionalFields(items, prefix: path + "[].")
                }
            }
            return out
        }
    }

    /// Request bodies whose optional fields cannot be null, with the reason.
    static let notNullable: [String: String] = [
        "StrikePatch.occurred_at": "a strike always has a time: null would remove it, so it is refused (422)",
        // A member of the location merge patch: removing one coordinate leaves no point.
        "StrikePatch.location.latitude": "a point needs both coordinates",
        "StrikePatch.location.longitude": "a point needs both coordinates",
    ]

    @Test func documentDeclaresNullForEveryOptionalBodyField() throws {
        let ledger = try Ledger()
        let doc = Document(root: ledger.anonymous.get("/openapi.json").json)
        var checked = 0
        for path in doc.root["paths"].keys.sorted() {
            for method in doc.root["paths"][path].keys.sorted() {
                let content = doc.root["paths"][path][method]["requestBody"]["content"]
                // JSON request bodies only: an import's file (text/csv, application/geo+json) is
                // a document of its own format, not a request object with optional fields.
                for media in content.keys.sorted().filter({ $0 == "application/json" || $0 == "application/merge-patch+json" })
                    .map({ content[$0] }) {
                    let ref = media["schema"]["$ref"].string ?? "?"
                    let name = String(ref.split(separator: "/").last ?? "?")
                    let schema = try #require(doc.objectSchema(media["schema"]), "\(method) \(path)")
                    for (field, property) in doc.optionalFields(schema) {
                        checked += 1
                        if let reason = Self.notNullable["\(name).\(field)"] {
                            #expect(!doc.allowsNull(property), "\(name).\(field): \(reason)")
                        } else {
                            #expect(doc.allowsNull(property), "\(method.uppercased()) \(path): \(name).\(field) is optional but the document refuses null")
                        }
                    }
                }
            }
        }
        #expect(checked > 40)
    }

    /// For each operation: bodies that the server takes, from which one field at a time is
    /// replaced by null. A field is tried on the first base that does not need it.
    @Test func serverTakesNullForEveryOptionalTopLevelField() throws {
        let ledger = try Ledger()
        let doc = Document(root: ledger.anonymous.get("/openapi.json").json)
        let source = ledger.reporter.post("/v1/sources", #"{"name": "Mayor", "kind": "official"}"#)["id"].int ?? 0
        let strike = ledger.strike(at: "2025-10-10T01:00:00Z")
        let inline = #"{"name": "Mayor", "kind": "official"}"#
        var cityNumber = 0
        let operations: [(path: String, method: String, client: APIClient, bases: [[String: String]])] = [
            ("/v1/cities", "post", ledger.admin, [[
                "name": "\"Testville\"", "country": "\"UA\"", "timezone": "\"Europe/Kyiv\"", "latitude": "50", "longitude": "30"]]),
            ("/v1/sources", "post", ledger.reporter, [["name": "\"Newsroom\"", "kind": "\"media\""]]),
            ("/v1/strikes", "post", ledger.reporter, [["city": "\"Kyiv\"", "occurred_at": "\"2025-10-09T01:00:00Z\""]]),
            ("/v1/strikes/{id}/revisions", "post", ledger.reporter, [
                ["killed": "1", "source": inline], ["injured": "2", "source_id": "\(source)"]]),
            ("/v1/reports", "post", ledger.reporter, [
                ["city": "\"Kyiv\"", "occurred_at": "\"2025-10-08T01:00:00Z\"", "source": inline],
                ["strike_id": "\(strike)", "source_id": "\(source)"]]),
            ("/v1/strikes/{id}", "patch", ledger.editor, [[:]]),
            ("/v1/cities/{id}/aliases", "post", ledger.editor, [["alias": "\"Kyivv\""]]),
            ("/v1/strikes/{id}/merge", "post", ledger.editor, [["into": "\(strike)"]]),
            ("/v1/revisions/{seq}/void", "post", ledger.editor, [["reason": "\"twice\""]]),
            ("/v1/subscriptions", "post", ledger.admin, [["url": "\"https://hooks.example/strikes\""]]),
        ]
        var tried = 0
        for (path, method, client, bases) in operations {
            let schema = try #require(doc.objectSchema(doc.root["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]),
                                      "\(method) \(path) is documented")
            let required = Set(schema["required"].array.compactMap(\.string))
            for field in schema["properties"].keys.sorted() where !required.contains(field) {
                if method == "patch" && field == "occurred_at" { continue }
                let base = try #require(bases.first { $0[field] == nil } ?? bases.first)
                var members = base
                members[field] = "null"
                if path == "/v1/cities" { cityNumber += 1; members["name"] = "\"Testville \(cityNumber)\"" }
                let body = "{" + members.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
                let target = path.replacingOccurrences(of: "{id}", with: path.hasPrefix("/v1/cities") ? "1" : "\(strike)")
                let answer = client.send(method == "patch" ? .patch : .post, target, body: body)
                #expect((200..<300).contains(answer.status), "\(method.uppercased()) \(path) with \(field): null: \(answer.status) \(answer.text)")
                tried += 1
            }
        }
        #expect(tried >= 25, "fields tried: \(tried)")
    }

    @Test func nullInsideWeaponsAndInlineSourcesIsAbsentToo() throws {
        let ledger = try Ledger()
        let r = ledger.reporter.post("/v1/reports", #"""
            {"city": "Kyiv", "occurred_at": "2025-10-10T01:00:00Z", "killed": 2,
             "source": {"name": "Mayor", "kind": "official", "url": null, "reliability": null},
             "weapons": [{"kind": "drone", "model": null, "count": null}]}
            """#)
        #expect(r.status == 201, "\(r.text)")
        #expect(r["strike"]["weapons"][0]["model"].isNull)
        #expect(r["strike"]["weapons"][0]["count"].isNull)
        #expect(r["revision"]["source"]["name"].string == "Mayor")
    }

    @Test func patchNullRemovesEachDescriptiveField() throws {
        let ledger = try Ledger()
        let id = ledger.strike(at: "2025-10-10T01:00:00Z", extra: #"""
            , "time_precision": "hour", "location": {"latitude": 50.4, "longitude": 30.5},
            "weapons": [{"kind": "missile", "count": 2}], "description": "Hit", "damage": "Roof"
            """#)
        let r = ledger.editor.patch("/v1/strikes/\(id)", #"""
            {"time_precision": null, "location": null, "weapons": null, "description": null, "damage": null}
            """#)
        #expect(r.status == 200, "\(r.text)")
        #expect(r["time_precision"].string == "minute", "removed: back to the default")
        #expect(r["location"].isNull)
        #expect(r["weapons"].count == 0 && r["weapons"].exists)
        #expect(r["description"].isNull)
        #expect(r["damage"].isNull)
        #expect(r["version"].int == 2)
        // A strike always has a time: removing it is refused.
        let j = expectProblem(ledger.editor.patch("/v1/strikes/\(id)", #"{"occurred_at": null}"#), 422)
        #expect(j["errors"][0]["field"].string == "occurred_at")
    }
}
