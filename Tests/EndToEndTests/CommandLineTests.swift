import Foundation
import Testing

@Suite("Command line")
struct CommandLineTests {
    private func freshDatabase() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).sqlite").path
    }

    @Test("keys create prints exactly one key on a fresh path, and keys list never shows it")
    func createAndList() throws {
        let db = freshDatabase()
        defer { try? FileManager.default.removeItem(atPath: db) }
        let created = try ServerProcess.cli(["keys", "create", "--db", db, "--name", "a", "--role", "admin"])
        #expect(created.status == 0)
        let lines = created.out.split(separator: "\n")
        #expect(lines.count == 1)
        let key = String(try #require(lines.first))
        #expect(key.count >= 32)
        let listed = try ServerProcess.cli(["keys", "list", "--db", db])
        #expect(listed.status == 0)
        #expect(listed.out.contains("a\tadmin"))
        #expect(!listed.out.contains(key))
        // The database file holds only a hash of the key.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: db))
        #expect(bytes.range(of: Data(key.utf8)) == nil)
    }

    @Test("--db may stand before or after the other options, or come from STRIKELEDGER_DB")
    func databaseOptionPlacement() throws {
        let db = freshDatabase()
        defer { try? FileManager.default.removeItem(atPath: db) }
        #expect(try ServerProcess.cli(["keys", "create", "--db", db, "--name", "first", "--role", "reporter"]).status == 0)
        #expect(try ServerProcess.cli(["keys", "create", "--name", "second", "--role", "editor", "--db", db]).status == 0)
        let viaEnv = try ServerProcess.cli(["keys", "list"], environment: ["STRIKELEDGER_DB": db])
        #expect(viaEnv.out.contains("first\treporter"))
        #expect(viaEnv.out.contains("second\teditor"))
    }

    @Test("errors go to stderr with a non-zero status and nothing on stdout")
    func errors() throws {
        let db = freshDatabase()
        defer { try? FileManager.default.removeItem(atPath: db) }
        let badRole = try ServerProcess.cli(["keys", "create", "--db", db, "--name", "x", "--role", "overlord"])
        #expect(badRole.status != 0)
        #expect(badRole.out.isEmpty)
        #expect(badRole.err.contains("role"))
        #expect(try ServerProcess.cli(["keys", "create", "--db", db, "--name", "x", "--role", "admin"]).status == 0)
        let duplicate = try ServerProcess.cli(["keys", "create", "--db", db, "--name", "x", "--role", "admin"])
        #expect(duplicate.status != 0)
        #expect(duplicate.out.isEmpty)
        let unknown = try ServerProcess.cli(["keys", "revoke", "--db", db, "nobody"])
        #expect(unknown.status != 0)
        #expect(unknown.out.isEmpty)
    }

    @Test("a revoked key is listed as revoked and no longer writes")
    func revoke() throws {
        let server = try ServerProcess { db in
            _ = try ServerProcess.cli(["keys", "create", "--db", db, "--name", "gone", "--role", "reporter"])
        }
        defer { server.stop() }
        let key = try ServerProcess.cli(["keys", "create", "--db", server.database, "--name", "live", "--role", "reporter"]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let body = #"{"name": "Ukrainian Air Force", "kind": "military"}"#
        #expect(try server.client().post("/v1/sources", key: key, body).status == 201)
        #expect(try ServerProcess.cli(["keys", "revoke", "--db", server.database, "live"]).status == 0)
        let refused = try server.client().post("/v1/sources", key: key, body)
        #expect(refused.status == 401)
        #expect(refused.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
        let listed = try ServerProcess.cli(["keys", "list", "--db", server.database]).out
        #expect(listed.split(separator: "\n").contains { $0.hasPrefix("live\treporter") && !$0.hasSuffix("\t-") })
    }

    @Test("migrate creates the schema and is a no-op the second time; backup copies a live database",
          .enabled(if: !TestDatabase.isPostgres, "SQLite's backup; PostgreSQL's is pg_dump"))
    func migrateAndBackup() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        #expect(try ServerProcess.cli(["migrate", "--db", server.database]).status == 0)
        let key = try ServerProcess.cli(["keys", "create", "--db", server.database, "--name", "w", "--role", "reporter"]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let report = #"{"city": "Odessa", "occurred_at": "2025-10-10T01:00:00Z", "source": {"name": "Oleh Kiper", "kind": "official"}, "killed": 1}"#
        #expect(try server.client().post("/v1/reports", key: key, report).status == 201)
        let copy = server.directory.appendingPathComponent("copy.sqlite").path
        let backup = try ServerProcess.cli(["backup", "--db", server.database, copy])
        #expect(backup.status == 0)
        #expect(backup.out.isEmpty)
        // The copy is a working database: a second server serves the same figures from it.
        let replica = try ServerProcess(prepare: { db in try FileManager.default.copyItem(atPath: copy, toPath: db) })
        defer { replica.stop() }
        let answer = try replica.client().get("/v1/casualties?city=odesa&date=2025-10-10")
        #expect((answer.object["totals"] as? [String: Any])?["killed"] as? Int == 1)
        // An existing destination is refused rather than overwritten.
        #expect(try ServerProcess.cli(["backup", "--db", server.database, copy]).status != 0)
    }
}

extension CommandLineTests {
    @Test("serve --help states each default once")
    func serveHelpStatesDefaultsOnce() throws {
        let help = try ServerProcess.cli(["serve", "--help"])
        #expect(help.status == 0)
        #expect(help.out.components(separatedBy: "21600").count == 2, "\(help.out)")
        #expect(help.out.contains("--cors-origin"))
        for line in help.out.split(separator: "\n") {
            #expect(line.components(separatedBy: "default").count <= 2, "\(line)")
        }
    }
}
