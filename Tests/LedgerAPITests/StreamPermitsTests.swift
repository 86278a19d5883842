@testable import LedgerAPI
import Dispatch
import Foundation
import Testing

@Suite("Stream permits")
struct StreamPermitsTests {
    @Test("at most limit taken at once; past it a request waits its patience, then the refusal is a 503")
    func boundedThenRefused() {
        let permits = StreamPermits(limit: 2, patience: .milliseconds(200))
        #expect(permits.take())
        #expect(permits.take())
        let started = ContinuousClock.now
        #expect(!permits.take(), "both are taken and none comes free")
        #expect(ContinuousClock.now - started >= .milliseconds(200), "it waited its patience first")
        #expect(permits.inUse == 2)
        permits.giveBack()
        #expect(permits.take())
        let refusal = permits.refusal.response
        #expect(refusal.head.status.code == 503)
        #expect(refusal.head.headerFields[.retryAfter] != nil)
    }

    @Test("a request that waits gets the permit given back meanwhile")
    func aWaiterGetsTheNextPermit() {
        let permits = StreamPermits(limit: 1, patience: .seconds(5))
        #expect(permits.take())
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.1)
            permits.giveBack()
        }
        let started = ContinuousClock.now
        #expect(permits.take(), "the permit given back goes to the waiter")
        #expect(ContinuousClock.now - started < .seconds(4))
        permits.giveBack()
        #expect(permits.inUse == 0)
    }
}
