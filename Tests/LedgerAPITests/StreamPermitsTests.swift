@testable import LedgerAPI
import Testing

@Suite("Stream permits")
struct StreamPermitsTests {
    @Test("at most limit taken at once; one given back can be taken again; the refusal is a 503")
    func boundedAndReusable() {
        let permits = StreamPermits(limit: 2)
        #expect(permits.take())
        #expect(permits.take())
        #expect(!permits.take(), "both are taken")
        #expect(permits.inUse == 2)
        permits.giveBack()
        #expect(permits.take())
        #expect(!permits.take())
        let refusal = permits.refusal.response
        #expect(refusal.head.status.code == 503)
        #expect(refusal.head.headerFields[.retryAfter] != nil)
    }
}
