import LedgerModel

/// The next delivery of a subscription that holds the lease on it: what the courier needs
/// to send it.
public struct DeliveryJob: Sendable, Equatable {
    public var subscriptionId: Int64
    public var url: String
    /// The secrets that sign: the current one first, then the previous one while it still signs.
    public var secrets: [String]
    public var seq: Int64
    /// Attempts made before this one.
    public var attempts: Int
    public var nextAttemptMilliseconds: Int64
    /// When the event was recorded.
    public var eventTime: Timestamp
    /// When the subscription's current run of failures began, if it is failing.
    public var failingSince: Timestamp?
}

/// How deep the outbox is, for the metrics.
public struct WebhookQueue: Sendable, Equatable {
    /// Undelivered deliveries of subscriptions that are active.
    public var length: Int
    /// When the oldest of them was recorded.
    public var oldest: Timestamp?
    public init(length: Int, oldest: Timestamp?) { self.length = length; self.oldest = oldest }
}

extension RelationalStore {
    private static var subscriptionColumns: String { """
        w.id, w.url, w.description, w.city_id, c.name AS city_name, w.strike_id, w.wants_revision, w.wants_void,
        w.wants_merge, w.active, w.disabled_at, w.disabled_reason, w.previous_secret_until, w.created_at
        """ }

    private static func subscription(_ row: SQLRow, now: Timestamp) -> Subscription {
        let cityId: Int64? = row["city_id"]
        var types: [ChangeEvent.Kind] = []
        if row["wants_revision"] as Int64 != 0 { types.append(.revision) }
        if row["wants_void"] as Int64 != 0 { types.append(.void) }
        if row["wants_merge"] as Int64 != 0 { types.append(.merge) }
        let disabledAt: Int64? = row["disabled_at"]
        let previousUntil = (row["previous_secret_until"] as Int64?).flatMap { $0 > now.seconds ? Timestamp(seconds: $0) : nil }
        return Subscription(
            id: row["id"], url: row["url"], description: row["description"],
            city: cityId.map { CityRef(id: $0, name: row["city_name"] as String? ?? "") }, strikeId: row["strike_id"],
            types: types, active: row["active"] as Int64 != 0,
            disabled: disabledAt.map { Voiding(at: Timestamp(seconds: $0), reason: row["disabled_reason"] as String? ?? "") },
            previousSecretExpiresAt: previousUntil, createdAt: row.timestamp("created_at"))
    }

    private static func fetchSubscription(_ id: Int64, now: Timestamp, _ db: any SQLSession) throws -> Subscription {
        guard let row = try db.row("""
            SELECT \(subscriptionColumns) FROM webhook_subscriptions w LEFT JOIN cities c ON c.id = w.city_id WHERE w.id = ?
            """, [id]) else { throw StoreError.notFound("subscription \(id)") }
        return subscription(row, now: now)
    }

    /// The subscriptions' column that says whether one takes events of this kind (chosen
    /// in code, never from input); nil for the kinds no subscription takes.
    private static func wantsColumn(_ kind: ChangeEvent.Kind) -> StaticString? {
        switch kind {
        case .revision: return "wants_revision"
        case .void: return "wants_void"
        case .merge: return "wants_merge"
        case .attack_revision, .attack_void: return nil
        }
    }

    /// True when some active subscription takes events of this kind, whatever its filters:
    /// a writer of many events asks once, and skips `enqueueDeliveries` when none does.
    static func anySubscriptionWants(_ kind: ChangeEvent.Kind, _ db: any SQLSession) throws -> Bool {
        guard let wants = wantsColumn(kind) else { return false }
        return try db.exists("SELECT 1 FROM webhook_subscriptions WHERE active = 1 AND disabled_at IS NULL AND \(wants) = 1 LIMIT 1")
    }

    /// Writes the outbox rows of a change event: one per active subscription whose filters
    /// match it, in the event's own transaction.
    static func enqueueDeliveries(_ kind: ChangeEvent.Kind, seq: Int64, strikeId: Int64, cityId: Int64, mergedId: Int64?,
                                  mergedCityId: Int64?, now: Timestamp, _ db: any SQLSession) throws {
        guard let wants = wantsColumn(kind) else { return }
        let otherId = mergedId ?? strikeId, otherCity = mergedCityId ?? cityId
        try db.execute("""
            INSERT INTO webhook_deliveries (subscription_id, seq, created_at, next_attempt_ms)
            SELECT id, ?, ?, ? FROM webhook_subscriptions
            WHERE active = 1 AND disabled_at IS NULL AND \(wants) = 1
              AND (city_id IS NULL OR city_id = ? OR city_id = ?)
              AND (strike_id IS NULL OR strike_id = ? OR strike_id = ?)
            """, [seq, now.seconds, now.seconds * 1000, cityId, otherCity, strikeId, otherId])
    }

