import Dispatch
import Synchronization

/// The writable end of a streaming response. Thread-safe.
///
/// `write` queues bytes and wakes the connection's event loop, which frames them as
/// chunks. The stream ends when `finish` is called, the client goes away, more than
/// `maxBufferedBytes` are waiting to be sent, or the server shuts down.
///
/// A client that reads too slowly (more than `maxBufferedBytes` waiting) gets a clean
/// end at a write's boundary: what it was sent so far, `closingNote`, then the
/// terminating chunk; later writes are dropped. Each write is whole or absent, so a
/// writer that writes one event per call never has an event cut in two.
public final class ResponseStream: Sendable {
    private struct State {
        var chunks: [[UInt8]] = []
        var queuedBytes = 0
        /// No more writes are accepted.
        var closed = false
        var finishRequested = false
        /// Ended as broken (`abort`): closed without the terminating chunk.
        var aborted = false
        /// Ended because the client read too slowly.
        var tooSlow = false
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
    /// Bytes sent as the last chunk when the stream is ended because the client reads
    /// too slowly (an SSE comment saying why), or nil.
    let closingNote: [UInt8]?
    /// When true, a writer that finds `maxBufferedBytes` queued waits for the client to read
    /// (backpressure, for a download made as fast as the client takes it) instead of the
    /// stream being ended as too slow (for a live feed).
    public let blocking: Bool
    /// How long a blocking writer waits for the client to take anything before the
    /// stream is aborted (the client then sees an incomplete body): a client that stops
    /// reading does not hold the writer, and what it holds, for ever.
    public let stallLimit: Duration
    private let state = Mutex(State())
    /// Compresses what is written, when the client takes gzip (see `OutputFilters.prepare`).
    private let encoder = Mutex<GzipDeflater?>(nil)
    private let space = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - heartbeat: bytes written (as a chunk) whenever nothing was written for
    ///     `heartbeatInterval` (an SSE comment line such as ": keep-alive\n\n"); nil for none.
    ///   - maxBufferedBytes: when more than this is queued unsent because the client
    ///     reads too slowly, the server ends the stream (after `closingNote`) and closes
    ///     the connection once the client has read the rest.
    ///   - closingNote: the last chunk of a stream ended for a slow client; nil for none.
    ///   - blocking: see `blocking`.
    ///   - stallLimit: see `stallLimit` (blocking streams only).
    public init(heartbeat: [UInt8]? = nil, heartbeatInterval: Duration = .seconds(15),
                maxBufferedBytes: Int = 1 << 20, closingNote: [UInt8]? = nil, blocking: Bool = false,
                stallLimit: Duration = .seconds(60)) {
        self.heartbeat = heartbeat?.isEmpty == true ? nil : heartbeat
        self.heartbeatInterval = heartbeatInterval
        self.maxBufferedBytes = maxBufferedBytes
        self.closingNote = closingNote?.isEmpty == true ? nil : closingNote
        self.blocking = blocking
        self.stallLimit = stallLimit
    }

    /// Queues a chunk. Returns false once the stream is finished (client gone,
    /// buffer overflow, server shutdown): stop writing then.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        let encoded = encoder.withLock { $0.map { $0.compress(bytes) } }
        guard let encoded else { return enqueue(bytes) }
        return encoded.isEmpty ? !isFinished : enqueue(encoded)
    }

    /// Has every later write gzipped, the gzip trailer going out with `finish`.
    func compress(level: Int32) {
        encoder.withLock { $0 = GzipDeflater(level: level) }
    }

    private func enqueue(_ bytes: [UInt8]) -> Bool {
        if blocking {
            // Waits while the loop has not taken what is queued; the loop takes it only as
            // fast as the client reads (see the event loop's pump).
            let waitingSince = ContinuousClock.now
            while true {
                let wait = state.withLock { state -> Bool in
                    guard !state.closed, state.queuedBytes >= maxBufferedBytes else { return false }
                    state.writerWaiting = true
                    return true
                }
                if !wait { break }
                if ContinuousClock.now - waitingSince > stallLimit {
                    abort()
                    return false
                }
                _ = space.wait(timeout: .now() + .milliseconds(100))
            }
        }
        var wake: LoopBinding? = nil
        let accepted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            if bytes.isEmpty { return true }
            var accepted = true
            if state.queuedBytes > 0 && state.queuedBytes + bytes.count > maxBufferedBytes && !blocking {
                // Too slow: this write is dropped whole; the loop ends the stream after
                // what is queued.
                state.closed = true
                state.tooSlow = true
                accepted = false
            } else {
                state.chunks.append(bytes)
                state.queuedBytes += bytes.count
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
        if let tail = encoder.withLock({ $0?.finish() }), !tail.isEmpty { _ = enqueue(tail) }
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
            state.aborted = true
            if let binding = state.binding, !state.wakePosted {
                state.wakePosted = true
                wake = binding
            }
        }
        if let wake { wake.loop.post(.streamReady(wake.connection)) }
    }

    /// True once the stream can take no more writes.
    public var isFinished: Bool { state.withLock { $0.closed } }

    /// True when the stream was ended because the client read too slowly (known by the
    /// time the `onFinish` callbacks run).
    public var endedTooSlow: Bool { state.withLock { $0.tooSlow } }

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
        var aborted: Bool
        var tooSlow: Bool
    }

    func bind(_ binding: LoopBinding) {
        state.withLock { $0.binding = binding }
    }

    /// Takes the queued chunks and flags.
    func drain() -> Pending {
        state.withLock { state in
            let pending = Pending(chunks: state.chunks, finishRequested: state.finishRequested,
                                  aborted: state.aborted, tooSlow: state.tooSlow)
            state.chunks = []
            state.queuedBytes = 0
            state.wakePosted = false
            if state.writerWaiting { state.writerWaiting = false; space.signal() }
            return pending
        }
    }

    /// Records that the loop ends the stream because the client reads too slowly (its
    /// output, not this queue, went over the limit); no more writes are accepted.
    func markTooSlow() {
        state.withLock { state in
            state.closed = true
            state.tooSlow = true
        }
    }

    /// Ends the stream for good (finished, client gone, too slow, shutdown) and runs the
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
