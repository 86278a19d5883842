import Foundation
import Synchronization

/// A token bucket per API key: `perSecond` tokens flow in, at most `burst` are kept,
/// and each write takes one.
final class RateLimiter: Sendable {
    private struct Bucket { var tokens: Double; var updated: Double }
    private let buckets = Mutex<[Int64: Bucket]>([:])
    private let perSecond: Double
    private let burst: Double

    init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = max(1, burst)
    }

    /// Takes a token for `key`; nil when allowed, else the whole seconds until one is there.
    func take(for key: Int64, now: Double = Date().timeIntervalSinceReferenceDate) -> Int? {
        buckets.withLock { b in
            var bucket = b[key] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * perSecond)
            bucket.updated = now
            defer { b[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
        }
    }
}
