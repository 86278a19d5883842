/// One entry of the changes feed: a write that can change a toll, or an attack's counts.
public struct ChangeEvent: Sendable, Equatable, JSONWritable {
    public enum Kind: String, Sendable, CaseIterable {
        case revision, void, merge, attack_revision, attack_void

        /// An event of an attack's weapon counts (no strike, no toll).
        public var isAttackEvent: Bool { self == .attack_revision || self == .attack_void }
    }

    /// Global, strictly increasing.
    public var seq: Int64
    public var kind: Kind
    /// The strike whose toll the event changed (for a merge, the strike merged into);
    /// 0 for an attack event.
    public var strikeId: Int64
    /// For a merge, the strike that was merged.
    public var mergedStrikeId: Int64?
    /// The strike's city (unused for an attack event).
    public var city: CityRef
    /// The revision added or voided; nil for a merge and for an attack event.
    public var revision: Revision?
    /// The strike's toll right after the event.
    public var toll: Toll
    /// The attack the strike belonged to then, or the attack of an attack event.
    public var attackId: Int64?
    /// An attack event's revision (added or voided).
    public var attackRevision: AttackRevision?
    /// An attack event's weapon counts right after it, as JSON (an array of `WeaponCount`).
    public var attackCounts: String?
    /// An attack event's count of counting revisions right after it.
    public var attackRevisions: Int64?

    public init(seq: Int64, kind: Kind, strikeId: Int64, mergedStrikeId: Int64?, city: CityRef, revision: Revision?, toll: Toll,
                attackId: Int64? = nil) {
        self.seq = seq; self.kind = kind; self.strikeId = strikeId; self.mergedStrikeId = mergedStrikeId
        self.city = city; self.revision = revision; self.toll = toll; self.attackId = attackId
    }

    /// An attack event.
    public init(seq: Int64, kind: Kind, attackId: Int64, revision: AttackRevision?, counts: String, revisions: Int64) {
        self.init(seq: seq, kind: kind, strikeId: 0, mergedStrikeId: nil, city: CityRef(id: 0, name: ""), revision: nil,
                  toll: .empty, attackId: attackId)
        attackRevision = revision; attackCounts = counts; attackRevisions = revisions
    }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("seq", seq)
            o.field("type", kind.rawValue)
            if kind.isAttackEvent {
                o.field("attack_id", attackId)
                o.key("revision")
                if let attackRevision { attackRevision.write(to: &o) } else { o.null() }
                o.key("weapons")
                o.raw(Array((attackCounts ?? "[]").utf8))
                o.field("revisions", attackRevisions ?? 0)
                return
            }
            o.field("strike_id", strikeId)
            o.field("merged_strike_id", mergedStrikeId)
            o.key("city"); city.write(to: &o)
            o.key("revision")
            if let revision { revision.write(to: &o) } else { o.null() }
            o.key("toll"); toll.write(to: &o)
            o.field("attack_id", attackId)
        }
    }
}
