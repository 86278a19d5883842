// The public surface of SocketHTTP that LedgerAPI codes against.
// (Interface drafted first so the server and the API can be built in parallel;
//  implementation files live beside this one.)
import HTTPTypes

/// A fully received request: the head as swift-http-types models it, plus the body bytes
/// (already de-chunked; at most `ServerConfiguration.maxBodyBytes`).
public struct Request: Sendable {
    public var head: HTTPRequest
    public var body: [UInt8]
    /// The peer's address, e.g. "127.0.0.1:53122" or "[::1]:53122".
    public var remoteAddress: String

    public init(head: HTTPRequest, body: [UInt8], remoteAddress: String = "") {
        self.head = head
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The path without the query string, percent-encoding untouched.
    public var path: Substring {
        let full = head.path ?? ""
        guard let mark = full.utf8.firstIndex(of: UInt8(ascii: "?")) else { return full[...] }
        return full[..<mark]
    }
    /// The raw query string after `?`, or "" when there is none.
    public var query: Substring {
        let full = head.path ?? ""
        guard let mark = full.utf8.firstIndex(of: UInt8(ascii: "?")) else { return "" }
        return full[full.utf8.index(after: mark)...]
    }
}

/// A complete response: status and header fields, and the body bytes.
/// The server adds `Date`, `Content-Length` (or `Transfer-Encoding: chunked` for streams)
/// and `Connection` itself, and drops the body for HEAD requests, 1xx, 204 and 304.
public struct Response: Sendable {
    public var head: HTTPResponse
    public var body: [UInt8]
    public init(head: HTTPResponse, body: [UInt8] = []) { self.head = head; self.body = body }
}

/// What a handler gives back.
public enum Reply: Sendable {
    /// Written at once.
    case response(Response)
    /// Completed later by another thread (a long-poll). Holds no thread while it waits.
    case deferred(DeferredResponse)
    /// A response whose body is written as chunks until the client leaves (server-sent events).
    case stream(HTTPResponse, ResponseStream)
}

/// A response that some other thread completes later. Thread-safe; only the first
/// `complete` counts. If nobody completes it before `timeout`, or the server shuts down,
/// the server completes it with `fallback()`.
public final class DeferredResponse: Sendable {
    public init(timeout: Duration, fallback: @escaping @Sendable () -> Response) { fatalError() }
    /// Completes the response; returns false if it was already completed (or timed out,
    /// or the client went away).
    @discardableResult
    public func complete(_ response: Response) -> Bool { fatalError() }
    /// Called once, on some server thread, when the deferred response is finished for any
    /// reason (completed, timed out, client gone, shutdown). Use it to unregister waiters.
    public func onFinish(_ body: @escaping @Sendable () -> Void) { fatalError() }
}

/// The writable end of a streaming response. Thread-safe.
public final class ResponseStream: Sendable {
    /// - Parameters:
    ///   - heartbeat: bytes written (as a chunk) whenever nothing was written for
    ///     `heartbeatInterval` (an SSE comment line such as ": keep-alive\n\n"); nil for none.
    ///   - maxBufferedBytes: when more than this is queued unsent because the client
    ///     reads too slowly, the server ends the stream and closes the connection.
    public init(heartbeat: [UInt8]? = nil, heartbeatInterval: Duration = .seconds(15),
                maxBufferedBytes: Int = 1 << 20) { fatalError() }
    /// Queues a chunk. Returns false once the stream is finished (client gone,
    /// buffer overflow, server shutdown): stop writing then.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool { fatalError() }
    /// Ends the body (the terminating zero chunk) and, per keep-alive rules, the exchange.
    public func finish() { fatalError() }
    /// True once the stream can take no more writes.
    public var isFinished: Bool { fatalError() }
    /// Called once when the stream ends for any reason. Use it to unregister subscribers.
    public func onFinish(_ body: @escaping @Sendable () -> Void) { fatalError() }
}

/// The application side of the server.
public protocol HTTPHandler: Sendable {
    /// Called on an event-loop thread before anything else. Return a reply for requests
    /// that can be answered from memory in microseconds (a 304 for a conditional poll,
    /// /healthz); return nil to have `handle` run on the worker pool. Must never block.
    func handleInline(_ request: Request) -> Reply?
    /// Called on a worker-pool thread; may block (SQLite).
    func handle(_ request: Request) -> Reply
}

extension HTTPHandler {
    public func handleInline(_ request: Request) -> Reply? { nil }
}

/// Every limit and timeout of the server, in one value that tests can shrink.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 picks a free port; `HTTPServer.port` tells which.
    public var port: Int = 8080
    public var eventLoopThreads: Int = 2
    public var workerThreads: Int = 8
    /// Requests queued for the worker pool beyond this get 503 with Retry-After.
    public var maxQueuedRequests: Int = 10_000
    public var maxRequestLineBytes: Int = 8 * 1024
    public var maxHeaderBytes: Int = 16 * 1024
    public var maxHeaderCount: Int = 100
    public var maxBodyBytes: Int = 1 << 20
    public var headerTimeout: Duration = .seconds(10)
    public var keepAliveIdleTimeout: Duration = .seconds(60)
    /// A write that makes no progress for this long closes the connection.
    public var writeTimeout: Duration = .seconds(30)
    public var maxConnections: Int = 20_000
    /// How long shutdown waits for in-flight requests before closing anyway.
    public var shutdownGracePeriod: Duration = .seconds(8)
    public init() {}
}

/// The server. `start()` binds and returns; `run()`-style blocking is the caller's choice.
public final class HTTPServer: Sendable {
    public init(configuration: ServerConfiguration, handler: any HTTPHandler) { fatalError() }
    /// Binds, listens and starts the event loops and the worker pool. Throws on bind failure.
    public func start() throws { fatalError() }
    /// The bound port (useful with port 0).
    public var port: Int { fatalError() }
    /// Connections currently open.
    public var openConnections: Int { fatalError() }
    /// Stop accepting, finish in-flight requests (up to the grace period), complete
    /// deferred responses with their fallback, finish streams, close everything.
    /// Blocks until done. Safe to call from any thread, more than once.
    public func shutdown() { fatalError() }
    /// Blocks the calling thread until SIGTERM or SIGINT arrives, then calls `shutdown()`.
    public func runUntilSignalled() { fatalError() }
}
