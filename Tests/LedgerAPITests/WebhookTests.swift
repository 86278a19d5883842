import Foundation
@testable import LedgerAPI
import LedgerModel
import LedgerSQLite
import Testing

/// Webhooks (issue 16): subscriptions, signed deliveries to a real receiver, retries,
/// order, the guard against request forgery.
@Suite struct WebhookTests {
    /// Fast retries, so that no test waits minutes; the guard lifted unless asked.
    static func courier(_ ledger: Ledger, allowPrivate: Bool = true, disableAfter: Duration = .seconds(3 * 86_400)) -> WebhookCourier {
        var c = WebhookConfiguration()
        c.allowPrivateAddresses = allowPrivate
        c.retryDelays = [.milliseconds(50), .milliseconds(100)]
        c.pollInterval = .milliseconds(20)
        c.disableAfter = disableAfter
        return ledger.service.deliverWebhooks(c)
    }

    static func subscribe(_ ledger: Ledger, _ receiver: WebhookReceiver, extra: String = "") -> (id: Int, secret: String) {
        let r = ledger.admin.post("/v1/subscriptions", #"{"url": "\#(receiver.url)"\#(extra)}"#)
        #expect(r.status == 201, "\(r.text)")
        let secret = r["secret"].string ?? ""
        receiver.trust(secret)
        return (r["id"].int ?? -1, secret)
    }

    @Test func subscriptionsAreAdminsAlone() throws {
        let ledger = try Ledger()
        let made = ledger.admin.post("/v1/subscriptions",
                                     #"{"url": "https://hooks.example/strikes", "city": "Kiev", "types": ["revision", "merge"], "description": "bot"}"#)
        #expect(made.status == 201, "\(made.text)")
        #expect(made.location == "/v1/subscriptions/\(made["id"].int ?? 0)")
        let secret = made["secret"].string ?? ""
        #expect(secret.hasPrefix("whsec_"))
        #expect((Data(base64Encoded: String(secret.dropFirst(6)))?.count ?? 0) >= 24)
        #expect(made["city"]["name"].string == "Kyiv")
        // A city by id, as a JSON integer or a whole number, as every city field takes it.
        #expect(ledger.admin.post("/v1/subscriptions", #"{"url": "https://a.example/", "city": 19.0}"#)["city"]["name"].string == "Kharkiv")
        #expect(expectProblem(ledger.admin.post("/v1/subscriptions", #"{"url": "https://a.example/", "city": 403598}"#), 422)["errors"][0]["field"].string == "city")
        #expect(made["types"].array.compactMap(\.string) == ["revision", "merge"])
        #expect(made["status"].string == "active")

        let id = made["id"].int!
        let shown = ledger.admin.get("/v1/subscriptions/\(id)")
        #expect(shown.status == 200)
        #expect(!shown["secret"].exists, "the secret is shown once")
        #expect(ledger.admin.get("/v1/subscriptions")["items"].count == 2)
        let firstPage = ledger.admin.get("/v1/subscriptions?limit=1")
        #expect(firstPage["items"].count == 1 && firstPage["next"].string != nil)
        #expect(ledger.admin.get("/v1/subscriptions?limit=1&after=\(firstPage["next"].string ?? "")")["items"][0]["city"]["name"].string == "Kharkiv")

        expectProblem(ledger.anonymous.get("/v1/subscriptions"), 401)
        expectProblem(ledger.editor.get("/v1/subscriptions/\(id)"), 403)
        expectProblem(ledger.editor.post("/v1/subscriptions", #"{"url": "https://hooks.example/"}"#), 403)
        for url in ["ftp://hooks.example/x", "https://user:pw@hooks.example/x", "file:///etc/passwd", "hooks.example/x"] {
            let j = expectProblem(ledger.admin.post("/v1/subscriptions", #"{"url": "\#(url)"}"#), 422, "\(url)")
            #expect(j["errors"][0]["field"].string == "url")
        }
        for types in [#"["attack_revision"]"#, "[]", #"["void", "void"]"#] {
            expectProblem(ledger.admin.post("/v1/subscriptions", #"{"url": "https://a.example/", "types": \#(types)}"#), 422, "\(types)")
        }

        let paused = ledger.admin.patch("/v1/subscriptions/\(id)", #"{"active": false}"#)
        #expect(paused["status"].string == "paused")
        #expect(ledger.admin.patch("/v1/subscriptions/\(id)", #"{"active": true}"#)["status"].string == "active")

        let rotated = ledger.admin.post("/v1/subscriptions/\(id)/rotate-secret", "{}")
        #expect(rotated.status == 200)
        #expect(rotated["secret"].string?.hasPrefix("whsec_") == true && rotated["secret"].string != secret)
        #expect(isUTCWholeSeconds(rotated["previous_secret_expires_at"].string))

        #expect(ledger.admin.send(.delete, "/v1/subscriptions/\(id)").status == 204)
        expectProblem(ledger.admin.get("/v1/subscriptions/\(id)"), 404)
    }

    @Test func deliversSignedFeedItemsInOrder() throws {
        let ledger = try Ledger()
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let everything = Self.subscribe(ledger, receiver)
        let kharkivOnly = try WebhookReceiver()
        defer { kharkivOnly.stop() }
        _ = Self.subscribe(ledger, kharkivOnly, extra: #", "city": "Kharkiv""#)
        let courier = Self.courier(ledger)
        defer { courier.stop() }

        let a = ledger.strike(at: "2025-10-10T02:30:00Z"), b = ledger.strike(at: "2025-10-10T02:40:00Z")
        let first = ledger.revision(a, killed: 3, reportedAt: "2025-10-10T03:00:00Z")
        ledger.revision(b, killed: 1, reportedAt: "2025-10-10T03:01:00Z")
        #expect(ledger.editor.post("/v1/revisions/\(first)/void", #"{"reason": "twice"}"#).status == 200)
        #expect(ledger.editor.post("/v1/strikes/\(b)/merge", #"{"into": \#(a)}"#).status == 200)

        #expect(eventually { receiver.hits.count >= 4 })
        let hits = receiver.hits
        #expect(hits.count == 4)
        let feed = ledger.anonymous.get("/v1/changes?since=0")["items"].array
        #expect(feed.count == 4)
        for (hit, item) in zip(hits, feed) {
            #expect(hit.verifiedBy == [everything.secret], "signature of \(hit.id ?? "?")")
            #expect(hit.id == "msg_\(everything.id)_\(item["seq"].int ?? 0)")
            #expect(Int64(hit.timestamp ?? "") != nil)
            let body = hit.json
            #expect(NSDictionary(dictionary: body["data"] as? [String: Any] ?? [:]).isEqual(to: item.value as? [String: Any] ?? [:]),
                    "data is the feed item")
            #expect(isUTCWholeSeconds(body["timestamp"] as? String))
        }
        #expect(hits.map { $0.json["type"] as? String } == ["toll.revised", "toll.revised", "revision.voided", "strike.merged"])
        #expect(kharkivOnly.hits.isEmpty, "a city filter keeps Kyiv's events away")

        // The receiver keeps a hit before it answers; the courier records the answer after.
        let deliveries = "/v1/subscriptions/\(everything.id)/deliveries"
        #expect(eventually { ledger.admin.get(deliveries)["items"].array.allSatisfy { $0["status"].string == "delivered" } })
        let page = ledger.admin.get("\(deliveries)?limit=3")
        #expect(page.status == 200)
        #expect(page["items"].array.map { $0["status"].string } == ["delivered", "delivered", "delivered"])
        #expect(page["items"][0]["event"].int == feed[3]["seq"].int, "newest first")
        #expect(page["items"][0]["attempts"][0]["status_code"].int == 204)
        let rest = ledger.admin.get("/v1/subscriptions/\(everything.id)/deliveries?limit=3&after=\(page["next"].string ?? "")")
        #expect(rest["items"].count == 1)
        #expect(rest["next"].isNull)

        let metrics = ledger.anonymous.get("/metrics").text
        #expect(metrics.contains("strikeledger_webhook_deliveries 4"))
        #expect(metrics.contains("strikeledger_webhook_queue_length 0"))
    }

    @Test func retriesWithTheSameIdUntilTheReceiverAnswers() throws {
        let ledger = try Ledger()
        let receiver = try WebhookReceiver(failFirst: 2)
        defer { receiver.stop() }
        let sub = Self.subscribe(ledger, receiver)
        let courier = Self.courier(ledger)
        defer { courier.stop() }
        let s = ledger.strike(at: "2025-10-10T02:30:00Z")
        ledger.revision(s, killed: 1, reportedAt: "2025-10-10T03:00:00Z")
        ledger.revision(s, killed: 2, reportedAt: "2025-10-10T03:01:00Z")

        #expect(eventually { receiver.hits.count >= 4 })
        let ids = receiver.hits.map(\.id)
        // Seq order holds through the failures: the first event three times, then the second.
        #expect(ids.count == 4)
        #expect(Set(ids.prefix(3)).count == 1 && ids[3] != ids[0])
        let deliveries = ledger.admin.get("/v1/subscriptions/\(sub.id)/deliveries")["items"].array
        let attempts = deliveries.last?["attempts"].array.map { $0["status_code"].int } ?? []
        #expect(attempts == [500, 500, 204])
        #expect(ledger.anonymous.get("/metrics").text.contains("strikeledger_webhook_failures 2"))

        // Asked again by an admin: delivered once more, with the same id.
        let retry = ledger.admin.post("/v1/subscriptions/\(sub.id)/deliveries/\(deliveries.last?["event"].int ?? 0)/retry", "{}")
        #expect(retry.status == 202, "\(retry.text)")
        #expect(eventually { receiver.hits.count >= 5 })
        #expect(receiver.hits.last?.id == ids[0])
        expectProblem(ledger.admin.post("/v1/subscriptions/\(sub.id)/deliveries/999/retry", "{}"), 404)
    }

    @Test func aSlowReceiverDelaysOnlyItsOwnSubscription() throws {
        let ledger = try Ledger()
        let slow = try WebhookReceiver(delay: .seconds(2))
        let fast = try WebhookReceiver()
        defer { slow.stop(); fast.stop() }
        _ = Self.subscribe(ledger, slow)
        _ = Self.subscribe(ledger, fast)
        let courier = Self.courier(ledger)
        defer { courier.stop() }
        let s = ledger.strike(at: "2025-10-10T02:30:00Z")
        for k in 1...3 { ledger.revision(s, killed: k, reportedAt: "2025-10-10T03:0\(k):00Z") }
        #expect(eventually { fast.hits.count == 3 })
        #expect(slow.hits.count < 3, "the slow one takes 2 s a delivery, one at a time")
    }

    @Test func redirectsAreNotFollowed() throws {
        let ledger = try Ledger()
        let receiver = try WebhookReceiver(redirect: true)
        defer { receiver.stop() }
        let sub = Self.subscribe(ledger, receiver)
        let courier = Self.courier(ledger)
        defer { courier.stop() }
        ledger.revision(ledger.strike(at: "2025-10-10T02:30:00Z"), killed: 1, reportedAt: "2025-10-10T03:00:00Z")
        #expect(eventually {
            ledger.admin.get("/v1/subscriptions/\(sub.id)/deliveries")["items"][0]["attempts"].count >= 2
        })
        let item = ledger.admin.get("/v1/subscriptions/\(sub.id)/deliveries")["items"][0]
        #expect(item["status"].string == "pending")
        #expect(item["attempts"][0]["status_code"].int == 302)
        #expect(isUTCWholeSeconds(item["next_attempt_at"].string))
        #expect(receiver.hits.allSatisfy { $0.path == "/hook" }, "never the redirect's target")
    }

    @Test func aRotatedSecretSignsBesideTheNewOne() throws {
        let ledger = try Ledger()
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let sub = Self.subscribe(ledger, receiver)
        let rotated = ledger.admin.post("/v1/subscriptions/\(sub.id)/rotate-secret", "")
        let fresh = rotated["secret"].string ?? ""
        receiver.trust(fresh)
        let courier = Self.courier(ledger)
        defer { courier.stop() }
        ledger.revision(ledger.strike(at: "2025-10-10T02:30:00Z"), killed: 1, reportedAt: "2025-10-10T03:00:00Z")
        #expect(eventually { receiver.hits.count >= 1 })
        #expect(Set(receiver.hits[0].verifiedBy) == [sub.secret, fresh])
        #expect(receiver.hits[0].signature?.split(separator: " ").count == 2)
    }

    @Test func aSubscriptionFailingTooLongIsDisabled() throws {
        let ledger = try Ledger()
        let receiver = try WebhookReceiver(failFirst: 1000)
        defer { receiver.stop() }
        let sub = Self.subscribe(ledger, receiver)
        let courier = Self.courier(ledger, disableAfter: .zero)
        defer { courier.stop() }
        ledger.revision(ledger.strike(at: "2025-10-10T02:30:00Z"), killed: 1, reportedAt: "2025-10-10T03:00:00Z")
        #expect(eventually { ledger.admin.get("/v1/subscriptions/\(sub.id)")["status"].string == "disabled" })
        let shown = ledger.admin.get("/v1/subscriptions/\(sub.id)")
        #expect(shown["disabled"]["reason"].string?.contains("HTTP 500") == true, "\(shown.text)")
        // Resumed by an admin, it is tried again.
        #expect(ledger.admin.patch("/v1/subscriptions/\(sub.id)", #"{"active": true}"#)["status"].string == "active")
        let before = receiver.hits.count
        #expect(eventually { receiver.hits.count > before })
    }

    @Test func theGuardRefusesPrivateAddresses() throws {
        for refused in ["127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "0.0.0.0", "192.168.1.1", "172.16.0.1", "224.0.0.1",
                        "[fe80::1]", "[fd00::1]", "[::ffff:127.0.0.1]", "localhost"] {
            #expect(AddressGuard.refusal(host: refused) != nil, "\(refused)")
        }
        for allowed: [UInt8] in [[93, 184, 216, 34], [8, 8, 8, 8], [0x26, 0x06, 0x47, 0x00] + Array(repeating: 0, count: 12)] {
            #expect(!AddressGuard.isForbidden(allowed), "\(allowed)")
        }

        // Without the flag, the courier sends nothing to the receiver on 127.0.0.1, and says why.
        let ledger = try Ledger()
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let sub = Self.subscribe(ledger, receiver)
        let courier = Self.courier(ledger, allowPrivate: false)
        defer { courier.stop() }
        ledger.revision(ledger.strike(at: "2025-10-10T02:30:00Z"), killed: 1, reportedAt: "2025-10-10T03:00:00Z")
        #expect(eventually { ledger.admin.get("/v1/subscriptions/\(sub.id)/deliveries")["items"][0]["attempts"].count >= 1 })
        let attempt = ledger.admin.get("/v1/subscriptions/\(sub.id)/deliveries")["items"][0]["attempts"][0]
        #expect(attempt["error"].string?.contains("refused") == true, "\(attempt)")
        #expect(attempt["status_code"].isNull)
        #expect(receiver.hits.isEmpty)
    }

    /// A name, not only a literal address: `localhost` is refused, and the attempt names
    /// the address it resolves to. (The proxy's own check is ConnectGuardProxyTests'.)
    @Test func aNameForLoopbackIsRefusedNamingItsAddress() throws {
        let ledger = try Ledger()
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let made = ledger.admin.post("/v1/subscriptions", #"{"url": "http://localhost:\#(receiver.port)/hook"}"#)
        #expect(made.status == 201, "\(made.text)")
        let courier = Self.courier(ledger, allowPrivate: false)
        defer { courier.stop() }
        ledger.revision(ledger.strike(at: "2025-10-10T02:30:00Z"), killed: 1, reportedAt: "2025-10-10T03:00:00Z")
        let deliveries = "/v1/subscriptions/\(made["id"].int ?? 0)/deliveries"
        #expect(eventually { ledger.admin.get(deliveries)["items"][0]["attempts"].count >= 1 })
        let attempt = ledger.admin.get(deliveries)["items"][0]["attempts"][0]
        let error = attempt["error"].string ?? ""
        #expect(error.hasPrefix("refused: localhost resolves to ") && error.contains("127.0.0.1"), "\(attempt)")
        #expect(attempt["status_code"].isNull)
        #expect(receiver.hits.isEmpty)
    }

    /// Two processes on one database (two stores, two couriers): each event goes out once
    /// between them, in order, as the subscription's lease allows one sender at a time.
    @Test func twoCouriersOnOneDatabaseSendEachEventOnce() throws {
        let ledger = try Ledger()
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let sub = Self.subscribe(ledger, receiver)
        let second = try SQLiteStore(path: ledger.directory.appendingPathComponent("test.sqlite").path)
        var c = WebhookConfiguration()
        c.allowPrivateAddresses = true
        c.pollInterval = .milliseconds(5)
        let couriers = [Self.courier(ledger), WebhookCourier(store: second, configuration: c)]
        couriers[1].start()
        defer { couriers.forEach { $0.stop() } }
        let s = ledger.strike(at: "2025-10-10T02:30:00Z")
        for k in 1...30 { ledger.revision(s, killed: k, reportedAt: "2025-10-10T03:00:00Z") }
        #expect(eventually { receiver.hits.count >= 30 })
        Thread.sleep(forTimeInterval: 0.3)  // room for a duplicate to show, were there one
        let seqs = receiver.hits.compactMap { $0.id?.split(separator: "_").last.flatMap { Int($0) } }
        #expect(seqs.count == 30 && seqs == seqs.sorted() && Set(seqs).count == 30, "\(seqs)")
        #expect(receiver.hits.allSatisfy { $0.id?.hasPrefix("msg_\(sub.id)_") == true })
        let sent = couriers.map { $0.delivered.load(ordering: .relaxed) }
        #expect(sent.reduce(0, +) == 30, "\(sent)")
    }

    @Test func aReceiverDownForAWhileGetsEverythingOnceBack() throws {
        let ledger = try Ledger()
        let gone = try WebhookReceiver()
        let port = gone.port, url = gone.url
        gone.stop()
        let made = ledger.admin.post("/v1/subscriptions", #"{"url": "\#(url)"}"#)
        let courier = Self.courier(ledger)
        defer { courier.stop() }
        let s = ledger.strike(at: "2025-10-10T02:30:00Z")
        for k in 1...3 { ledger.revision(s, killed: k, reportedAt: "2025-10-10T03:00:00Z") }
        let deliveries = "/v1/subscriptions/\(made["id"].int ?? 0)/deliveries"
        #expect(eventually { ledger.admin.get(deliveries)["items"][2]["attempts"].count >= 2 })
        let failed = ledger.admin.get(deliveries)["items"][2]["attempts"][0]
        #expect(failed["status_code"].isNull && failed["error"].string != nil, "\(failed)")
        #expect(ledger.admin.get(deliveries)["items"][0]["attempts"].count == 0, "the later events wait their turn")

        let back = try WebhookReceiver(port: port)
        defer { back.stop() }
        back.trust(made["secret"].string ?? "")
        #expect(eventually { back.hits.count >= 3 })
        #expect(back.hits.map(\.id) == (1...3).map { "msg_\(made["id"].int ?? 0)_\($0)" })
        #expect(back.hits.allSatisfy { $0.verifiedBy.count == 1 })
    }

    @Test func aReceiverTooSlowTimesOut() throws {
        let ledger = try Ledger()
        let receiver = try WebhookReceiver(delay: .seconds(2))
        defer { receiver.stop() }
        let sub = Self.subscribe(ledger, receiver)
        var c = WebhookConfiguration()
        c.allowPrivateAddresses = true
        c.timeout = .milliseconds(300)
        c.retryDelays = [.seconds(60)]
        c.pollInterval = .milliseconds(20)
        let courier = ledger.service.deliverWebhooks(c)
        defer { courier.stop() }
        ledger.revision(ledger.strike(at: "2025-10-10T02:30:00Z"), killed: 1, reportedAt: "2025-10-10T03:00:00Z")
        let deliveries = "/v1/subscriptions/\(sub.id)/deliveries"
        #expect(eventually { ledger.admin.get(deliveries)["items"][0]["attempts"].count == 1 })
        let attempt = ledger.admin.get(deliveries)["items"][0]["attempts"][0]
        #expect(attempt["status_code"].isNull, "\(attempt)")
        #expect(ledger.admin.get(deliveries)["items"][0]["status"].string == "pending")
    }
}
