import Dispatch
import Foundation
import HTTPTypes
@testable import SocketHTTP
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

@Suite("gzip in pieces")
struct GzipDeflaterTests {
    @Test("pieces written one by one come out as one gzip member holding them all, in order")
    func piecesMakeOneMember() throws {
        let deflater = try #require(GzipDeflater(level: 1))
        var pieces: [[UInt8]] = [[]]
        var expected: [UInt8] = []
        for i in 0..<300 {
            // Text that compresses, and bytes that do not (a pseudo-random run).
            var piece = Array("line \(i): Київ, \"quoted\", ".utf8)
            var x = UInt32(i &* 2_654_435_761 & 0xffff_ffff)
            for _ in 0..<(i % 7) * 500 { x = x &* 1_103_515_245 &+ 12_345; piece.append(UInt8(truncatingIfNeeded: x >> 16)) }
            pieces.append(piece)
            expected += piece
        }
        var compressed: [UInt8] = []
        for piece in pieces { compressed += deflater.compress(piece) }
        compressed += deflater.finish()
        #expect(deflater.finish().isEmpty, "finished once")
        #expect(gunzip(compressed) == expected)
        #expect(compressed.count < expected.count)
    }

    @Test("a prepared stream writes gzip and says so; a client that does not take gzip gets the bytes as written")
    func preparedStream() {
        var head = HTTPResponse(status: .ok, headerFields: [.eTag: "\"t\""])
        let stream = ResponseStream(blocking: false)
        OutputFilters().prepare(&head, stream, for: HTTPRequest(method: .get, scheme: "http", authority: "a", path: "/",
                                                               headerFields: [.acceptEncoding: "gzip, br"]))
        #expect(head.headerFields[.contentEncoding] == "gzip")
        #expect(head.headerFields[.eTag] == "W/\"t\"")
        #expect(head.headerFields[.vary] == "Accept-Encoding")

        var plain = HTTPResponse(status: .ok, headerFields: [.eTag: "\"t\""])
        OutputFilters().prepare(&plain, ResponseStream(), for: HTTPRequest(method: .get, scheme: "http", authority: "a", path: "/"))
        #expect(plain.headerFields[.contentEncoding] == nil)
        #expect(plain.headerFields[.eTag] == "\"t\"")
        #expect(plain.headerFields[.vary] == "Accept-Encoding")
    }
}
