import Dispatch
import Foundation
import LedgerModel
import Synchronization
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

@Suite struct ChangesTests {
    /// Kyiv strike with two revisions and a void, a Kharkiv strike, a second Kyiv strike merged into the first.
    func scenario(_ store: LedgerStore) throws -> (kyiv: Int64, kharkiv: Int64, merged: Int64) {
        let a = try store.ingest(mayorReport, window: window)
        let b = try store.ingest(presidentReport, window: window)
        let k = try store.ingest(Report(city: .name("Харків"), occurredAt: ts("2025-10-10T01:00:00Z"), source: rescuers, injured: 3),
                                 window: window)
        // A failed write in between must not leave a gap.
        _ = try store.voidRevision(seq: b.revision!.seq, reason: "entered twice")
        #expect(throws: StoreError.self) { try store.voidRevision(seq: b.revision!.seq, reason: "again") }
        #expect(throws: StoreError.self) { try store.merge(strike: a.strike.id, into: a.strike.id) }
        let m = try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T20:00:00Z")))
        _ = try store.appendRevision(toStrike: m.id, Figures(killed: 1, injured: nil, source: mayor))
        _ = try store.merge(strike: m.id, into: a.strike.id)
        _ = try store.appendRevision(toStrike: k.strike.id, Figures(killed: 1, injured: nil, source: rescuers))
        return (a.strike.id, k.strike.id, m.id)
    }

    @Test(arguments: Engine.available) func seqIsStrictlyIncreasingAndGapFree(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let s = try scenario(store)
            let (items, head) = try store.changes(since: 0, filter: FeedFilter(), limit: 1000)
            #expect(items.map(\.seq) == Array(1...7))
            #expect(items.map(\.kind) == [.revision, .revision, .revision, .void, .revision, .merge, .revision])
            #expect(head == 7)
            #expect(store.changes.head == 7)
            // A revision's seq is the seq of the event that recorded it.
            for item in items where item.kind == .revision { #expect(item.revision?.seq == item.seq) }
            #expect(items[3].revision?.seq == 2)
            #expect(items[3].revision?.voided?.reason == "entered twice")
            #expect(items[1].revision?.voided == nil, "the revision event shows the revision as that event left it")
            #expect(items[1].toll == Toll(killed: 4, injured: 3, asOf: ts("2025-10-10T07:45:00Z"), revisions: 2))
            #expect(items[3].toll == Toll(killed: 3, injured: 3, asOf: ts("2025-10-10T03:10:00Z"), revisions: 1))
            #expect(items[5].strikeId == s.kyiv && items[5].mergedStrikeId == s.merged && items[5].revision == nil)
            #expect(items[2].city == CityRef(id: kharkivId, name: "Kharkiv"))

            // Paging by since/limit walks the same sequence.
            var since: Int64 = 0, seen: [Int64] = []
            while true {
                let page = try store.changes(since: since, filter: FeedFilter(), limit: 2).items
                if page.isEmpty { break }
                #expect(page.count <= 2)
                seen += page.map(\.seq)
                since = page.last!.seq
            }
            #expect(seen == Array(1...7))

            // Seq keeps going in a store opened again.
            let reopened = try store.changes(since: 7, filter: FeedFilter(), limit: 10)
            #expect(reopened.items.isEmpty && reopened.head == 7)
        }
    }

