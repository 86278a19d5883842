import Dispatch
import Synchronization

/// The writable end of a streaming response. Thread-safe.
///
/// `write` queues bytes and wakes the connection's event loop, which frames them as
/// chunks. The stream ends when `finish` is called, the client goes away, more than
/// `maxBufferedBytes` are waiting to be sent, or the server shuts down.
public final class ResponseStream: Sendable {
    private struct State {
        var chunks: [[UInt8]] = []
        var queuedBytes = 0
        /// No more writes are accepted.
        var closed = false
        var finishRequested = false
        var overflowed = false
        var ended = false
        var wakePosted = false
        var binding: LoopBinding? = nil
        var callbacks: [@Sendable () -> Void] = []
        /// A writer waits for the loop to take what is queued (a blocking stream).
        var writerWaiting = false
    }

    let heartbeat: [UInt8]?
    let heartbeatInterval: Duration
    let maxBufferedBytes: Int
    /// When true, a writer that finds `maxBufferedBytes` queued waits for the client to read
    /// (backpressure, for a download made as fast as the client takes it) instead of the
    /// stream being ended as too slow (for a live feed).
    public let blocking: Bool
    private let state = Mutex(State())
    private let space = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - heartbeat: bytes written (as a chunk) whenever nothing was written for
    ///     `heartbeatInterval` (an SSE comment line such as ": keep-alive\n\n"); nil for none.
    ///   - maxBufferedBytes: when more than this is queued unsent because the client
    ///     reads too slowly, the server ends the stream and closes the connection.
    public init(heartbeat: [UInt8]? = nil, heartbeatInterval: Duration = .seconds(15),
                maxBufferedBytes: Int = 1 << 20, blocking: Bool = false) {
        self.heartbeat = heartbeat?.isEmpty == true ? nil : heartbeat
        self.heartbeatInterval = heartbeatInterval
        self.maxBufferedBytes = maxBufferedBytes
        self.blocking = blocking
    }

    /// Queues a chunk. Returns false once the stream is finished (client gone,
    /// buffer overflow, server shutdown): stop writing then.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        if blocking {
            // Waits while the loop has not taken what is queued; the loop takes it only as
            // fast as the client reads (see the event loop's pump).
            while true {
                let wait = state.withLock { state -> Bool in
                    guard !state.closed, state.queuedBytes >= maxBufferedBytes else { return false }
                    state.writerWaiting = true
                    return true
                }
                if !wait { break }
                _ = space.wait(timeout: .now() + .milliseconds(100))
            }
        }
        var wake: LoopBinding? = nil
        let accepted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            if bytes.isEmpty { return true }
            state.chunks.append(bytes)
            state.queuedBytes += bytes.count
            var accepted = true
            if state.queuedBytes > maxBufferedBytes && !blocking {
                state.closed = true
                state.overflowed = true
                accepted = false
            }
            if let binding = state.binding, !state.wakePosted {
                state.wakePosted = true
                wake = binding
            }
            return accepted
        }
        if let wake { wake.loop.post(.streamReady(wake.connection)) }
        return accepted
    }

    /// Ends the body (the terminating zero chunk) and, per keep-alive rules, the exchange.
    public func finish() {
        var wake: LoopBinding? = nil
        state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            state.finishRequested = true
            if let binding = state.binding, !state.wakePosted {
                state.wakePosted = true
                wake = binding
            }
        }
        if let wake { wake.loop.post(.streamReady(wake.connection)) }
    }

    /// Ends the body as broken: the connection is closed without the terminating chunk,
    /// so the client sees an incomplete response (an export whose query failed midway).
    public func abort() {
        var wake: LoopBinding? = nil
        state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            state.overflowed = true
            if let binding = state.binding, !state.wakePosted {
                state.wakePosted = true
                wake = binding
            }
        }
        if let wake { wake.loop.post(.streamReady(wake.connection)) }
    }

    /// True once the stream can take no more writes.
    public var isFinished: Bool { state.withLock { $0.closed } }

    /// Called once when the stream ends for any reason. Use it to unregister subscribers.
    /// Registered after that, it runs at once on the calling thread.
    public func onFinish(_ body: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.ended { return true }
            state.callbacks.append(body)
            return false
        }
        if runNow { body() }
    }

    // MARK: - Event-loop side

    /// What the event loop takes from the stream on each wake-up.
    struct Pending {
        var chunks: [[UInt8]]
        var finishRequested: Bool
        var overflowed: Bool
    }

    func bind(_ binding: LoopBinding) {
        state.withLock { $0.binding = binding }
    }

    /// Takes the queued chunks and flags.
    func drain() -> Pending {
        state.withLock { state in
            let pending = Pending(chunks: state.chunks, finishRequested: state.finishRequested,
                                  overflowed: state.overflowed)
            state.chunks = []
            state.queuedBytes = 0
            state.wakePosted = false
            if state.writerWaiting { state.writerWaiting = false; space.signal() }
            return pending
        }
    }

    /// Ends the stream for good (finished, client gone, overflow, shutdown) and runs the
    /// `onFinish` callbacks, once.
    func end() {
        let callbacks = state.withLock { state -> [@Sendable () -> Void]? in
            state.closed = true
            if state.writerWaiting { state.writerWaiting = false; space.signal() }
            guard !state.ended else { return nil }
            state.ended = true
            defer { state.callbacks = [] }
            return state.callbacks
        }
        for callback in callbacks ?? [] { callback() }
    }
}
