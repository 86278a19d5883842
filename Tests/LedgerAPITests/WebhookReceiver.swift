import Crypto
import Foundation
import HTTPTypes
import SocketHTTP
import Synchronization

/// A webhook receiver on an ephemeral port of 127.0.0.1: keeps every request it gets,
/// checks each signature with its own HMAC code, and can fail, dawdle or redirect.
final class WebhookReceiver {
    let answers: Answers
    private let server: HTTPServer

    /// `port` 0 picks a free one; another brings a receiver back where one was.
    init(failFirst: Int = 0, delay: Duration = .zero, redirect: Bool = false, port: Int = 0) throws {
        answers = Answers(failFirst: failFirst, delay: delay, redirect: redirect)
        var c = ServerConfiguration()
        c.port = port
        c.eventLoopThreads = 1
        c.workerThreads = 4
        c.shutdownGracePeriod = .milliseconds(100)
        server = HTTPServer(configuration: c, handler: answers)
        try server.start()
    }

    var port: Int { server.port }
    var url: String { "http://127.0.0.1:\(server.port)/hook" }
    var hits: [Answers.Hit] { answers.recorded.withLock { $0 } }
    func trust(_ secret: String) { answers.secrets.withLock { $0.append(secret) } }
    func stop() { server.shutdown() }
}

/// What the receiver answers, and what it got.
final class Answers: HTTPHandler, Sendable {
    struct Hit: Sendable {
        let path: String
        let id: String?
        let timestamp: String?
        let signature: String?
        let body: [UInt8]
        /// The secrets (as given to `expectSecrets`) whose signature is among the header's.
        let verifiedBy: [String]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    }

    let recorded = Mutex<[Hit]>([])
    private let failuresLeft: Atomic<Int>
    private let delay: Duration
    private let redirect: Bool
    let secrets = Mutex<[String]>([])

    init(failFirst: Int, delay: Duration, redirect: Bool) {
        failuresLeft = Atomic(failFirst)
        self.delay = delay
        self.redirect = redirect
    }

    func handle(_ request: Request) -> Reply {
        let f = request.head.headerFields
        let id = f[HTTPField.Name("webhook-id")!], ts = f[HTTPField.Name("webhook-timestamp")!]
        let signature = f[HTTPField.Name("webhook-signature")!]
        let given = signature?.split(separator: " ").map(String.init) ?? []
        let verified = secrets.withLock { $0 }.filter { secret in
            guard let id, let ts, secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))) else { return false }
            var mac = HMAC<SHA256>(key: SymmetricKey(data: key))
            mac.update(data: Array("\(id).\(ts).".utf8))
            mac.update(data: request.body)
            return given.contains("v1," + Data(mac.finalize()).base64EncodedString())
        }
        recorded.withLock {
            $0.append(Hit(path: String(request.path), id: id, timestamp: ts, signature: signature, body: request.body, verifiedBy: verified))
        }
        if delay > .zero { Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18) }
        if failuresLeft.wrappingSubtract(1, ordering: .relaxed).oldValue > 0 {
            return .response(Response(head: HTTPResponse(status: .internalServerError), body: Array("down".utf8)))
        }
        if redirect && request.path == "/hook" {
            return .response(Response(head: HTTPResponse(status: .found, headerFields: [.location: "/elsewhere"])))
        }
        return .response(Response(head: HTTPResponse(status: .noContent)))
    }
}

/// Waits (up to `seconds`) until `condition` holds; returns whether it did.
func eventually(_ seconds: Double = 20, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return condition()
}
