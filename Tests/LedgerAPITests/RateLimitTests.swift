import Testing

@Suite("Write rate limit")
struct RateLimitTests {
    @Test("past its burst, a key's writes get 429 with Retry-After, other keys and reads go on")
    func limitPerKey() throws {
        let ledger = try Ledger { $0.writesPerSecondPerKey = 0.5 }  // burst of 5
        let body = #"{"name": "Ukrainska Pravda", "kind": "media"}"#
        let statuses = (0..<6).map { _ in ledger.reporter.post("/v1/sources", body).status }
        #expect(statuses.prefix(5).allSatisfy { $0 == 200 || $0 == 201 })
        let refused = ledger.reporter.post("/v1/sources", body)
        #expect(refused.status == 429)
        #expect(refused.isProblem)
        #expect(Int(refused.header("Retry-After") ?? "") ?? 0 >= 1)
        #expect(ledger.editor.post("/v1/sources", body).status == 200)
        #expect(ledger.anonymous.get("/v1/sources").status == 200)
    }
}
