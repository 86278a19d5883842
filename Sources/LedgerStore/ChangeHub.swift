import LedgerModel
import Synchronization

/// What the feed needs to know of an event to decide, without a query, whether it
/// matches a filter.
public struct EventKey: Sendable, Equatable {
    public var seq: Int64
    public var strikeId: Int64
    public var mergedStrikeId: Int64?
    public var cityId: Int64
    /// For a merge, the city of the merged strike (it may differ from the target's).
    public var mergedCityId: Int64?
    /// The attack of the strike then, or of an attack event.
    public var attackId: Int64?
    /// An attack event: the cities of the attack's strikes then (strikeId and cityId are 0).
    public var attackCityIds: [Int64]?
    public init(seq: Int64, strikeId: Int64, mergedStrikeId: Int64?, cityId: Int64, mergedCityId: Int64? = nil,
                attackId: Int64? = nil) {
        self.seq = seq; self.strikeId = strikeId; self.mergedStrikeId = mergedStrikeId; self.cityId = cityId
        self.mergedCityId = mergedCityId; self.attackId = attackId
    }

    /// The key of an attack event.
    public init(seq: Int64, attackId: Int64, cityIds: [Int64]) {
        self.init(seq: seq, strikeId: 0, mergedStrikeId: nil, cityId: 0, attackId: attackId)
        attackCityIds = cityIds
    }
}

/// A filter on the changes feed.
public struct FeedFilter: Sendable, Equatable, Hashable {
    public var cityId: Int64?
    public var strikeId: Int64?
    /// Events of the attack, and of the strikes that belonged to it then.
    public var attackId: Int64?
    public init(cityId: Int64? = nil, strikeId: Int64? = nil, attackId: Int64? = nil) {
        self.cityId = cityId; self.strikeId = strikeId; self.attackId = attackId
    }

    public func matches(_ e: EventKey) -> Bool {
        if let attackCities = e.attackCityIds {
            // An attack event lies in the cities of the attack's strikes; it is of no strike.
            if let cityId, !attackCities.contains(cityId) { return false }
            if strikeId != nil { return false }
            if let attackId, e.attackId != attackId { return false }
            return true
        }
        // A merge lies in both strikes' cities.
        if let cityId, e.cityId != cityId && e.mergedCityId != cityId { return false }
        if let strikeId, e.strikeId != strikeId && e.mergedStrikeId != strikeId { return false }
        if let attackId, e.attackId != attackId { return false }
        return true
    }
}

/// The feed's head in memory, and the waiters to wake when a commit appends events.
///
/// The store publishes the keys of newly committed events right after each commit. The
/// hub keeps the most recent ones, so "is there a matching event after `since`?" is
/// answered from memory for any recent cursor, and wakes each waiter whose filter matches.
public final class ChangeHub: Sendable {
    public typealias Waiter = @Sendable (_ head: Int64) -> Void

    private struct State {
        var head: Int64 = 0
        /// Recent events, ascending; holds every event with seq > `oldestKnown`.
        var recent: [EventKey] = []
        var oldestKnown: Int64 = 0
        var waiters: [UInt64: (filter: FeedFilter, since: Int64, wake: Waiter)] = [:]
        var nextToken: UInt64 = 0
    }

    private let state = Mutex(State())
    private let capacity: Int
    /// Catch-ups publish one at a time, so events arrive in seq order.
    private let catchingUp = Mutex(())

    public init(capacity: Int = 100_000) { self.capacity = capacity }

    /// The seq of the newest committed event.
    public var head: Int64 { state.withLock { $0.head } }

    /// Sets the head at start-up, from the database; everything up to it counts as known.
    package func reset(head: Int64) {
        state.withLock { s in s.head = head; s.oldestKnown = head; s.recent = [] }
    }

    /// Whether an event matching `filter` exists after `since`: true, false, or nil when
    /// `since` is older than what the hub remembers (ask the database).
    public func hasEvent(after since: Int64, matching filter: FeedFilter) -> Bool? {
        state.withLock { s in
            if since >= s.head { return false }
            if filter == FeedFilter() { return true }
            guard since >= s.oldestKnown else { return nil }
            // Binary search the first event after `since`.
            var lo = 0, hi = s.recent.count
            while lo < hi { let mid = (lo + hi) / 2; if s.recent[mid].seq <= since { lo = mid + 1 } else { hi = mid } }
            return s.recent[lo...].contains { filter.matches($0) }
        }
    }

    /// Called after a commit with the events it appended, ascending.
    package func publish(_ events: [EventKey]) {
        guard !events.isEmpty else { return }
        let toWake: [(Waiter, Int64)] = state.withLock { s in
            for e in events {
                if e.seq > s.head {
                    s.recent.append(e)
                    s.head = e.seq
                } else if e.seq > s.oldestKnown {
                    // Out of order (the store publishes in commit order, so only a caller
                    // publishing by hand gets here): keep it in place, searching from the end.
                    var i = s.recent.endIndex
                    while i > s.recent.startIndex && s.recent[i - 1].seq > e.seq { i -= 1 }
                    if i == s.recent.startIndex || s.recent[i - 1].seq != e.seq { s.recent.insert(e, at: i) }
                }
            }
            if s.recent.count > capacity {
                let drop = s.recent.count - capacity / 2
                s.oldestKnown = s.recent[drop - 1].seq
                s.recent.removeFirst(drop)
            }
            var wake: [(Waiter, Int64)] = []
            for (token, w) in s.waiters where events.contains(where: { $0.seq > w.since && w.filter.matches($0) }) {
                wake.append((w.wake, s.head))
                s.waiters[token] = nil
            }
            return wake
        }
        for (w, head) in toWake { w(head) }
    }

    /// Brings the hub up to the database's head after a commit, this process's or another's:
    /// publishes `events` (a commit's own, just made) when they follow the head directly,
    /// else whatever the database holds past the head, read by `missed` (nil when it cannot
    /// be read: the next catch-up retries). Every engine follows its database through here.
    package func catchUp(with events: [EventKey] = [], missed: (_ head: Int64) -> [EventKey]?) {
        catchingUp.withLock { _ in
            let head = self.head
            // Already published: another catch-up read this commit's events first.
            if let last = events.last, last.seq <= head { return }
            if let first = events.first, first.seq == head + 1 {
                publish(events)
                return
            }
            if let found = missed(head) { publish(found) }
        }
    }

    /// Registers a one-shot waiter, called (on the committing thread) once an event after
    /// `since` matching `filter` is committed. Returns a token for `cancel`.
    /// If such an event already exists the waiter is called at once.
    @discardableResult
    public func wait(after since: Int64, matching filter: FeedFilter, _ wake: @escaping Waiter) -> UInt64 {
        let (token, fireNow): (UInt64, Int64?) = state.withLock { s in
            s.nextToken += 1
            let token = s.nextToken
            let known = since < s.head && (filter == FeedFilter() || since < s.oldestKnown
                || s.recent.contains { $0.seq > since && filter.matches($0) })
            if known { return (token, s.head) }
            s.waiters[token] = (filter, since, wake)
            return (token, nil)
        }
        if let head = fireNow { wake(head) }
        return token
    }

    public func cancel(_ token: UInt64) {
        _ = state.withLock { $0.waiters.removeValue(forKey: token) }
    }

    /// How many waiters are parked.
    public var waiterCount: Int { state.withLock { $0.waiters.count } }
}
