import Foundation
import LedgerModel
import Synchronization
import Testing
@testable import LedgerStore

/// The webhook outbox on each engine: rows written with their events, by filter; the
/// lease that lets one sender (of several processes) serve a subscription; attempts.
@Suite struct WebhookOutboxTests {
    @Test(arguments: Engine.available) func eventsQueueForMatchingActiveSubscriptions(_ engine: Engine) throws {
        try withStore(engine) { store, _, _ in
            let all = try store.createSubscription(NewSubscription(url: "https://a.example/"), secret: "whsec_AAAA")
            let kharkiv = try store.createSubscription(NewSubscription(url: "https://b.example/", cityId: kharkivId), secret: "whsec_BBBB")
            let merges = try store.createSubscription(NewSubscription(url: "https://c.example/", types: [.merge]), secret: "whsec_CCCC")
            let paused = try store.createSubscription(NewSubscription(url: "https://d.example/"), secret: "whsec_DDDD")
            _ = try store.updateSubscription(id: paused.id, active: false, description: nil)

            let kyiv = try store.createStrike(NewStrike(city: .id(kyivId), occurredAt: ts("2025-10-10T02:30:00Z")))
            let other = try store.createStrike(NewStrike(city: .id(kharkivId), occurredAt: ts("2025-10-10T02:30:00Z")))
            let r = try store.appendRevision(toStrike: kyiv.id, Figures(killed: 3, injured: nil, reportedAt: ts("2025-10-10T03:00:00Z"), source: mayor))
            _ = try store.voidRevision(seq: r.revision.seq, reason: "twice")
            _ = try store.merge(strike: other.id, into: kyiv.id)

            #expect(try store.deliveries(ofSubscription: all.id, before: nil, limit: 10).map(\.kind) == [.merge, .void, .revision])
            // A merge lies in both strikes' cities, as on the feed.
            #expect(try store.deliveries(ofSubscription: kharkiv.id, before: nil, limit: 10).map(\.kind) == [.merge])
            #expect(try store.deliveries(ofSubscription: merges.id, before: nil, limit: 10).map(\.kind) == [.merge])
            #expect(try store.deliveries(ofSubscription: paused.id, before: nil, limit: 10).isEmpty)
            #expect(try store.webhookQueue().length == 5)

            // An attack's events are not webhook types.
            let attack = try store.createAttack(NewAttack(country: "UA", startedAt: ts("2025-10-10T01:00:00Z")))
            _ = try store.appendAttackRevision(toAttack: attack.id, AttackFigures(
                weapons: [StatedWeapon(model: "Shahed-136", figures: WeaponFigures(launched: 10))], reportedAt: ts("2025-10-10T04:00:00Z"), source: mayor))
            #expect(try store.webhookQueue().length == 5)

            try store.deleteSubscription(id: all.id)
            #expect(try store.webhookQueue().length == 2)
            #expect(throws: StoreError.self) { try store.subscription(id: all.id) }
        }
    }

