import LedgerModel

/// The store: the seam between the HTTP API (and the command line) and a database engine.
///
/// Everything on it speaks the domain's own types. Two engines implement it: SQLite
/// through GRDB (`LedgerSQLite`, the embedded default) and PostgreSQL through libpq
/// (`LedgerPostgres`). Every engine keeps the same promises:
/// - a write returns only once it is durable (committed), and its change events are in
///   `changes` (the hub) before it returns;
/// - change events get a global, strictly increasing `seq` in commit order;
/// - revisions, voids and change events are append-only; a strike's toll is derived from
///   its history by `Toll.derive` and cached on the strike in the same transaction;
/// - an `AnswerKeeper`'s answer is stored in the same transaction as its write;
/// - `dataVersion` grows after every committed write, before the writer is answered.
public protocol LedgerStore: AnyObject, Sendable {
    // MARK: The engine

    /// The feed's head and waiters, told of every committed event in seq order.
    var changes: ChangeHub { get }
    /// Grows with every committed write batch (on any process sharing the database, as far
    /// as the engine can tell). An answer computed after reading version V is current
    /// exactly while the version is still V.
    var dataVersion: Int { get }
    /// The store's clock: what `recorded_at` and every other server time is taken from.
    var now: Timestamp { get }
    /// True when a short read costs microseconds and never waits on a network (an
    /// in-process database): such reads may run on an event loop.
    var readsInProcess: Bool { get }
    /// Time spent in the database, for the metrics.
    var timing: StoreTiming { get }
    /// Lets this thread's reads share one snapshot until `endReadTurn()`, as long as no
    /// write of this process commits in between: an event loop's short reads during one
    /// turn. An engine may ignore it.
    func startReadTurn()
    /// Ends what `startReadTurn()` began on this thread. Cheap when nothing was begun.
    func endReadTurn()
    /// Whether the database answers and can commit now; when not, why. While a commit
    /// has failed for want of disk or of write access, this tries one (at most once a
    /// second) rather than trusting a read.
    func readiness() -> Readiness
    /// Applies pending migrations; returns the names applied.
    @discardableResult func migrate() throws -> [String]
    /// A consistent copy of the live database at `path` (or an error saying how to make
    /// one with the engine's own tools).
    func backup(to path: String) throws

    // MARK: Cities

    /// Every city and spelling, folded for lookups. Cheap: a copy of an in-memory value.
    var gazetteer: Gazetteer { get }
    /// The city a request names, or a 422 on `field` with suggestions.
    func resolveCity(_ name: CityName, field: String) throws(StoreError) -> City
    /// Adds a city with its aliases (admin). 409 when a spelling belongs to another city.
    func addCity(_ new: NewCity, keeping keeper: AnswerKeeper<City>?) throws(StoreError) -> City
    /// Adds a spelling to a city (editor). 409 when another city owns it; a spelling the
    /// city already has changes nothing.
    func addAlias(_ alias: String, toCity id: Int64, keeping keeper: AnswerKeeper<City>?) throws(StoreError) -> City

    // MARK: Sources

    /// Finds the source with the same kind, name and url, or creates it; and whether it was created.
    func findOrCreateSource(_ new: NewSource, keeping keeper: AnswerKeeper<(Source, created: Bool)>?) throws(StoreError) -> (Source, created: Bool)
    func source(id: Int64) throws(StoreError) -> Source
    /// Sources whose name contains `query` (folded), of `kind`, by id after `after`.
    func sources(query: String?, kind: Source.Kind?, after: Int64?, limit: Int) throws(StoreError) -> [Source]

    // MARK: Strikes

    func strike(id: Int64) throws(StoreError) -> Strike
    /// Non-merged strikes, newest `occurred_at` first.
    func strikes(_ q: StrikeQuery) throws(StoreError) -> [Strike]
    func createStrike(_ new: NewStrike, keeping keeper: AnswerKeeper<Strike>?) throws(StoreError) -> Strike
    /// Applies a merge patch of descriptive fields; `ifMatch` is the version the client
    /// last saw (412 when stale).
    func patchStrike(id: Int64, _ patch: StrikePatch, ifMatch: Int64?) throws(StoreError) -> Strike
    /// Merges strike `id` into strike `target` (following chains): a pointer, not a move.
    func merge(strike id: Int64, into target: Int64, keeping keeper: AnswerKeeper<Strike>?) throws(StoreError) -> Strike

    // MARK: Revisions and reports

    /// Appends figures to a strike (or to the strike it was merged into).
    func appendRevision(toStrike id: Int64, _ figures: Figures, keeping keeper: AnswerKeeper<RevisionWrite>?) throws(StoreError) -> RevisionWrite
    /// Voids a revision: it stays in the history and stops counting. 409 the second time.
    func voidRevision(seq: Int64, reason: String, keeping keeper: AnswerKeeper<RevisionWrite>?) throws(StoreError) -> RevisionWrite
    /// A strike's history (its own revisions and those of strikes merged into it), in seq
    /// order, voided ones included; `after` is the last seq seen.
    func revisions(ofStrike id: Int64, after: Int64?, limit: Int) throws(StoreError) -> [Revision]
    func revisionExists(seq: Int64) throws(StoreError) -> Bool
    /// Ingests one report in one transaction: finds (within `window` seconds) or creates
    /// the strike, fills in the fields it lacks, appends a revision when figures are stated.
    func ingest(_ report: Report, window: Int64, keeping keeper: AnswerKeeper<ReportOutcome>?) throws(StoreError) -> ReportOutcome

