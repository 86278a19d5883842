/// One entry of the changes feed: a write that can change a toll.
public struct ChangeEvent: Sendable, Equatable, JSONWritable {
    public enum Kind: String, Sendable, CaseIterable {
        case revision, void, merge
    }

    /// Global, strictly increasing.
    public var seq: Int64
    public var kind: Kind
    /// The strike whose toll the event changed (for a merge, the strike merged into).
    public var strikeId: Int64
    /// For a merge, the strike that was merged.
    public var mergedStrikeId: Int64?
    public var city: CityRef
    /// The revision added or voided; nil for a merge.
    public var revision: Revision?
    /// The strike's toll right after the event.
    public var toll: Toll

    public init(seq: Int64, kind: Kind, strikeId: Int64, mergedStrikeId: Int64?, city: CityRef, revision: Revision?, toll: Toll) {
        self.seq = seq; self.kind = kind; self.strikeId = strikeId; self.mergedStrikeId = mergedStrikeId
        self.city = city; self.revision = revision; self.toll = toll
    }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("seq", seq)
            o.field("type", kind.rawValue)
            o.field("strike_id", strikeId)
            o.field("merged_strike_id", mergedStrikeId)
            o.key("city"); city.write(to: &o)
            o.key("revision")
            if let revision { revision.write(to: &o) } else { o.null() }
            o.key("toll"); toll.write(to: &o)
        }
    }
}
