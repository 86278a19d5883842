import Synchronization

/// How many answers stream at once from a database snapshot of their own (exports, large
/// casualties answers).
///
/// Each such stream holds a read connection (SQLite: one of the pool's readers;
/// PostgreSQL: one of the pool's connections) until its client has read the last byte.
/// Without a bound, a few clients that ask for exports and never read would take every
/// connection, and every other request would wait behind them. Past the bound the
/// request gets 503 with `Retry-After`, and everything else goes on.
final class StreamPermits: Sendable {
    let limit: Int
    private let taken = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Takes a permit, or returns false when all `limit` are taken.
    func take() -> Bool {
        var current = taken.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = taken.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func giveBack() { taken.subtract(1, ordering: .acquiringAndReleasing) }

    var inUse: Int { taken.load(ordering: .relaxed) }

    /// The error for a request that found every permit taken.
    var refusal: APIError {
        .unavailable("\(limit) large answers are being streamed already, each holding a database connection until its client has read it; try again shortly")
    }
}
