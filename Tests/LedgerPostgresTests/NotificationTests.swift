import Foundation
import Testing
@testable import LedgerPostgres

/// A listener whose events the test reads.
final class Listener: Sendable {
    let events = Collected<PostgresNotifications.Event>()
    let notifications: PostgresNotifications

    init(_ configuration: PostgresConfiguration, channels: [String], options: PostgresNotifications.Options = .init()) throws {
        let events = self.events
        notifications = try PostgresNotifications(configuration: configuration, channels: channels, options: options) { event in
            events.append(event)
        }
        notifications.start()
    }

    deinit { notifications.stop() }

    var payloads: [String] {
        events.all.compactMap { if case .notification(let n) = $0 { n.payload } else { nil } }
    }

    var listenings: [Bool] {
        events.all.compactMap { if case .listening(let reconnected) = $0 { reconnected } else { nil } }
    }

    var disconnections: Int {
        events.all.filter { if case .disconnected = $0 { true } else { false } }.count
    }
}

@Suite("PostgreSQL LISTEN/NOTIFY", .needsPostgres)
struct NotificationTests {
    private func channel() -> String { "test_" + UUID().uuidString.prefix(8).lowercased() }

    @Test func notificationsArriveAfterCommitInCommitOrder() throws {
        let config = try TestServer.configuration()
        let ch = channel()
        let listener = try Listener(config, channels: [ch])
        #expect(eventually { listener.listenings == [false] })
        let pool = PostgresPool(configuration: config)
        try pool.withConnection { c in try PostgresNotifications.notify(channel: ch, payload: "1", on: c) }
        #expect(eventually { listener.payloads == ["1"] })

        try pool.transaction { c in
            try PostgresNotifications.notify(channel: ch, payload: "2", on: c)
            try PostgresNotifications.notify(channel: ch, payload: "3", on: c)
            Thread.sleep(forTimeInterval: 0.1)
            // Nothing is delivered before the commit.
            #expect(listener.payloads == ["1"])
        }
        #expect(eventually { listener.payloads == ["1", "2", "3"] })
        // A rolled-back transaction notifies nothing.
        struct Abort: Error {}
        _ = try? pool.transaction { c in
            try PostgresNotifications.notify(channel: ch, payload: "never", on: c)
            throw Abort()
        }
        try pool.withConnection { c in try PostgresNotifications.notify(channel: ch, payload: "4", on: c) }
        #expect(eventually { listener.payloads == ["1", "2", "3", "4"] })
    }

    @Test func manyWritersNotificationsAllArrive() throws {
        let config = try TestServer.configuration()
        let ch = channel()
        let listener = try Listener(config, channels: [ch])
        #expect(eventually { listener.listenings == [false] })
        let pool = PostgresPool(configuration: config, options: .init(maxConnections: 4))
        onThreads(4) { t in
            for i in 0..<50 { try? pool.withConnection { c in try PostgresNotifications.notify(channel: ch, payload: "\(t)-\(i)", on: c) } }
        }
        #expect(eventually { listener.payloads.count == 200 })
        #expect(Set(listener.payloads).count == 200)
        // Each writer's own notifications arrive in the order it committed them.
        for t in 0..<4 {
            let mine = listener.payloads.filter { $0.hasPrefix("\(t)-") }
            #expect(mine == (0..<50).map { "\(t)-\($0)" })
        }
    }

    @Test func payloadsAndChannelNamesAreNotSQL() throws {
        let config = try TestServer.configuration()
        let ch = "Weird \"channel\"; DROP TABLE x; --"
        let listener = try Listener(config, channels: [ch])
        #expect(eventually { listener.listenings == [false] })
        let payload = "'); SELECT pg_sleep(10); -- Київ 💥"
        try PostgresConnection(configuration: config).execute("SELECT pg_notify($1, $2)", [.text(ch), .text(payload)])
        #expect(eventually { listener.payloads == [payload] })
        let n = listener.events.all.compactMap { if case .notification(let n) = $0 { n } else { nil } }.first
        #expect(n?.channel == ch)
    }

    @Test func theListenerReconnectsByItselfAndSaysSo() throws {
        let config = try TestServer.configuration()
        let ch = channel()
        let listener = try Listener(config, channels: [ch], options: .init(initialBackoff: .milliseconds(20)))
        #expect(eventually { listener.listenings == [false] })
        let firstPID = listener.notifications.backendPID
        #expect(firstPID > 0)
        // The server ends the listening session, as a restart would.
        let admin = try PostgresConnection(configuration: config)
        try admin.query("SELECT pg_terminate_backend($1)", [.int64(Int64(firstPID))])
        #expect(eventually { listener.listenings == [false, true] })
        #expect(listener.disconnections == 1)
        #expect(listener.notifications.backendPID != firstPID)
        try PostgresNotifications.notify(channel: ch, payload: "after", on: admin)
        #expect(eventually { listener.payloads == ["after"] })
    }

    @Test func aListenerWithNoServerKeepsTryingAndStopsPromptly() throws {
        let url = try #require(TestServer.url)
        let dead = url.replacingOccurrences(of: #"@127\.0\.0\.1:\d+/"#, with: "@127.0.0.1:9/", options: .regularExpression)
        let listener = try Listener(try PostgresConfiguration(url: dead), channels: ["x"],
                                    options: .init(initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(40)))
        Thread.sleep(forTimeInterval: 0.3)
        // Said once per outage, not once per attempt.
        #expect(listener.disconnections == 1)
        #expect(listener.listenings == [])
        // stop() wakes the thread from its backoff and returns once it has ended.
        listener.notifications.stop()
        #expect(listener.notifications.backendPID == 0)
    }
}
