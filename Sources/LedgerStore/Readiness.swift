import Foundation
import Synchronization

/// Whether a store can serve reads and commit writes now.
public enum Readiness: Sendable, Equatable {
    case ready
    /// Not ready; the error says why (`storageFull`, `readOnly`, or `database` when the
    /// database does not answer at all).
    case unavailable(StoreError)
}

extension LedgerStore {
    /// True when the store answers reads and can commit.
    public func isReady() -> Bool { readiness() == .ready }
}

/// What a store knows of its last commit: whether the disk or the database refused it.
///
/// A failed commit for want of space or of write access is remembered; while it is,
/// `readiness` tries a commit of its own (at most once per `probeInterval`) instead of
/// answering from a read, which would still succeed. Any commit that succeeds, the
/// probe's or a client's, forgets the failure.
public final class CommitHealth: Sendable {
    private struct State {
        var failure: StoreError?
        var lastProbe: UInt64 = 0
    }
    private let state = Mutex(State())
    private let probeInterval: UInt64

    public init(probeInterval: Duration = .seconds(1)) {
        let (seconds, attoseconds) = probeInterval.components
        self.probeInterval = UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }

    /// True for the failures that stop every write until the operator acts: a full disk,
    /// a database that takes no writes. Others (a lost race, a bad row) say nothing of
    /// the next commit.
    public static func stopsWrites(_ error: StoreError) -> Bool {
        switch error {
        case .storageFull, .readOnly: true
        default: false
        }
    }

    /// Records the outcome of a commit that wrote something.
    public func committed() {
        state.withLock { $0.failure = nil }
    }

    /// Records a failed write; only failures that stop every write are kept.
    public func failed(_ error: StoreError) {
        guard Self.stopsWrites(error) else { return }
        state.withLock { $0.failure = error }
    }

    /// The remembered failure, if any.
    public var failure: StoreError? { state.withLock { $0.failure } }

    /// `.ready` unless a failure is remembered; then `probe` (a small commit, returning
    /// the error it met or nil) runs when the last probe is older than the interval, and
    /// its outcome decides. Between probes the remembered failure is the answer.
    public func readiness(probe: () -> StoreError?) -> Readiness {
        let now = DispatchTime.now().uptimeNanoseconds
        let due: StoreError?? = state.withLock { s in
            guard let failure = s.failure else { return .some(nil) }
            if now &- s.lastProbe < probeInterval && s.lastProbe != 0 { return .some(failure) }
            s.lastProbe = now
            return .none
        }
        if let remembered = due {
            return remembered.map(Readiness.unavailable) ?? .ready
        }
        if let error = probe() {
            failed(error)
            return .unavailable(error)
        }
        committed()
        return .ready
    }
}
