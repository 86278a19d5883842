import Foundation
import Testing

/// Exports over HTTP and on the command line, `import`, and `POST /v1/imports`, against a
/// real server process.
@Suite("Import and export", .serialized)
struct ImportExportTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    func keyed() throws -> (ServerProcess, editor: String, reporter: String) {
        var keys: [String: String] = [:]
        let server = try ServerProcess { db in
            for role in ["reporter", "editor"] {
                let r = try ServerProcess.cli(["keys", "create", "--db", db, "--name", "io-\(role)", "--role", role])
                guard r.status == 0 else { throw E2EError("keys create failed: \(r.err)") }
                keys[role] = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return (server, keys["editor"]!, keys["reporter"]!)
    }

    /// The rows of a CSV without the last two columns (created_at, updated_at).
    func withoutTimestamps(_ csv: String) -> [String] {
        csv.components(separatedBy: "\r\n").map { line in
            var parts = line.split(separator: ",", omittingEmptySubsequences: false)
            if parts.count > 2 { parts.removeLast(2) }
            return parts.joined(separator: ",")
        }
    }

    @Test("HTTP export, import into an empty database, export again: the same bytes, timestamps aside")
    func roundTrip() throws {
        let (server, editor, _) = try keyed()
        defer { server.stop() }
        let http = server.client()
        let reports = [
            #"{"city":"Kiev","occurred_at":"2025-10-10T02:30:00Z","source":{"name":"Mayor, Kyiv","kind":"official"},"killed":3,"injured":3,"reported_at":"2025-10-10T03:10:00Z","description":"Debris, fire; \"heavy\"\nsecond line","weapons":[{"kind":"missile","model":"Kh-101","count":2}]}"#,
            #"{"city":"Харків","occurred_at":"2025-10-11T21:00:00Z","time_precision":"day","source":{"name":"Synehubov","kind":"official"},"injured":12,"reported_at":"2025-10-12T06:00:00Z","location":{"latitude":50.0,"longitude":36.25}}"#,
            #"{"city":"Odesa","occurred_at":"2025-10-12T01:00:00Z","source":{"name":"Kiper","kind":"official"}}"#,
        ]
        for r in reports {
            let a = try http.post("/v1/reports", key: editor, r)
            #expect(a.status == 201, "\(a.text)")
        }
        let exported = try http.get("/v1/export/strikes.csv")
        #expect(exported.status == 200)
        #expect(exported.header("Content-Type") == "text/csv; charset=utf-8")
        #expect(exported.header("Content-Disposition") == #"attachment; filename="strikes.csv""#)
        #expect(exported.header("Transfer-Encoding") == "chunked")
        let etag = try #require(exported.header("ETag"))
        let lines = exported.text.components(separatedBy: "\r\n")
        #expect(lines.count == 5, "header, 3 strikes (a line feed inside quotes does not end a record), and the end: \(exported.text)")
        #expect(!exported.body.starts(with: [0xEF, 0xBB, 0xBF]), "no BOM")
        #expect(try http.get("/v1/export/strikes.csv", headers: [("If-None-Match", etag)]).status == 304)
        #expect(try http.get("/v1/export/strikes.csv?city=Kyiv", headers: [("If-None-Match", etag)]).status == 200)
        #expect(try http.get("/v1/export/strikes.csv?include_merged=maybe").status == 400)
        #expect(try http.get("/v1/export/strikes.csv?city=Atlantis").status == 422)
        let geo = try http.get("/v1/export/strikes.geojson")
        #expect(geo.header("Content-Type") == "application/geo+json")
        let features = (geo.object["features"] as? [[String: Any]]) ?? []
        #expect(features.count == 3)
        let acled = try http.get("/v1/export/strikes.acled.csv")
        #expect(acled.text.hasPrefix("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,"))
        let revisions = try http.get("/v1/export/revisions.csv")
        #expect(revisions.text.components(separatedBy: "\r\n").count == 4, "header, 2 revisions, the end")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("strikes.csv")
        try Data(exported.body).write(to: file)
        let copy = dir.appendingPathComponent("copy.sqlite").path
        let imported = try ServerProcess.cli(["import", file.path, "--db", copy, "--format", "csv"])
        #expect(imported.status == 0, "\(imported.err)")
        #expect(imported.out.contains("strikes created: 3"))
        #expect(imported.out.contains("refused with errors: 0"))
        let again = try ServerProcess.cli(["export", "--db", copy, "--format", "csv"])
        #expect(again.status == 0)
        #expect(withoutTimestamps(again.out) == withoutTimestamps(exported.text))
        let out = dir.appendingPathComponent("out.geojson").path
        #expect(try ServerProcess.cli(["export", "--db", copy, "--format", "geojson", "--city", "Kharkiv", "-o", out]).status == 0)
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains(#""location_source":"strike""#))

        let twice = try ServerProcess.cli(["import", file.path, "--db", copy, "--format", "csv"])
        #expect(twice.status == 0)
        #expect(twice.out.contains("skipped as already imported: 3"))
        #expect(twice.out.contains("progress:"), "plain progress lines when stdout is not a terminal")
    }

    @Test("an import beside a running server reaches its feed and exports within a second; refused rows fail the exit status")
    func importBesideARunningServer() throws {
        let (server, _, _) = try keyed()
        defer { server.stop() }
        guard !server.database.hasPrefix("postgres") else { return }
        let http = server.client()
        let before = try http.get("/v1/export/strikes.acled.csv")
        let etag = try #require(before.header("ETag"))
        // A long-poll held while the import runs.
        let poll = Thread.detachedResult { try? http.get("/v1/changes?since=0&wait=10") }
        Thread.sleep(forTimeInterval: 0.3)
        let fixture = Self.fixtures.appendingPathComponent("awkward-acled.csv").path
        let started = Date()
        let r = try ServerProcess.cli(["import", fixture, "--db", server.database, "--format", "acled", "--source", "ACLED"])
        #expect(r.status != 0, "rows were refused")
        #expect(r.err.contains("line 9: location names an unknown city \"Nowhereville\""))
        #expect(r.err.contains("line 10: location names an unknown city \"Odesaa\" (did you mean Odesa"))
        #expect(r.err.contains("line 11: fatalities"))
        #expect(r.err.contains("line 12: event_date"))
        #expect(r.out.contains("unknown cities:"))
        let answer = poll.wait()
        #expect(answer?.status == 200)
        #expect(((answer?.object["items"] as? [Any]) ?? []).count >= 1)
        #expect(Date().timeIntervalSince(started) < 10)
        var changed = false
        let deadline = Date().addingTimeInterval(1.5)
        while Date() < deadline, !changed {
            changed = try http.get("/v1/export/strikes.acled.csv", headers: [("If-None-Match", etag)]).status == 200
            if !changed { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(changed, "the export's ETag follows another process's commits")
        let acled = try http.get("/v1/export/strikes.acled.csv").text
        #expect(acled.components(separatedBy: "\r\n").count >= 5)
        let allowed = try ServerProcess.cli(["import", fixture, "--db", server.database, "--format", "acled", "--source", "ACLED",
                                             "--allow-errors"])
        #expect(allowed.status == 0)
        #expect(allowed.out.contains("skipped as already imported: 5"))
    }

    @Test("POST /v1/imports: an editor's CSV or GeoJSON body, answered with the summary")
    func importOverHTTP() throws {
        let (server, editor, reporter) = try keyed()
        defer { server.stop() }
        let http = server.client()
        let csv = "city,occurred_at,killed,source\r\nKyiv,2025-10-10T02:30:00Z,3,Mayor\r\nAtlantis,2025-10-10T02:30:00Z,1,Mayor\r\n"
        let csvType = [("Content-Type", "text/csv")]
        #expect(try http.post("/v1/imports", key: reporter, csv, headers: csvType).status == 403)
        #expect(try http.post("/v1/imports", key: editor, csv).status == 415)
        let dry = try http.post("/v1/imports?dry_run=true", key: editor, csv, headers: csvType)
        #expect(dry.status == 200, "\(dry.text)")
        #expect(dry.object["strikes_created"] as? Int == 1)
        #expect(dry.object["dry_run"] as? Bool == true)
        let a = try http.post("/v1/imports?source=newsroom", key: editor, csv, headers: csvType)
        #expect(a.object["strikes_created"] as? Int == 1)
        #expect(a.object["refused"] as? Int == 1)
        let error = ((a.object["errors"] as? [[String: Any]]) ?? []).first
        #expect(error?["line"] as? Int == 3)
        #expect(error?["field"] as? String == "city")
        #expect(((a.object["unknown_cities"] as? [[String: Any]]) ?? []).first?["name"] as? String == "Atlantis")
        let b = try http.post("/v1/imports?source=newsroom", key: editor, csv, headers: csvType)
        #expect(b.object["skipped"] as? Int == 1)
        let geo = try http.get("/v1/export/strikes.geojson")
        let other = try http.post("/v1/imports?source=geo", key: editor, geo.text, headers: [("Content-Type", "application/geo+json")])
        #expect(other.status == 200)
        #expect(other.object["strikes_created"] as? Int == 1, "a strikes export's rows are strikes of their own: \(other.text)")
        let acled = try String(contentsOf: Self.fixtures.appendingPathComponent("awkward-acled.csv"), encoding: .utf8)
        let c = try http.post("/v1/imports", key: editor, acled, headers: csvType)
        #expect(c.object["refused"] as? Int == 4, "recognised as ACLED by its header: \(c.text)")
    }
}

extension Thread {
    /// Runs `body` on a new thread; `wait()` returns its result.
    static func detachedResult<T: Sendable>(_ body: @escaping @Sendable () -> T) -> Pending<T> {
        let pending = Pending<T>()
        Thread { pending.set(body()) }.start()
        return pending
    }

    final class Pending<T: Sendable>: @unchecked Sendable {
        private var value: T?
        private let done = DispatchSemaphore(value: 0)
        func set(_ v: T) { value = v; done.signal() }
        func wait() -> T { done.wait(); return value! }
    }
}