    // MARK: Attacks

    /// Every weapon model and spelling, folded for lookups.
    var weaponCatalogue: WeaponCatalogue { get }
    /// Records an attack (reporter).
    func createAttack(_ new: NewAttack, keeping keeper: AnswerKeeper<Attack>?) throws(StoreError) -> Attack
    /// An attack in full: its counts, its strikes (those groups are merged into) with their
    /// statements, newest `occurred_at` last.
    func attack(id: Int64) throws(StoreError) -> Attack
    /// Attacks without their strikes, newest `started_at` first.
    func attacks(_ q: AttackQuery) throws(StoreError) -> [Attack]
    /// Appends a source's weapon counts to an attack.
    func appendAttackRevision(toAttack id: Int64, _ figures: AttackFigures,
                              keeping keeper: AnswerKeeper<AttackRevisionWrite>?) throws(StoreError) -> AttackRevisionWrite
    /// Voids an attack revision: it stays and stops counting. 409 the second time.
    func voidAttackRevision(seq: Int64, reason: String,
                            keeping keeper: AnswerKeeper<AttackRevisionWrite>?) throws(StoreError) -> AttackRevisionWrite
    /// An attack's revisions in seq order, voided ones included; `after` is the last seq seen.
    func attackRevisions(ofAttack id: Int64, after: Int64?, limit: Int) throws(StoreError) -> [AttackRevision]
    func attackRevisionExists(seq: Int64) throws(StoreError) -> Bool
    /// Links strikes (each through the strike it was merged into) to an attack. 409 when
    /// one belongs to another attack; linking again changes nothing.
    func link(strikes ids: [Int64], toAttack id: Int64, keeping keeper: AnswerKeeper<Attack>?) throws(StoreError) -> Attack

    // MARK: Reading

    /// Hands `body` a walk over the strikes a casualties query covers, in `occurred_at`
    /// order, with their tolls, every page of it from one snapshot (so that a second walk,
    /// for totals first and strikes next, reads the same strikes as the first).
    func readCasualties<T>(_ q: CasualtyQuery, _ body: (CasualtyWalk) throws -> T) throws(StoreError) -> T
    /// Feed events with `seq > since` matching `filter`, ascending, at most `limit`; and
    /// the feed's head in the same snapshot.
    func changes(since: Int64, filter: FeedFilter, limit: Int) throws(StoreError) -> (items: [ChangeEvent], head: Int64)

    // MARK: Export and import

    /// The strikes an export covers, in `occurred_at` order, handed to `each` one at a
    /// time from one snapshot, a page in memory at a time; `each` returns false to stop.
    func exportStrikes(_ q: ExportQuery, _ each: (ExportedStrike) -> Bool) throws(StoreError)
    /// The revisions of the strikes an export covers, in seq order, voided ones included.
    func exportRevisions(_ q: ExportQuery, _ each: (ExportedRevision) -> Bool) throws(StoreError)
    /// Writes a batch of import rows in one transaction, each as POST /v1/reports would
    /// (within `window` seconds), skipping rows whose natural key was imported before and
    /// keeping each written row's key. A row the store refuses is undone alone. With
    /// `dryRun`, nothing is kept.
    func importRows(_ items: [ImportItem], window: Int64, dryRun: Bool) throws(StoreError) -> [ImportOutcome]

    // MARK: Webhooks

    /// Adds a subscription with its signing secret (admin).
    func createSubscription(_ new: NewSubscription, secret: String) throws(StoreError) -> Subscription
    func subscription(id: Int64) throws(StoreError) -> Subscription
    /// Subscriptions by id, after `after`.
    func subscriptions(after: Int64?, limit: Int) throws(StoreError) -> [Subscription]
    /// Deletes a subscription with its outbox.
    func deleteSubscription(id: Int64) throws(StoreError)
    /// Pauses or resumes (a resume also re-enables a disabled subscription), and sets or
    /// removes (`.some(nil)`) the description.
    func updateSubscription(id: Int64, active: Bool?, description: String??) throws(StoreError) -> Subscription
    /// Replaces the secret; the old one keeps signing until `overlapUntil`.
    func rotateSecret(ofSubscription id: Int64, to secret: String, overlapUntil: Timestamp) throws(StoreError) -> Subscription
    /// A subscription's deliveries with their attempts, newest event first, before seq `before`.
    func deliveries(ofSubscription id: Int64, before: Int64?, limit: Int) throws(StoreError) -> [Delivery]
    /// Makes a delivery due at `dueMilliseconds` (again, if it was delivered).
    func retryDelivery(subscription id: Int64, seq: Int64, dueMilliseconds: Int64) throws(StoreError) -> Delivery
    /// Subscriptions with a delivery due and no live lease; and when the next one falls due.
    func dueSubscriptions(nowMilliseconds: Int64) throws(StoreError) -> (due: [Int64], nextDue: Int64?)
    /// Takes or renews the lease on a subscription: one sender at a time, across processes.
    func claimSubscription(_ id: Int64, owner: String, nowMilliseconds: Int64, untilMilliseconds: Int64) throws(StoreError) -> Bool
    func releaseSubscription(_ id: Int64, owner: String) throws(StoreError)
    /// Forgets every lease (a lone process starting up).
    func releaseAllWebhookLeases() throws(StoreError)
    /// The oldest undelivered delivery of a subscription whose lease `owner` holds.
    func nextDelivery(ofSubscription id: Int64, owner: String) throws(StoreError) -> DeliveryJob?
    /// Records an attempt: delivered on a 2xx, else due again at `retryMilliseconds`, or the
    /// subscription disabled with `disableReason`.
    func recordAttempt(_ job: DeliveryJob, _ attempt: DeliveryAttempt, retryMilliseconds: Int64,
                       disableReason: String?) throws(StoreError)
    /// The outbox's depth and its oldest undelivered event, for the metrics.
    func webhookQueue() throws(StoreError) -> WebhookQueue

