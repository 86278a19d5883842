import LedgerModel

/// What an ingested report did.
public struct ReportOutcome: Sendable, Equatable {
    public var strike: Strike
    public var revision: Revision?
    /// True when the report was matched to a strike already known.
    public var matched: Bool
    public init(strike: Strike, revision: Revision?, matched: Bool) {
        self.strike = strike; self.revision = revision; self.matched = matched
    }
}

/// A revision as stored, and the toll of its strike right after the write.
public struct RevisionWrite: Sendable, Equatable {
    public var revision: Revision
    public var toll: Toll
    public init(revision: Revision, toll: Toll) { self.revision = revision; self.toll = toll }
}

/// An attack revision as stored, and the attack's counts right after the write.
public struct AttackRevisionWrite: Sendable, Equatable {
    public var revision: AttackRevision
    public var weapons: [WeaponCount]
    public var revisions: Int64
    public init(revision: AttackRevision, weapons: [WeaponCount], revisions: Int64) {
        self.revision = revision; self.weapons = weapons; self.revisions = revisions
    }
}
