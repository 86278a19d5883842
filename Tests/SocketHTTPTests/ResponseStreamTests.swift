import Dispatch
import Foundation
import SocketHTTP
import Synchronization
import Testing

@Suite("Response streams")
struct ResponseStreamTests {
    @Test("a blocking writer whose client takes nothing gives up after the stall limit and ends the stream")
    func blockingWriterGivesUpOnAStalledClient() {
        // Never bound to a connection: nothing ever takes what is queued.
        let stream = ResponseStream(maxBufferedBytes: 16, blocking: true, stallLimit: .milliseconds(300))
        #expect(stream.write(Array(repeating: 1, count: 32)), "the first write is queued at once")
        let outcome = Mutex<(Bool, Duration)?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let started = ContinuousClock.now
            let accepted = stream.write([2])
            outcome.withLock { $0 = (accepted, ContinuousClock.now - started) }
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 5) == .success, "the second write returned")
        let (accepted, waited) = outcome.withLock { $0 } ?? (true, .zero)
        #expect(!accepted, "refused: the client took nothing")
        #expect(waited >= .milliseconds(300))
        #expect(stream.isFinished)
        #expect(!stream.write([3]))
    }
}
