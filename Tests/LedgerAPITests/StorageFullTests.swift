import Foundation
import GRDB
import Testing
@testable import LedgerSQLite

/// A full disk is said plainly: 503, `Retry-After`, a problem of its own type.
@Suite struct StorageFullAnswerTests {
    @Test func writesOnAFullDiskAnswer503StorageFullAndReadsGoOn() throws {
        let ledger = try Ledger()
        let store = try #require(ledger.store as? SQLiteStore)
        let first = ledger.strike(at: "2025-10-10T02:30:00Z")
        let pages = try store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
        try store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = \(pages)") }

        let long = String(repeating: "a shelter's wall, ", count: 50)
        var refused: Answer?
        for minute in 0..<500 {
            let at = String(format: "2025-10-09T%02d:%02d:00Z", minute / 60 % 24, minute % 60)
            let r = ledger.reporter.post("/v1/strikes", #"{"city": "Kyiv", "occurred_at": "\#(at)", "description": "\#(long)"}"#)
            if r.status != 201 { refused = r; break }
        }
        let r = try #require(refused)
        #expect(r.status == 503)
        #expect(r.contentType == "application/problem+json")
        #expect(r["type"].string == "urn:strikeledger:problem:storage-full")
        #expect(r["detail"].string?.contains("disk is full") == true, "\(r.text)")
        #expect(r.header("Retry-After") == "10")
        #expect(ledger.anonymous.get("/v1/strikes/\(first)").status == 200)

        try store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
        #expect(ledger.reporter.post("/v1/strikes", #"{"city": "Kyiv", "occurred_at": "2025-10-09T23:59:00Z"}"#).status == 201)
        #expect(ledger.anonymous.get("/readyz").status == 200)
    }
}