    // MARK: Subscriptions

    public func createSubscription(_ new: NewSubscription, secret: String) throws(StoreError) -> Subscription {
        let now = self.now
        return try write { db in
            if let s = new.strikeId, try Self.fetchStrike(s, db) == nil {
                throw StoreError.invalid(ValidationError(field: "strike_id", "no strike has id \(s)"))
            }
            let id = try Self.nextID(of: "webhook_subscriptions", db)
            try db.execute("""
                INSERT INTO webhook_subscriptions (id, url, description, city_id, strike_id, wants_revision, wants_void,
                                                   wants_merge, secret, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [id, new.url, new.description, new.cityId, new.strikeId, new.types.contains(.revision) ? 1 : 0,
                      new.types.contains(.void) ? 1 : 0, new.types.contains(.merge) ? 1 : 0, secret, now.seconds])
            return try Self.fetchSubscription(id, now: now, db)
        }
    }

    public func subscription(id: Int64) throws(StoreError) -> Subscription {
        let now = self.now
        return try read { db in try Self.fetchSubscription(id, now: now, db) }
    }

    /// Subscriptions by id, after `after`.
    public func subscriptions(after: Int64?, limit: Int) throws(StoreError) -> [Subscription] {
        let now = self.now
        return try read { db in
            try db.rows("""
                SELECT \(Self.subscriptionColumns) FROM webhook_subscriptions w LEFT JOIN cities c ON c.id = w.city_id
                WHERE w.id > ? ORDER BY w.id LIMIT ?
                """, [after ?? 0, limit]).map { Self.subscription($0, now: now) }
        }
    }

    /// Deletes a subscription with its outbox and attempts.
    public func deleteSubscription(id: Int64) throws(StoreError) {
        try write { db in
            _ = try Self.fetchSubscription(id, now: Timestamp(seconds: 0), db)
            try db.execute("DELETE FROM webhook_attempts WHERE subscription_id = ?", [id])
            try db.execute("DELETE FROM webhook_deliveries WHERE subscription_id = ?", [id])
            try db.execute("DELETE FROM webhook_subscriptions WHERE id = ?", [id])
        }
    }

    /// Pauses or resumes a subscription, and sets or removes its description (`.some(nil)`).
    /// Resuming a disabled one enables it again, its failures forgotten.
    public func updateSubscription(id: Int64, active: Bool?, description: String??) throws(StoreError) -> Subscription {
        let now = self.now
        return try write { db in
            _ = try Self.fetchSubscription(id, now: now, db)
            if let active {
                try db.execute("""
                    UPDATE webhook_subscriptions SET active = ?, disabled_at = NULL, disabled_reason = NULL,
                      failing_since = CASE WHEN ? = 1 THEN NULL ELSE failing_since END WHERE id = ?
                    """, [active ? 1 : 0, active ? 1 : 0, id])
            }
            if let description {
                try db.execute("UPDATE webhook_subscriptions SET description = ? WHERE id = ?", [description, id])
            }
            return try Self.fetchSubscription(id, now: now, db)
        }
    }

    /// Replaces the secret; the old one keeps signing until `overlapUntil`.
    public func rotateSecret(ofSubscription id: Int64, to secret: String, overlapUntil: Timestamp) throws(StoreError) -> Subscription {
        let now = self.now
        return try write { db in
            _ = try Self.fetchSubscription(id, now: now, db)
            try db.execute("""
                UPDATE webhook_subscriptions SET previous_secret = secret, previous_secret_until = ?, secret = ? WHERE id = ?
                """, [overlapUntil.seconds, secret, id])
            return try Self.fetchSubscription(id, now: now, db)
        }
    }

    // MARK: Deliveries

    /// Deliveries matching `condition`: fixed SQL with `?` placeholders, written in code.
    private static func deliveries(_ condition: StaticString, _ args: [any SQLBindable], _ db: any SQLSession) throws -> [Delivery] {
        let rows = try db.rows("""
            SELECT d.subscription_id, d.seq, e.type, d.created_at, d.delivered_at, d.next_attempt_ms
            FROM webhook_deliveries d JOIN change_events e ON e.seq = d.seq WHERE \(condition)
            """, args)
        guard !rows.isEmpty else { return [] }
        let seqs = rows.map { $0[1] as Int64 }
        let marks = Array(repeating: "?", count: seqs.count).joined(separator: ",")
        var attempts: [Int64: [DeliveryAttempt]] = [:]
        for row in try db.rows("""
            SELECT seq, at, status, latency_ms, error FROM webhook_attempts
            WHERE subscription_id = ? AND seq IN (\(marks)) ORDER BY seq, attempt
            """, [rows[0][0] as Int64] + seqs) {
            attempts[row[0], default: []].append(DeliveryAttempt(
                at: Timestamp(seconds: row[1]), statusCode: (row[2] as Int64?).map(Int.init), latencyMilliseconds: row[3], error: row[4]))
        }
        return rows.map { row in
            let delivered: Int64? = row[4]
            return Delivery(subscriptionId: row[0], seq: row[1], kind: ChangeEvent.Kind(rawValue: row[2]) ?? .revision,
                            createdAt: Timestamp(seconds: row[3]), deliveredAt: delivered.map(Timestamp.init(seconds:)),
                            nextAttemptMilliseconds: delivered == nil ? row[5] : nil, attempts: attempts[row[1]] ?? [])
        }
    }

    /// A subscription's deliveries, newest event first, before seq `before`.
    public func deliveries(ofSubscription id: Int64, before: Int64?, limit: Int) throws(StoreError) -> [Delivery] {
        let now = self.now
        return try read { db in
            _ = try Self.fetchSubscription(id, now: now, db)
            return try Self.deliveries("d.subscription_id = ? AND d.seq < ? ORDER BY d.seq DESC LIMIT ?",
                                       [id, before ?? Int64.max, limit], db)
        }
    }

    /// Makes a delivery due at `dueMilliseconds`, whether it is pending (its backoff is cut
    /// short) or was delivered (it is sent again).
    public func retryDelivery(subscription id: Int64, seq: Int64, dueMilliseconds: Int64) throws(StoreError) -> Delivery {
        let now = self.now
        return try write { db in
            _ = try Self.fetchSubscription(id, now: now, db)
            let changed = try db.execute("""
                UPDATE webhook_deliveries SET delivered_at = NULL, next_attempt_ms = ? WHERE subscription_id = ? AND seq = ?
                """, [dueMilliseconds, id, seq])
            guard changed == 1, let d = try Self.deliveries("d.subscription_id = ? AND d.seq = ?", [id, seq], db).first else {
                throw StoreError.notFound("delivery of event \(seq) to subscription \(id)")
            }
            return d
        }
    }

    // MARK: The courier's side

    /// Active subscriptions whose oldest undelivered delivery is due at `nowMilliseconds`
    /// and that no live lease holds; and the earliest time a delivery not yet due falls due.
    public func dueSubscriptions(nowMilliseconds: Int64) throws(StoreError) -> (due: [Int64], nextDue: Int64?) {
        try read { db in
            var due: [Int64] = []
            var next: Int64?
            for row in try db.rows("""
                SELECT w.id, d.next_attempt_ms FROM webhook_subscriptions w
                JOIN webhook_deliveries d ON d.subscription_id = w.id
                WHERE w.active = 1 AND w.disabled_at IS NULL AND (w.lease_until_ms IS NULL OR w.lease_until_ms < ?)
                  AND d.seq = (SELECT min(x.seq) FROM webhook_deliveries x WHERE x.subscription_id = w.id AND x.delivered_at IS NULL)
                ORDER BY d.next_attempt_ms
                """, [nowMilliseconds]) {
                let at: Int64 = row[1]
                if at <= nowMilliseconds { due.append(row[0]) } else { next = min(next ?? at, at) }
            }
            return (due, next)
        }
    }

    /// Takes (or renews) the lease on a subscription for `owner` until `untilMilliseconds`,
    /// unless another owner holds a live one. A compare-and-set on the row: of several
    /// processes, exactly one wins (on PostgreSQL the loser's UPDATE waits for the winner's
    /// commit, then finds the lease live).
    public func claimSubscription(_ id: Int64, owner: String, nowMilliseconds: Int64, untilMilliseconds: Int64) throws(StoreError) -> Bool {
        try write { db in
            try db.execute("""
                UPDATE webhook_subscriptions SET lease_owner = ?, lease_until_ms = ?
                WHERE id = ? AND active = 1 AND disabled_at IS NULL
                  AND (lease_until_ms IS NULL OR lease_until_ms < ? OR lease_owner = ?)
                """, [owner, untilMilliseconds, id, nowMilliseconds, owner]) == 1
        }
    }

    /// Gives a lease up.
    public func releaseSubscription(_ id: Int64, owner: String) throws(StoreError) {
        _ = try write { db in
            try db.execute("UPDATE webhook_subscriptions SET lease_owner = NULL, lease_until_ms = NULL WHERE id = ? AND lease_owner = ?",
                           [id, owner])
        }
    }

    /// Forgets every lease: for a single process at start-up, whose earlier life may have
    /// died holding some.
    public func releaseAllWebhookLeases() throws(StoreError) {
        _ = try write { db in
            try db.execute("UPDATE webhook_subscriptions SET lease_owner = NULL, lease_until_ms = NULL WHERE lease_owner IS NOT NULL")
        }
    }

    /// The oldest undelivered delivery of a subscription whose lease `owner` holds, or nil.
    public func nextDelivery(ofSubscription id: Int64, owner: String) throws(StoreError) -> DeliveryJob? {
        let now = self.now
        return try read { db in
            guard let row = try db.row("""
                SELECT w.url, w.secret, w.previous_secret, w.previous_secret_until, w.failing_since,
                       d.seq, d.attempts, d.next_attempt_ms, e.created_at
                FROM webhook_subscriptions w
                JOIN webhook_deliveries d ON d.subscription_id = w.id JOIN change_events e ON e.seq = d.seq
                WHERE w.id = ? AND w.lease_owner = ? AND w.active = 1 AND w.disabled_at IS NULL AND d.delivered_at IS NULL
                ORDER BY d.seq LIMIT 1
                """, [id, owner]) else { return nil }
            var secrets: [String] = [row[1]]
            if let previous: String = row[2], let until: Int64 = row[3], until > now.seconds { secrets.append(previous) }
            return DeliveryJob(subscriptionId: id, url: row[0], secrets: secrets, seq: row[5], attempts: Int(row[6] as Int64),
                               nextAttemptMilliseconds: row[7], eventTime: Timestamp(seconds: row[8]),
                               failingSince: (row[4] as Int64?).map(Timestamp.init(seconds:)))
        }
    }

    /// Records an attempt. A success marks the delivery delivered and ends the
    /// subscription's failing run; a failure schedules the next attempt at
    /// `retryMilliseconds`, or, with `disableReason`, disables the subscription.
    public func recordAttempt(_ job: DeliveryJob, _ attempt: DeliveryAttempt, retryMilliseconds: Int64,
                              disableReason: String?) throws(StoreError) {
        let now = self.now
        try write { db in
            try db.execute("""
                INSERT INTO webhook_attempts (subscription_id, seq, attempt, at, status, latency_ms, error)
                VALUES (?, ?, (SELECT coalesce(max(attempt), 0) + 1 FROM webhook_attempts WHERE subscription_id = ? AND seq = ?),
                        ?, ?, ?, ?)
                """, [job.subscriptionId, job.seq, job.subscriptionId, job.seq, attempt.at.seconds,
                      attempt.statusCode.map(Int64.init), attempt.latencyMilliseconds, attempt.error])
            if attempt.succeeded {
                try db.execute("""
                    UPDATE webhook_deliveries SET attempts = attempts + 1, delivered_at = ? WHERE subscription_id = ? AND seq = ?
                    """, [now.seconds, job.subscriptionId, job.seq])
                try db.execute("UPDATE webhook_subscriptions SET failing_since = NULL WHERE id = ?", [job.subscriptionId])
                return
            }
            try db.execute("""
                UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_ms = ? WHERE subscription_id = ? AND seq = ?
                """, [retryMilliseconds, job.subscriptionId, job.seq])
            try db.execute("UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, ?) WHERE id = ?",
                           [attempt.at.seconds, job.subscriptionId])
            if let disableReason {
                try db.execute("""
                    UPDATE webhook_subscriptions SET disabled_at = ?, disabled_reason = ?, lease_owner = NULL, lease_until_ms = NULL
                    WHERE id = ?
                    """, [now.seconds, disableReason, job.subscriptionId])
            }
        }
    }

    /// Undelivered deliveries of active subscriptions, and the oldest one's event time.
    public func webhookQueue() throws(StoreError) -> WebhookQueue {
        try read { db in
            let row = try db.row("""
                SELECT count(*), min(d.created_at) FROM webhook_deliveries d JOIN webhook_subscriptions w ON w.id = d.subscription_id
                WHERE d.delivered_at IS NULL AND w.active = 1 AND w.disabled_at IS NULL
                """)
            return WebhookQueue(length: Int(row.map { $0[0] as Int64 } ?? 0),
                                oldest: row.flatMap { $0[1] as Int64? }.map(Timestamp.init(seconds:)))
        }
    }
}
