import Synchronization

/// A response that some other thread completes later. Thread-safe; only the first
/// `complete` counts. If nobody completes it before `timeout`, or the server shuts down,
/// the server completes it with `fallback()`.
///
/// A parked deferred response is a record on its connection; it holds no thread. Its
/// event loop is woken (through an eventfd) when another thread completes it.
public final class DeferredResponse: Sendable {
    private enum Phase {
        /// Waiting for `complete` (or the timeout).
        case pending
        /// Completed, not yet taken by the event loop.
        case completed(Response)
        /// Handed to the connection, timed out or abandoned.
        case finished
    }

    private struct State {
        var phase = Phase.pending
        var binding: LoopBinding? = nil
        var callbacks: [@Sendable () -> Void] = []
    }

    let timeout: Duration
    private let fallback: @Sendable () -> Response
    private let state = Mutex(State())

    public init(timeout: Duration, fallback: @escaping @Sendable () -> Response) {
        self.timeout = timeout
        self.fallback = fallback
    }

    /// Completes the response; returns false if it was already completed (or timed out,
    /// or the client went away).
    @discardableResult
    public func complete(_ response: Response) -> Bool {
        let binding: LoopBinding?? = state.withLock { state in
            guard case .pending = state.phase else { return .none }
            state.phase = .completed(response)
            return .some(state.binding)
        }
        guard case .some(let bound) = binding else { return false }
        if let bound { bound.loop.post(.deferredReady(bound.connection)) }
        return true
    }

    /// Called once, on some server thread, when the deferred response is finished for any
    /// reason (completed, timed out, client gone, shutdown). Use it to unregister waiters.
    /// Registered after that, it runs at once on the calling thread.
    public func onFinish(_ body: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if case .finished = state.phase { return true }
            state.callbacks.append(body)
            return false
        }
        if runNow { body() }
    }

    /// Whether it is finished (handed to the connection, timed out, or abandoned).
    var isFinished: Bool {
        state.withLock { state in
            if case .finished = state.phase { return true }
            return false
        }
    }

    // MARK: - Event-loop side

    /// Parks the response on a connection. Returns the response at once if it was already
    /// completed.
    func bind(_ binding: LoopBinding) -> Response? {
        let taken: Response? = state.withLock { state in
            if case .completed(let response) = state.phase {
                return response
            }
            state.binding = binding
            return nil
        }
        if taken != nil { return finish(with: taken) }
        return nil
    }

    /// The completed response, if `complete` was called; the deferred response is finished then.
    func takeCompletion() -> Response? {
        let taken: Response? = state.withLock { state in
            if case .completed(let response) = state.phase { return response }
            return nil
        }
        return taken == nil ? nil : finish(with: taken)
    }

    /// Ends the wait: the completed response if there is one, else `fallback()`.
    /// Nil when it was already finished.
    func expire() -> Response? {
        let (wasPending, completed): (Bool, Response?) = state.withLock { state in
            switch state.phase {
            case .pending: return (true, nil)
            case .completed(let response): return (false, response)
            case .finished: return (false, nil)
            }
        }
        if let completed { return finish(with: completed) }
        guard wasPending else { return nil }
        // Claim it before running the fallback, so a racing `complete` returns false.
        let claimed = state.withLock { state -> Bool in
            guard case .pending = state.phase else { return false }
            state.phase = .finished
            return true
        }
        guard claimed else { return takeCompletion() }
        let response = fallback()
        runCallbacks()
        return response
    }

    /// Abandons it (client gone): `complete` returns false from now on.
    func cancel() {
        let changed = state.withLock { state -> Bool in
            if case .finished = state.phase { return false }
            state.phase = .finished
            return true
        }
        if changed { runCallbacks() }
    }

    private func finish(with response: Response?) -> Response? {
        let won = state.withLock { state -> Bool in
            guard case .completed = state.phase else { return false }
            state.phase = .finished
            return true
        }
        guard won else { return nil }
        runCallbacks()
        return response
    }

    private func runCallbacks() {
        let callbacks = state.withLock { state -> [@Sendable () -> Void] in
            defer { state.callbacks = [] }
            return state.callbacks
        }
        for callback in callbacks { callback() }
    }
}
