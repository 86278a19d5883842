/// A strike's current casualty figures, derived from its revisions by `Toll.derive`.
public struct Toll: Sendable, Equatable, JSONWritable {
    public var killed: Int64?
    public var injured: Int64?
    /// The latest `reported_at` among the revisions the figures were taken from.
    public var asOf: Timestamp?
    /// How many revisions count (not voided).
    public var revisions: Int64

    public init(killed: Int64? = nil, injured: Int64? = nil, asOf: Timestamp? = nil, revisions: Int64 = 0) {
        self.killed = killed; self.injured = injured; self.asOf = asOf; self.revisions = revisions
    }

    /// No revision at all: nulls and zero.
    public static let empty = Toll()

    public func write(to json: inout JSONWriter) { write(to: &json, range: nil) }

    /// With `range` (a strike's own representation), the spread of the sources' statements.
    public func write(to json: inout JSONWriter, range: TollRange?) {
        json.object { o in
            o.field("killed", killed)
            o.field("injured", injured)
            o.field("as_of", asOf)
            o.field("revisions", revisions)
            if let range { o.key("range"); range.write(to: &o) }
        }
    }

    /// The toll rule, the one published way a toll is derived from a history.
    ///
    /// `killed` is the `killed` of the non-voided revision with the latest `reported_at`
    /// (ties: the higher `seq`) among those that state `killed`; `injured` likewise, on
    /// its own. `asOf` is the latest `reported_at` among the revisions used; `revisions`
    /// counts the non-voided ones.
    ///
    /// With `knownAt`, the history is cut to what was known then: only revisions recorded
    /// at or before it count, and only voids made at or before it.
    public static func derive(from history: some Sequence<RevisionFacts>, knownAt: Timestamp? = nil) -> Toll {
        var killed: RevisionFacts?
        var injured: RevisionFacts?
        var count: Int64 = 0
        for r in history {
            if let knownAt, r.recordedAt > knownAt { continue }
            if let voidedAt = r.voidedAt, knownAt.map({ voidedAt <= $0 }) ?? true { continue }
            count += 1
            if r.killed != nil, killed.map({ r.isLater(than: $0) }) ?? true { killed = r }
            if r.injured != nil, injured.map({ r.isLater(than: $0) }) ?? true { injured = r }
        }
        let asOf = [killed?.reportedAt, injured?.reportedAt].compactMap { $0 }.max()
        return Toll(killed: killed?.killed, injured: injured?.injured, asOf: asOf, revisions: count)
    }
}

/// What the toll rule needs to know of one revision.
public struct RevisionFacts: Sendable, Equatable {
    public var seq: Int64
    public var killed: Int64?
    public var injured: Int64?
    public var reportedAt: Timestamp
    public var recordedAt: Timestamp
    /// When it was voided, if it was.
    public var voidedAt: Timestamp?

    public init(seq: Int64, killed: Int64?, injured: Int64?, reportedAt: Timestamp, recordedAt: Timestamp, voidedAt: Timestamp? = nil) {
        self.seq = seq; self.killed = killed; self.injured = injured
        self.reportedAt = reportedAt; self.recordedAt = recordedAt; self.voidedAt = voidedAt
    }

    func isLater(than other: RevisionFacts) -> Bool {
        (reportedAt, seq) > (other.reportedAt, other.seq)
    }
}
