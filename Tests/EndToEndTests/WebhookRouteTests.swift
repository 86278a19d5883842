import Foundation
import Testing

/// Webhooks from the real server, which runs without `--allow-private-webhooks`: its
/// URLSession goes through the courier's guard proxy, which resolves the receiver's name
/// itself at connect time (issue 16).
@Suite("webhooks through the guard proxy")
struct WebhookRouteTests {
    let fixture = Shared.fixture

    @Test("a delivery goes through the courier's proxy, which reports what it found when it came to connect")
    func deliveriesGoThroughTheGuardProxy() throws {
        let client = fixture.server.client()
        let strike = try client.post("/v1/strikes", key: fixture.reporter, #"{"city": "Lutsk", "occurred_at": "2014-06-01T01:00:00Z"}"#)
        let strikeId = try #require(strike.object["id"] as? Int, "\(strike.text)")
        // A name that resolves to nothing passes the courier's quick check; libcurl, had it
        // connected by itself, would say "Could not resolve host". The words below are the
        // proxy's, for plain http (absolute-form) and for https (CONNECT) alike.
        var ids: [Int] = []
        for url in ["http://nothing.invalid:9/hook", "https://nothing.invalid/hook"] {
            let made = try client.post("/v1/subscriptions", key: fixture.admin, #"{"url": "\#(url)", "strike_id": \#(strikeId)}"#)
            ids.append(try #require(made.object["id"] as? Int, "\(made.text)"))
        }
        let revised = try client.post("/v1/strikes/\(strikeId)/revisions", key: fixture.reporter,
                                      #"{"killed": 1, "source": {"name": "Regional administration", "kind": "official"}}"#)
        #expect(revised.status == 201, "\(revised.text)")
        for id in ids {
            let attempt = try firstAttempt(ofSubscription: id)
            #expect(attempt["error"] as? String == "nothing.invalid does not resolve", "\(attempt)")
        }
    }

    private func firstAttempt(ofSubscription id: Int) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let items = try fixture.server.client().get("/v1/subscriptions/\(id)/deliveries", headers: [("Authorization", "Bearer \(fixture.admin)")])
                .object["items"] as? [[String: Any]]
            if let attempt = (items?.first?["attempts"] as? [[String: Any]])?.first { return attempt }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return [:]
    }
}
