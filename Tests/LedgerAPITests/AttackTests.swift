import Foundation
import Testing
@testable import LedgerAPI

@Suite("Attacks: waves, weapon counts, links, the catalogue")
struct AttackAPITests {
    @Test func theCatalogueIsListedWithKindsAndAliases() throws {
        let ledger = try Ledger()
        let r = ledger.anonymous.get("/v1/weapons")
        #expect(r.status == 200)
        let shahed = r.json["items"].array.first { $0["model"].string == "Shahed-136" }
        #expect(shahed?["kind"].string == "drone")
        #expect(shahed?["aliases"].array.contains { $0.string == "Geran-2" } == true)
        #expect(r.json["items"].array.first { $0["model"].string == "Gerbera" }?["kind"].string == "decoy")
        #expect(r.json["next"].isNull)
    }

    @Test func refusalsInTheContractsOrder() throws {
        let ledger = try Ledger()
        #expect(ledger.anonymous.get("/v1/attacks/1").status == 404)
        #expect(ledger.reporter.post("/v1/attacks/1/revisions", #"{"source_id": 1, "weapons": [{"model": "Kalibr", "launched": 1}]}"#).status == 404)
        #expect(ledger.editor.post("/v1/attack-revisions/1/void", #"{"reason": "x"}"#).status == 404)
        #expect(ledger.anonymous.post("/v1/attacks", #"{"country": "UA", "started_at": "2025-10-09T22:00:00Z"}"#).status == 401)
        let bad = ledger.reporter.post("/v1/attacks", #"{"country": "Ukraine", "started_at": "2025-10-09T22:00:00Z", "ended_at": "2025-10-08T22:00:00Z"}"#)
        #expect(bad.status == 422)
        #expect(Set(bad.json["errors"].array.compactMap { $0["field"].string }) == ["country", "ended_at"])
        let created = ledger.reporter.post("/v1/attacks", #"{"country": "UA", "started_at": "2025-10-09T22:00:00Z"}"#)
        #expect(created.status == 201)
        #expect(created.location == "/v1/attacks/1")
        #expect(created.json["strikes"].array.isEmpty)
        #expect(created.json["toll"]["strikes"].int == 0)
        // Revisions: a model once; at least one figure; an unknown model with suggestions.
        let twice = ledger.reporter.post("/v1/attacks/1/revisions", #"""
            {"source_id": 1, "weapons": [{"model": "Kalibr", "launched": 1}, {"model": "3M-14", "launched": 2}]}
            """#)
        #expect(twice.status == 422, "\(twice.text)")
        let empty = ledger.reporter.post("/v1/attacks/1/revisions", #"{"source": {"name": "AF", "kind": "military"}, "weapons": [{"model": "Kalibr"}]}"#)
        #expect(empty.status == 422)
        #expect(empty.json["errors"][0]["field"].string == "weapons[0].launched")
        let unknown = ledger.reporter.post("/v1/strikes", #"{"city": "Kyiv", "occurred_at": "2025-10-10T02:30:00Z", "weapons": [{"kind": "missile", "model": "Kinzal"}]}"#)
        #expect(unknown.status == 422)
        #expect(unknown.json["errors"][0]["suggestions"][0].string == "Kinzhal")
        // Roles: linking and voiding are an editor's.
        let strike = ledger.strike(at: "2025-10-10T02:30:00Z")
        #expect(ledger.reporter.post("/v1/attacks/1/strikes", #"{"strike_ids": [\#(strike)]}"#).status == 403)
        #expect(ledger.editor.post("/v1/attacks/1/strikes", #"{"strike_ids": [99]}"#).status == 422)
        let linked = ledger.editor.post("/v1/attacks/1/strikes", #"{"strike_ids": [\#(strike)]}"#)
        #expect(linked.status == 200)
        #expect(linked.json["strikes"][0]["attack_id"].int == 1)
        #expect(ledger.anonymous.get("/v1/strikes/\(strike)").json["attack_id"].int == 1)
        // Lists: a bad country is 400; cursors page.
        #expect(ledger.anonymous.get("/v1/attacks?country=ua").status == 400)
        _ = ledger.reporter.post("/v1/attacks", #"{"country": "UA", "started_at": "2025-10-08T22:00:00Z"}"#)
        let first = ledger.anonymous.get("/v1/attacks?limit=1")
        #expect(first.json["items"][0]["id"].int == 1)
        #expect(first.json["items"][0]["strikes"].exists == false)
        let next = try #require(first.json["next"].string)
        #expect(ledger.anonymous.get("/v1/attacks?limit=1&after=\(next)").json["items"][0]["id"].int == 2)
        #expect(ledger.anonymous.get("/v1/attacks?from=2025-10-09").json["items"].count == 1)
    }
}
