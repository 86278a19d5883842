import Foundation
import HTTPTypes
import LedgerModel
import LedgerStore
import SocketHTTP

/// Webhook subscriptions and their deliveries (admin keys only, reads included: a
/// subscription's URL is an operator's business).
extension LedgerService {
    func createSubscription(_ x: Exchange) throws -> Response {
        var r = try ObjectReader(try x.jsonBody(), allowed: ["url", "city", "strike_id", "types", "description"])
        let url = r.text("url", required: true, maxLength: 2000)
        if let url, let problem = Self.subscriptionURLProblem(url) { r.fail("url", problem) }
        let city = CityName.read("city", from: &r, required: false)
        let strikeId = r.id("strike_id")
        var types = Subscription.eventKinds
        if let names = r.stringList("types", maxLength: 20, maxCount: 3) {
            let kinds = names.compactMap { name in Subscription.eventKinds.first { $0.rawValue == name } }
            if kinds.count != names.count || names.isEmpty || Set(names).count != names.count {
                r.fail("types", "must be a non-empty array of distinct types among revision, void, merge")
            } else {
                types = Subscription.eventKinds.filter(kinds.contains)
            }
        }
        let description = r.text("description", maxLength: 500)
        try r.finish()
        let cityId = try city.map { try store.resolveCity($0).id }
        let secret = WebhookSignature.newSecret()
        var made = try store.createSubscription(
            NewSubscription(url: url!, description: description, cityId: cityId, strikeId: strikeId, types: types), secret: secret)
        made.secret = secret
        return Answer.created(made, location: "/v1/subscriptions/\(made.id)")
    }

    /// Why a URL cannot be a webhook's, or nil: http or https, a host, no credentials.
    static func subscriptionURLProblem(_ text: String) -> String? {
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased() else {
            return "must be an absolute http or https URL"
        }
        guard scheme == "http" || scheme == "https" else { return "must use http or https" }
        guard let host = parts.host, !host.isEmpty else { return "must name a host" }
        guard parts.user == nil, parts.password == nil else { return "must not carry credentials" }
        guard parts.fragment == nil else { return "must not have a fragment" }
        guard URL(string: text) != nil else { return "must be an absolute http or https URL" }
        return nil
    }

    func listSubscriptions(_ x: Exchange) throws -> Response {
        let q = try x.query(["limit", "after"])
        let limit = Int(try q.int("limit", in: 1...500) ?? 50)
        var after: Int64?
        if let cursor = q.string("after") {
            guard let id = try Cursor.decode(cursor)["id"].flatMap(Int64.init) else {
                throw APIError.badRequest("query parameter after is not a cursor from this server")
            }
            after = id
        }
        let rows = try store.subscriptions(after: after, limit: limit + 1)
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? Cursor.encode([("id", String(page.last!.id))]) : nil
        return Answer.json(.ok, Page(items: page, next: next))
    }

    func getSubscription(_ x: Exchange, _ id: Int64) throws -> Response {
        _ = try x.query([])
        return Answer.json(.ok, try store.subscription(id: id))
    }

    func deleteSubscription(_ x: Exchange, _ id: Int64) throws -> Response {
        try store.deleteSubscription(id: id)
        return Response(head: HTTPResponse(status: .noContent))
    }

    /// A merge patch of `active` (pause, resume) and `description`.
    func patchSubscription(_ x: Exchange, _ id: Int64) throws -> Response {
        var r = try ObjectReader(try x.jsonBody(allowMergePatch: true), allowed: ["active", "description"])
        var active: Bool?
        switch r.value("active") {
        case nil, .null?: break
        case .bool(let b)?: active = b
        default: r.fail("active", "must be true or false")
        }
        var description: String??
        if r.contains("description") { description = .some(r.text("description", maxLength: 500)) }
        try r.finish()
        return Answer.json(.ok, try store.updateSubscription(id: id, active: active, description: description))
    }

    /// A new secret; the old one signs beside it for 24 hours.
    func rotateSecret(_ x: Exchange, _ id: Int64) throws -> Response {
        if !x.request.body.isEmpty { _ = try ObjectReader(try x.jsonBody(), allowed: []).finish() }
        let secret = WebhookSignature.newSecret()
        var rotated = try store.rotateSecret(ofSubscription: id, to: secret, overlapUntil: now.adding(seconds: 86_400))
        rotated.secret = secret
        return Answer.json(.ok, rotated)
    }

    func listDeliveries(_ x: Exchange, _ id: Int64) throws -> Response {
        let q = try x.query(["limit", "after"])
        let limit = Int(try q.int("limit", in: 1...500) ?? 50)
        var before: Int64?
        if let cursor = q.string("after") {
            guard let seq = try Cursor.decode(cursor)["seq"].flatMap(Int64.init) else {
                throw APIError.badRequest("query parameter after is not a cursor from this server")
            }
            before = seq
        }
        let rows = try store.deliveries(ofSubscription: id, before: before, limit: limit + 1)
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? Cursor.encode([("seq", String(page.last!.seq))]) : nil
        return Answer.json(.ok, Page(items: page, next: next))
    }

    /// Sends a delivery again now (or at once, cutting its backoff short).
    func retryDelivery(_ x: Exchange, _ id: Int64, _ seq: Int64) throws -> Response {
        if !x.request.body.isEmpty { _ = try ObjectReader(try x.jsonBody(), allowed: []).finish() }
        let delivery = try store.retryDelivery(subscription: id, seq: seq, dueMilliseconds: WebhookCourier.nowMilliseconds)
        courier.withLock { $0 }?.nudge()
        return Answer.json(.accepted, delivery)
    }

    /// Starts delivering the webhook outbox; the courier's counters join the metrics.
    public func deliverWebhooks(_ configuration: WebhookConfiguration) -> WebhookCourier {
        let c = WebhookCourier(store: store, configuration: configuration, logger: logger)
        courier.withLock { $0 = c }
        c.start()
        return c
    }
}

extension LedgerService {
    func webhookFigures() -> WebhookFigures {
        var figures = WebhookFigures()
        if let c = courier.withLock({ $0 }) {
            figures.delivered = c.delivered.load(ordering: .relaxed)
            figures.failed = c.failed.load(ordering: .relaxed)
        }
        if let queue = try? store.webhookQueue() {
            figures.queueLength = queue.length
            figures.lagSeconds = queue.oldest.map { max(0, Double(store.now.seconds - $0.seconds)) } ?? 0
        }
        return figures
    }
}