    // MARK: Keys and idempotency

    /// Creates a key and returns its secret; only its hash is stored.
    func createKey(name: String, role: Role) throws(StoreError) -> String
    func keys() throws(StoreError) -> [APIKey]
    /// Revokes a key by name; 404 when there is none.
    func revokeKey(name: String) throws(StoreError)
    /// The live (not revoked) key with this secret, if any. A database that cannot be
    /// asked throws: "unknown key" (401) and "try again" (503) are different answers.
    func authenticate(_ key: String) throws(StoreError) -> APIKey?
    /// The answer kept for `(apiKey, key)` within `Idempotency.window`, if any.
    func storedResponse(apiKey: Int64, key: String) throws(StoreError) -> StoredResponse?
    /// Keeps an answer unless one is kept already under the key.
    func storeResponse(_ r: StoredResponse, apiKey: Int64, key: String) throws(StoreError)
}

extension LedgerStore {
    public var readsInProcess: Bool { false }
    public func startReadTurn() {}
    public func endReadTurn() {}
    public func resolveCity(_ name: CityName) throws(StoreError) -> City { try resolveCity(name, field: "city") }
    public func addCity(_ new: NewCity) throws(StoreError) -> City { try addCity(new, keeping: nil) }
    public func addAlias(_ alias: String, toCity id: Int64) throws(StoreError) -> City { try addAlias(alias, toCity: id, keeping: nil) }
    public func findOrCreateSource(_ new: NewSource) throws(StoreError) -> (Source, created: Bool) { try findOrCreateSource(new, keeping: nil) }
    public func createStrike(_ new: NewStrike) throws(StoreError) -> Strike { try createStrike(new, keeping: nil) }
    public func merge(strike id: Int64, into target: Int64) throws(StoreError) -> Strike { try merge(strike: id, into: target, keeping: nil) }
    public func appendRevision(toStrike id: Int64, _ figures: Figures) throws(StoreError) -> RevisionWrite {
        try appendRevision(toStrike: id, figures, keeping: nil)
    }
    public func voidRevision(seq: Int64, reason: String) throws(StoreError) -> RevisionWrite { try voidRevision(seq: seq, reason: reason, keeping: nil) }
    public func ingest(_ report: Report, window: Int64) throws(StoreError) -> ReportOutcome { try ingest(report, window: window, keeping: nil) }
    public func createAttack(_ new: NewAttack) throws(StoreError) -> Attack { try createAttack(new, keeping: nil) }
    public func appendAttackRevision(toAttack id: Int64, _ figures: AttackFigures) throws(StoreError) -> AttackRevisionWrite {
        try appendAttackRevision(toAttack: id, figures, keeping: nil)
    }
    public func voidAttackRevision(seq: Int64, reason: String) throws(StoreError) -> AttackRevisionWrite {
        try voidAttackRevision(seq: seq, reason: reason, keeping: nil)
    }
    public func link(strikes ids: [Int64], toAttack id: Int64) throws(StoreError) -> Attack { try link(strikes: ids, toAttack: id, keeping: nil) }
}

/// Time spent in the database, for the metrics.
public struct StoreTiming: Sendable {
    public var readSeconds: Double
    public var reads: Int
    public var writeSeconds: Double
    public var writes: Int
    public var commits: Int
    public init(readSeconds: Double, reads: Int, writeSeconds: Double, writes: Int, commits: Int) {
        self.readSeconds = readSeconds; self.reads = reads; self.writeSeconds = writeSeconds
        self.writes = writes; self.commits = commits
    }
}

extension LedgerStore {
    /// Every strike a casualties query covers, in `occurred_at` order, with its toll.
    public func casualties(_ q: CasualtyQuery) throws(StoreError) -> [CasualtyLine] {
        try readCasualties(q) { walk in
            var all: [CasualtyLine] = []
            try walk.forEachPage { page in all += page; return true }
            return all
        }
    }
}
