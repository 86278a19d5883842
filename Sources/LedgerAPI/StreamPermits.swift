import Dispatch
import Synchronization

/// How many answers stream at once from a database snapshot of their own (exports, large
/// casualties answers).
///
/// Each such stream holds a read connection (SQLite: one of the pool's readers;
/// PostgreSQL: one of the pool's connections) until its client has read the last byte.
/// Without a bound, a few clients that ask for exports and never read would take every
/// connection, and every other request would wait behind them. A request that finds
/// every permit taken waits for one (most streams end in milliseconds) up to `patience`;
/// past that it gets 503 with `Retry-After`, and everything else goes on.
final class StreamPermits: Sendable {
    let limit: Int
    let patience: Duration
    private let permits: DispatchSemaphore
    private let taken = Atomic<Int>(0)

    init(limit: Int, patience: Duration = .seconds(5)) {
        self.limit = limit
        self.patience = patience
        // Made at 0 and raised to `limit`: libdispatch traps when a semaphore is freed below
        // the value it was made with, as it would be with streams still running.
        permits = DispatchSemaphore(value: 0)
        for _ in 0..<limit { permits.signal() }
    }

    /// Takes a permit, waiting up to `patience` for one; false when none came free.
    func take() -> Bool {
        let nanoseconds = patience.components.seconds * 1_000_000_000 + patience.components.attoseconds / 1_000_000_000
        guard permits.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success else { return false }
        taken.add(1, ordering: .relaxed)
        return true
    }

    func giveBack() {
        taken.subtract(1, ordering: .relaxed)
        permits.signal()
    }

    var inUse: Int { taken.load(ordering: .relaxed) }

    /// The error for a request that found every permit taken for `patience`.
    var refusal: APIError {
        .unavailable("\(limit) large answers have been streaming for the last \(patience.components.seconds) s, each holding a database connection until its client has read it; try again shortly")
    }
}
