import Foundation
import GRDB
import LedgerModel
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

@Suite struct KeysTests {
    @Test(arguments: Engine.available) func createdKeyAuthenticatesAndIsNeverStored(_ engine: Engine) throws {
        try withStore(engine) { (store, clock, dir) throws in
            let key = try store.createKey(name: "ci", role: .editor)
            #expect(key.count >= 32)
            let other = try store.createKey(name: "bot", role: .reporter)
            #expect(other != key)

            let who = try store.authenticate(key)
            #expect(who?.name == "ci")
            #expect(who?.role == .editor)
            #expect(who?.createdAt == clock.now)
            #expect(who?.revokedAt == nil)
            #expect(try store.authenticate(other)?.role == .reporter)
            #expect(try store.authenticate(key + "x") == nil)
            #expect(try store.authenticate("") == nil)
            #expect(try store.keys().map(\.name) == ["ci", "bot"])

            // No column of api_keys holds the key, in any form SQLite can render.
            guard let sqlite = store as? SQLiteStore else { return }
            let hits = try sqlite.pool.read { db in
                try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM api_keys
                    WHERE instr(CAST(key_hash AS TEXT), ?) OR instr(name, ?) OR instr(role, ?)
                       OR instr(hex(key_hash), hex(?))
                    """, arguments: [key, key, key, key])!
            }
            #expect(hits == 0)
            // Nor do the database files.
            try sqlite.pool.writeWithoutTransaction { db in _ = try db.checkpoint(.full) }
            let needle = Data(key.utf8)
            for file in try FileManager.default.contentsOfDirectory(atPath: dir.url.path) {
                let bytes = try Data(contentsOf: dir.url.appendingPathComponent(file))
                #expect(bytes.range(of: needle) == nil, "\(file) holds the key")
            }
        }
    }

    @Test(arguments: Engine.available) func revokeAndNameRules(_ engine: Engine) throws {
        try withStore(engine) { (store, clock, _) throws in
            let key = try store.createKey(name: "ci", role: .admin)
            let dup = #expect(throws: StoreError.self) { try store.createKey(name: "ci", role: .reporter) }
            #expect(dup?.kind == "conflict")
            #expect(try store.authenticate(key)?.role == .admin)

            clock.advance(3600)
            try store.revokeKey(name: "ci")
            #expect(try store.authenticate(key) == nil)
            #expect(try store.keys().first?.revokedAt == clock.now)

            let unknown = #expect(throws: StoreError.self) { try store.revokeKey(name: "nobody") }
            #expect(unknown?.kind == "notFound")
            // The name stays taken by the revoked key.
            let again = #expect(throws: StoreError.self) { try store.createKey(name: "ci", role: .reporter) }
            #expect(again?.kind == "conflict")
            #expect(try store.keys().count == 1)
        }
    }

    @Test(arguments: Engine.available) func idempotencyRoundTripAndExpiry(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-10T12:00:00Z")) { (store, clock, _) throws in
            _ = try store.createKey(name: "a", role: .reporter)
            _ = try store.createKey(name: "b", role: .reporter)
            let ids = try store.keys().map(\.id)
            let body = Array(#"{"city":"Kiev"}"#.utf8)
            let first = StoredResponse(method: "POST", path: "/v1/reports", bodyHash: Idempotency.bodyHash(body), status: 201,
                                       response: Array("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}".utf8) + [0, 255])
            try store.storeResponse(first, apiKey: ids[0], key: "k-1")
            #expect(try store.storedResponse(apiKey: ids[0], key: "k-1") == first)
            #expect(first.bodyHash.count == 32)
            #expect(Idempotency.bodyHash(body) != Idempotency.bodyHash(body + [32]))
            // Keys are per API key.
            #expect(try store.storedResponse(apiKey: ids[1], key: "k-1") == nil)
            #expect(try store.storedResponse(apiKey: ids[0], key: "k-2") == nil)

            clock.advance(24 * 3600 - 1)
            #expect(try store.storedResponse(apiKey: ids[0], key: "k-1") == first)
            clock.advance(1)
            #expect(try store.storedResponse(apiKey: ids[0], key: "k-1") == nil)

            // After expiry the key can be used afresh.
            var second = first
            second.status = 422
            second.response = Array("other".utf8)
            try store.storeResponse(second, apiKey: ids[0], key: "k-1")
            #expect(try store.storedResponse(apiKey: ids[0], key: "k-1") == second)
            #expect(try store.rowCount("idempotency_keys") == 1)
        }
    }
}
