import Foundation
import Testing

@Suite("Idempotent ingest")
struct IdempotencyTests {
    @Test("a retry with the same Idempotency-Key, even after a restart, replays the first answer and writes nothing")
    func replayAcrossRestart() throws {
        var database = ""
        var key = ""
        let first = try ServerProcess { db in
            database = db
            key = try ServerProcess.cli(["keys", "create", "--db", db, "--name", "scraper", "--role", "reporter"]).out
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let body = """
            {"city": "Odesa", "occurred_at": "2025-10-10T01:10:00Z", "source": {"name": "Oleh Kiper", "kind": "official"},
             "killed": 1, "injured": 6, "reported_at": "2025-10-10T04:00:00Z"}
            """
        let headers = [("Idempotency-Key", "odesa-kiper-0400")]
        let original = try first.client().post("/v1/reports", key: key, body, headers: headers)
        #expect(original.status == 201)
        let again = try first.client().post("/v1/reports", key: key, body, headers: headers)
        #expect(again.status == 201)
        #expect(again.body == original.body)
        #expect(again.header("Location") == original.header("Location"))
        let other = try first.client().post("/v1/reports", key: key, body.replacingOccurrences(of: "\"killed\": 1", with: "\"killed\": 2"), headers: headers)
        #expect(other.status == 409)

        // Stop the server and start another on the same database: the answer was kept with the write.
        let db = database
        first.stop(keepingDatabase: true)
        let second = try ServerProcess(database: db)
        defer { second.stop(); try? FileManager.default.removeItem(at: first.directory) }
        let key2 = key
        let afterRestart = try second.client().post("/v1/reports", key: key2, body, headers: headers)
        #expect(afterRestart.status == 201)
        #expect(afterRestart.body == original.body)
        let strike = try #require((original.object["strike"] as? [String: Any])?["id"] as? Int)
        let history = try second.client().get("/v1/strikes/\(strike)/revisions")
        #expect((history.object["items"] as? [Any])?.count == 1, "exactly one write")
    }
}