    @Test(arguments: Engine.available) func oneProcessAtATimeServesASubscription(_ engine: Engine) throws {
        try withStore(engine) { store, _, dir in
            // A second store on the same database: another server process.
            let other = try engine.open(dir)
            let sub = try store.createSubscription(NewSubscription(url: "https://a.example/"), secret: "whsec_AAAA")
            let s = try store.createStrike(NewStrike(city: .id(kyivId), occurredAt: ts("2025-10-10T02:30:00Z")))
            for k in 1...2 {
                _ = try store.appendRevision(toStrike: s.id, Figures(killed: Int64(k), injured: nil, reportedAt: ts("2025-10-10T03:00:00Z"), source: mayor))
            }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            #expect(try other.dueSubscriptions(nowMilliseconds: now).due == [sub.id])

            // Both try at once; exactly one wins.
            let stores: [any LedgerStore] = [store, other]
            let wins = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                let owner = i == 0 ? "one" : "two"
                if (try? stores[i].claimSubscription(sub.id, owner: owner, nowMilliseconds: now, untilMilliseconds: now + 60_000)) == true {
                    wins.withLock { $0.append(owner) }
                }
            }
            #expect(wins.withLock { $0.count } == 1)
            // The test goes on as "one"; if "two" won, it gives its lease up.
            if wins.withLock({ $0 }) == ["two"] {
                try other.releaseSubscription(sub.id, owner: "two")
                #expect(try store.claimSubscription(sub.id, owner: "one", nowMilliseconds: now, untilMilliseconds: now + 60_000))
            }
            #expect(try other.dueSubscriptions(nowMilliseconds: now).due.isEmpty, "a live lease hides it")
            #expect(try other.nextDelivery(ofSubscription: sub.id, owner: "two") == nil)

            let job = try #require(try store.nextDelivery(ofSubscription: sub.id, owner: "one"))
            #expect(job.secrets == ["whsec_AAAA"])
            let first = job.seq
            try store.recordAttempt(job, DeliveryAttempt(at: store.now, statusCode: 503, latencyMilliseconds: 4, error: nil),
                                    retryMilliseconds: now + 60_000, disableReason: nil)
            // Failed: the same event stays the head, due later; order holds.
            #expect(try store.nextDelivery(ofSubscription: sub.id, owner: "one")?.seq == first)
            try store.releaseSubscription(sub.id, owner: "one")
            #expect(try other.dueSubscriptions(nowMilliseconds: now).due.isEmpty, "not due before its retry")
            #expect(try other.dueSubscriptions(nowMilliseconds: now + 60_001).due == [sub.id])

            // A lease that lapsed (its process died) is taken over.
            #expect(try store.claimSubscription(sub.id, owner: "one", nowMilliseconds: now, untilMilliseconds: now + 10))
            #expect(try other.claimSubscription(sub.id, owner: "two", nowMilliseconds: now + 11, untilMilliseconds: now + 60_000))
            let again = try #require(try other.nextDelivery(ofSubscription: sub.id, owner: "two"))
            #expect(again.seq == first && again.attempts == 1)
            try other.recordAttempt(again, DeliveryAttempt(at: store.now, statusCode: 200, latencyMilliseconds: 4, error: nil),
                                    retryMilliseconds: 0, disableReason: nil)
            #expect(try other.nextDelivery(ofSubscription: sub.id, owner: "two")?.seq == first + 1)
            let shown = try store.deliveries(ofSubscription: sub.id, before: nil, limit: 10)
            #expect(shown.last?.attempts.map(\.statusCode) == [503, 200])
            #expect(shown.last?.deliveredAt != nil && shown.first?.deliveredAt == nil)
        }
    }

    @Test(arguments: Engine.available) func rotationKeepsTheOldSecretADay(_ engine: Engine) throws {
        try withStore(engine) { store, clock, _ in
            let sub = try store.createSubscription(NewSubscription(url: "https://a.example/"), secret: "whsec_OLD")
            let rotated = try store.rotateSecret(ofSubscription: sub.id, to: "whsec_NEW", overlapUntil: clock.now.adding(seconds: 86_400))
            #expect(rotated.previousSecretExpiresAt == clock.now.adding(seconds: 86_400))
            let s = try store.createStrike(NewStrike(city: .id(kyivId), occurredAt: ts("2025-10-10T02:30:00Z")))
            _ = try store.appendRevision(toStrike: s.id, Figures(killed: 1, injured: nil, reportedAt: ts("2025-10-10T03:00:00Z"), source: mayor))
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            #expect(try store.claimSubscription(sub.id, owner: "one", nowMilliseconds: now, untilMilliseconds: now + 60_000))
            #expect(try store.nextDelivery(ofSubscription: sub.id, owner: "one")?.secrets == ["whsec_NEW", "whsec_OLD"])
            clock.advance(86_401)
            #expect(try store.nextDelivery(ofSubscription: sub.id, owner: "one")?.secrets == ["whsec_NEW"])
            #expect(try store.subscription(id: sub.id).previousSecretExpiresAt == nil)
        }
    }
}
