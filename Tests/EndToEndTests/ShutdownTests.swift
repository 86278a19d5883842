import Foundation
import Testing

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test("SIGTERM answers a held poll with its normal empty answer and exits 0")
    func sigterm() throws {
        let server = try ServerProcess(asFromAShell: true)
        let answered = Mutex<HTTPClient.Answer?>(nil)
        let poller = Thread {
            let a = try? server.client().get("/v1/changes?since=0&wait=30")
            answered.withLock { $0 = a }
        }
        poller.start()
        Thread.sleep(forTimeInterval: 0.5)
        let started = Date()
        let status = server.stop()
        #expect(status == 0)
        #expect(Date().timeIntervalSince(started) < 10)
        while answered.withLock({ $0 }) == nil && Date().timeIntervalSince(started) < 5 { Thread.sleep(forTimeInterval: 0.01) }
        let answer = try #require(answered.withLock { $0 })
        #expect(answer.status == 200)
        #expect((answer.object["items"] as? [Any])?.isEmpty == true)
    }
}

import Synchronization