    @Test(arguments: Engine.available) func filtersByCityAndStrike(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let s = try scenario(store)
            let kharkiv = try store.changes(since: 0, filter: FeedFilter(cityId: kharkivId), limit: 100)
            #expect(kharkiv.items.map(\.seq) == [3, 7])
            #expect(kharkiv.head == 7)
            #expect(try store.changes(since: 3, filter: FeedFilter(cityId: kharkivId), limit: 100).items.map(\.seq) == [7])
            #expect(try store.changes(since: 0, filter: FeedFilter(cityId: odesaId), limit: 100).items.isEmpty)
            #expect(try store.changes(since: 0, filter: FeedFilter(cityId: kyivId), limit: 100).items.map(\.seq) == [1, 2, 4, 5, 6])
            // A merge matches both its strike_id and its merged_strike_id.
            #expect(try store.changes(since: 0, filter: FeedFilter(strikeId: s.merged), limit: 100).items.map(\.seq) == [5, 6])
            #expect(try store.changes(since: 0, filter: FeedFilter(strikeId: s.kyiv), limit: 100).items.map(\.seq) == [1, 2, 4, 6])
            #expect(try store.changes(since: 0, filter: FeedFilter(cityId: kharkivId, strikeId: s.kyiv), limit: 100).items.isEmpty)
            #expect(try store.changes(since: 0, filter: FeedFilter(cityId: kyivId, strikeId: s.kyiv), limit: 2).items.map(\.seq) == [1, 2])
        }
    }

    /// A strike recorded under Kharkiv merged into one under Kyiv: a poller following either
    /// city sees the merge, from the database and from the hub alike.
    @Test(arguments: Engine.available) func aMergeIsSeenThroughTheCityFilterOfEitherStrike(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let kyiv = try store.ingest(mayorReport, window: window)
            let kharkiv = try store.ingest(Report(city: .name("Kharkiv"), occurredAt: ts("2025-10-10T02:40:00Z"), source: rescuers, killed: 1),
                                           window: window)
            let head = store.changes.head
            #expect(store.changes.hasEvent(after: head, matching: FeedFilter(cityId: kharkivId)) == false)
            _ = try store.merge(strike: kharkiv.strike.id, into: kyiv.strike.id)
            let merge = store.changes.head
            for city in [kyivId, kharkivId] {
                let items = try store.changes(since: head, filter: FeedFilter(cityId: city), limit: 100).items
                #expect(items.map(\.seq) == [merge], "city \(city)")
                #expect(items.first?.kind == .merge && items.first?.mergedStrikeId == kharkiv.strike.id)
                #expect(store.changes.hasEvent(after: head, matching: FeedFilter(cityId: city)) == true, "hub, city \(city)")
            }
            #expect(try store.changes(since: head, filter: FeedFilter(cityId: odesaId), limit: 100).items.isEmpty)
            #expect(store.changes.hasEvent(after: head, matching: FeedFilter(cityId: odesaId)) == false)
        }
    }

    @Test(arguments: Engine.available) func hubKnowsWithoutAQueryWhetherAMatchingEventExists(_ engine: Engine) throws {
        try withStore(engine) { (store, _, dir) throws in
            let s = try scenario(store)
            let hub = store.changes
            #expect(hub.hasEvent(after: 7, matching: FeedFilter()) == false)
            #expect(hub.hasEvent(after: 6, matching: FeedFilter()) == true)
            // The store was opened with an empty feed, so everything after 0 is remembered.
            #expect(hub.hasEvent(after: 0, matching: FeedFilter(cityId: odesaId)) == false)
            #expect(hub.hasEvent(after: 3, matching: FeedFilter(cityId: kharkivId)) == true)
            #expect(hub.hasEvent(after: 6, matching: FeedFilter(strikeId: s.kyiv)) == false)
            #expect(hub.hasEvent(after: 5, matching: FeedFilter(strikeId: s.merged)) == true)

            // A store opened on an existing feed knows the head; older cursors ask the database.
            let reopened = try engine.reopen(dir)
            #expect(reopened.changes.head == 7)
            #expect(reopened.changes.hasEvent(after: 7, matching: FeedFilter(cityId: kyivId)) == false)
            #expect(reopened.changes.hasEvent(after: 2, matching: FeedFilter()) == true)
            #expect(reopened.changes.hasEvent(after: 2, matching: FeedFilter(cityId: kyivId)) == nil)
        }
    }

    @Test(arguments: Engine.available) func waitersWakeAfterAMatchingCommitOnly(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let a = try store.ingest(mayorReport, window: window)
            let k = try store.ingest(Report(city: .name("Kharkiv"), occurredAt: ts("2025-10-10T01:00:00Z"), source: rescuers, injured: 3),
                                     window: window)
            let hub = store.changes
            let head = hub.head
            let woken = Mutex<[Int64]>([])
            hub.wait(after: head, matching: FeedFilter(cityId: kharkivId)) { h in woken.withLock { $0.append(h) } }
            let other = Mutex<Int>(0)
            let token = hub.wait(after: head, matching: FeedFilter(cityId: odesaId)) { _ in other.withLock { $0 += 1 } }
            #expect(hub.waiterCount == 2)

            _ = try store.appendRevision(toStrike: a.strike.id, Figures(killed: 4, injured: nil, source: president))
            #expect(woken.withLock { $0 }.isEmpty)
            #expect(hub.waiterCount == 2)
            #expect(hub.hasEvent(after: head, matching: FeedFilter(cityId: kharkivId)) == false)
            #expect(hub.hasEvent(after: head, matching: FeedFilter(cityId: kyivId)) == true)

            let w = try store.appendRevision(toStrike: k.strike.id, Figures(killed: 1, injured: nil, source: rescuers))
            #expect(woken.withLock { $0 } == [w.revision.seq])
            #expect(hub.waiterCount == 1)
            // One-shot: another commit does not call it again.
            _ = try store.appendRevision(toStrike: k.strike.id, Figures(killed: 2, injured: nil, source: rescuers))
            #expect(woken.withLock { $0 }.count == 1)

            hub.cancel(token)
            #expect(hub.waiterCount == 0)
            _ = try store.ingest(Report(city: .name("Odesa"), occurredAt: ts("2025-10-10T01:00:00Z"), source: rescuers, injured: 1),
                                 window: window)
            #expect(other.withLock { $0 } == 0)

            // An event that already exists fires the waiter at once, without parking it.
            let now = Mutex<Int64?>(nil)
            hub.wait(after: head, matching: FeedFilter(cityId: kharkivId)) { h in now.withLock { $0 = h } }
            #expect(now.withLock { $0 } == hub.head)
            #expect(hub.waiterCount == 0)
        }
    }

    @Test(arguments: Engine.available) func aWaiterIsWokenByACommitOnAnotherThread(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let a = try store.ingest(mayorReport, window: window)
            let since = store.changes.head
            let semaphore = DispatchSemaphore(value: 0)
            let woken = Mutex<Int64?>(nil)
            store.changes.wait(after: since, matching: FeedFilter(strikeId: a.strike.id)) { head in
                woken.withLock { $0 = head }
                semaphore.signal()
            }
            let writer = DispatchSemaphore(value: 0)
            let written = Mutex<Int64?>(nil)
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) {
                let w = try? store.appendRevision(toStrike: a.strike.id, Figures(killed: 9, injured: nil, source: mayor))
                written.withLock { $0 = w?.revision.seq }
                writer.signal()
            }
            #expect(semaphore.wait(timeout: .now() + 5) == .success)
            #expect(writer.wait(timeout: .now() + 5) == .success)
            #expect(woken.withLock { $0 } != nil)
            #expect(woken.withLock { $0 } == written.withLock { $0 })
            // By the time the waiter runs, the event is committed and readable.
            #expect(try store.changes(since: since, filter: FeedFilter(), limit: 10).items.count == 1)
        }
    }

    /// Two writers commit seq 5 and 6; the second publishes first (threads are scheduled
    /// freely between a commit and its publish). The hub must still know of event 5.
    @Test func hubRemembersEventsPublishedOutOfOrder() {
        let hub = ChangeHub()
        hub.reset(head: 4)
        hub.publish([EventKey(seq: 6, strikeId: 2, mergedStrikeId: nil, cityId: kyivId)])
        hub.publish([EventKey(seq: 5, strikeId: 1, mergedStrikeId: nil, cityId: kharkivId)])
        #expect(hub.head == 6)
        #expect(hub.hasEvent(after: 4, matching: FeedFilter(cityId: kharkivId)) == true)
        #expect(hub.hasEvent(after: 4, matching: FeedFilter(strikeId: 1)) == true)
        #expect(hub.hasEvent(after: 5, matching: FeedFilter(cityId: kharkivId)) == false)
        #expect(hub.hasEvent(after: 5, matching: FeedFilter(cityId: kyivId)) == true)
        let fired = Mutex(false)
        hub.wait(after: 4, matching: FeedFilter(cityId: kharkivId)) { _ in fired.withLock { $0 = true } }
        #expect(fired.withLock { $0 })
    }

    @Test func hubForgetsOldEventsBeyondItsCapacityAndSaysSo() {
        let hub = ChangeHub(capacity: 10)
        hub.reset(head: 0)
        for seq in 1...11 as ClosedRange<Int64> {
            hub.publish([EventKey(seq: seq, strikeId: seq, mergedStrikeId: nil, cityId: seq % 2 == 0 ? kyivId : kharkivId)])
        }
        #expect(hub.head == 11)
        #expect(hub.hasEvent(after: 0, matching: FeedFilter(cityId: kyivId)) == nil)
        #expect(hub.hasEvent(after: 9, matching: FeedFilter(cityId: kharkivId)) == true)
        #expect(hub.hasEvent(after: 10, matching: FeedFilter(cityId: kyivId)) == false)
        #expect(hub.hasEvent(after: 0, matching: FeedFilter()) == true)
    }
}
