/// A webhook subscription: where the changes feed's events are pushed, and which of them.
///
/// Its secret is shown once, when it is made or rotated (`secret`); every other answer
/// leaves it out.
public struct Subscription: Sendable, Equatable, JSONWritable {
    /// The event types a subscription may ask for: a strike's, never an attack's.
    public static let eventKinds: [ChangeEvent.Kind] = [.revision, .void, .merge]

    public var id: Int64
    public var url: String
    public var description: String?
    /// Only events in this city (either strike's, for a merge), when set.
    public var city: CityRef?
    /// Only events of this strike (either strike, for a merge), when set.
    public var strikeId: Int64?
    public var types: [ChangeEvent.Kind]
    /// False while paused by an admin.
    public var active: Bool
    /// Set when the server stopped delivering after failing for too long.
    public var disabled: Voiding?
    /// Until when the secret before the last rotation still signs, if it does.
    public var previousSecretExpiresAt: Timestamp?
    public var createdAt: Timestamp
    /// The signing secret, in an answer that may show it (creation, rotation).
    public var secret: String?

    public init(id: Int64, url: String, description: String?, city: CityRef?, strikeId: Int64?, types: [ChangeEvent.Kind],
                active: Bool, disabled: Voiding?, previousSecretExpiresAt: Timestamp?, createdAt: Timestamp) {
        self.id = id; self.url = url; self.description = description; self.city = city; self.strikeId = strikeId
        self.types = types; self.active = active; self.disabled = disabled
        self.previousSecretExpiresAt = previousSecretExpiresAt; self.createdAt = createdAt
    }

    /// `active`, `paused` or `disabled`.
    public var status: String { disabled != nil ? "disabled" : active ? "active" : "paused" }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("id", id)
            o.field("url", url)
            o.field("description", description)
            o.key("city")
            if let city { city.write(to: &o) } else { o.null() }
            o.field("strike_id", strikeId)
            o.key("types")
            o.array { a in for t in types { a.string(t.rawValue) } }
            o.field("active", active)
            o.field("status", status)
            o.key("disabled")
            if let disabled { disabled.write(to: &o) } else { o.null() }
            o.field("previous_secret_expires_at", previousSecretExpiresAt)
            o.field("created_at", createdAt)
            if let secret { o.field("secret", secret) }
        }
    }
}

/// What a new subscription asks for, once validated (the API checks the URL and resolves
/// the city).
public struct NewSubscription: Sendable, Equatable {
    public var url: String
    public var description: String?
    public var cityId: Int64?
    public var strikeId: Int64?
    public var types: [ChangeEvent.Kind]
    public init(url: String, description: String? = nil, cityId: Int64? = nil, strikeId: Int64? = nil,
                types: [ChangeEvent.Kind] = Subscription.eventKinds) {
        self.url = url; self.description = description; self.cityId = cityId; self.strikeId = strikeId; self.types = types
    }
}

/// One try at sending a delivery.
public struct DeliveryAttempt: Sendable, Equatable, JSONWritable {
    public var at: Timestamp
    /// The receiver's HTTP status; nil when no answer came (refused, timed out).
    public var statusCode: Int?
    public var latencyMilliseconds: Int64
    /// Why it failed without a status, or nil.
    public var error: String?
    public init(at: Timestamp, statusCode: Int?, latencyMilliseconds: Int64, error: String?) {
        self.at = at; self.statusCode = statusCode; self.latencyMilliseconds = latencyMilliseconds; self.error = error
    }
    public var succeeded: Bool { statusCode.map { (200..<300).contains($0) } ?? false }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("at", at)
            o.field("status_code", statusCode)
            o.field("latency_ms", latencyMilliseconds)
            o.field("error", error)
        }
    }
}

/// One event on its way to one subscription: the outbox row and its attempts.
public struct Delivery: Sendable, Equatable, JSONWritable {
    public var subscriptionId: Int64
    /// The event's seq.
    public var seq: Int64
    public var kind: ChangeEvent.Kind
    public var createdAt: Timestamp
    public var deliveredAt: Timestamp?
    /// When the next attempt is due (milliseconds since the epoch); nil once delivered.
    public var nextAttemptMilliseconds: Int64?
    public var attempts: [DeliveryAttempt]

    public init(subscriptionId: Int64, seq: Int64, kind: ChangeEvent.Kind, createdAt: Timestamp, deliveredAt: Timestamp?,
                nextAttemptMilliseconds: Int64?, attempts: [DeliveryAttempt]) {
        self.subscriptionId = subscriptionId; self.seq = seq; self.kind = kind; self.createdAt = createdAt
        self.deliveredAt = deliveredAt; self.nextAttemptMilliseconds = nextAttemptMilliseconds; self.attempts = attempts
    }

    /// The `webhook-id` of every attempt: the same across retries of this event to this subscription.
    public var webhookId: String { Self.webhookId(subscription: subscriptionId, seq: seq) }
    public static func webhookId(subscription: Int64, seq: Int64) -> String { "msg_\(subscription)_\(seq)" }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("event", seq)
            o.field("webhook_id", webhookId)
            o.field("type", WebhookPayload.type(of: kind))
            o.field("status", deliveredAt != nil ? "delivered" : "pending")
            o.field("created_at", createdAt)
            o.field("delivered_at", deliveredAt)
            // Rounded up to the second, as every instant the API shows.
            o.field("next_attempt_at", nextAttemptMilliseconds.map { Timestamp(seconds: ($0 + 999) / 1000) })
            o.key("attempts")
            o.array { a in for attempt in attempts { attempt.write(to: &a) } }
        }
    }
}

/// The body of a webhook: `{"type", "timestamp", "data"}`, where `data` is the feed's item.
public struct WebhookPayload: JSONWritable {
    public var event: ChangeEvent
    /// When the event was recorded.
    public var timestamp: Timestamp
    public init(event: ChangeEvent, timestamp: Timestamp) { self.event = event; self.timestamp = timestamp }

    /// The Standard Webhooks event type of a feed event type.
    public static func type(of kind: ChangeEvent.Kind) -> String {
        switch kind {
        case .revision: "toll.revised"
        case .void: "revision.voided"
        case .merge: "strike.merged"
        case .attack_revision: "attack.revised"
        case .attack_void: "attack_revision.voided"
        }
    }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("type", Self.type(of: event.kind))
            o.field("timestamp", timestamp)
            o.key("data")
            event.write(to: &o)
        }
    }
}
