/// One source's statement of figures about one strike at one time. Never changed once
/// stored; a mistake is corrected by voiding it.
public struct Revision: Sendable, Equatable, JSONWritable {
    /// The `seq` of the change event that recorded it.
    public var seq: Int64
    /// The strike it was recorded on (a merge does not change it).
    public var strikeId: Int64
    public var killed: Int64?
    public var injured: Int64?
    public var reportedAt: Timestamp
    public var recordedAt: Timestamp
    public var source: SourceRef
    public var note: String?
    public var voided: Voiding?

    public init(seq: Int64, strikeId: Int64, killed: Int64?, injured: Int64?, reportedAt: Timestamp, recordedAt: Timestamp,
                source: SourceRef, note: String?, voided: Voiding?) {
        self.seq = seq; self.strikeId = strikeId; self.killed = killed; self.injured = injured
        self.reportedAt = reportedAt; self.recordedAt = recordedAt; self.source = source
        self.note = note; self.voided = voided
    }

    public var facts: RevisionFacts {
        RevisionFacts(seq: seq, killed: killed, injured: injured, reportedAt: reportedAt, recordedAt: recordedAt, voidedAt: voided?.at)
    }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("seq", seq)
            o.field("strike_id", strikeId)
            o.field("killed", killed)
            o.field("injured", injured)
            o.field("reported_at", reportedAt)
            o.field("recorded_at", recordedAt)
            o.key("source"); source.write(to: &o)
            o.field("note", note)
            o.key("voided")
            if let voided { voided.write(to: &o) } else { o.null() }
        }
    }
}

/// When and why a revision stopped counting.
public struct Voiding: Sendable, Equatable, JSONWritable {
    public var at: Timestamp
    public var reason: String

    /// `{"at": …, "reason": …}`, as a casualty or attack revision shows it.
    public func write(to json: inout JSONWriter) {
        json.object { v in v.field("at", at); v.field("reason", reason) }
    }
    public init(at: Timestamp, reason: String) { self.at = at; self.reason = reason }
}

/// Figures as stated by a source, before they are stored.
public struct Figures: Sendable, Equatable {
    public var killed: Int64?
    public var injured: Int64?
    public var reportedAt: Timestamp?
    public var note: String?
    public var source: SourceSpec

    public init(killed: Int64?, injured: Int64?, reportedAt: Timestamp? = nil, note: String? = nil, source: SourceSpec) {
        self.killed = killed; self.injured = injured; self.reportedAt = reportedAt; self.note = note; self.source = source
    }

    /// The largest figure a revision may state.
    public static let maximum: Int64 = 100_000

    /// `POST /v1/strikes/{id}/revisions`.
    public static func decode(_ body: JSONValue, now: Timestamp) throws(ValidationError) -> Figures {
        var r = try ObjectReader(body, allowed: ["killed", "injured", "reported_at", "note", "source_id", "source"])
        let killed = r.int("killed", range: 0...maximum)
        let injured = r.int("injured", range: 0...maximum)
        // Absent and null both mean "not stated"; one figure alone may be null.
        if (r.value("killed") ?? .null) == .null && (r.value("injured") ?? .null) == .null {
            r.fail("killed", "at least one of killed and injured is required")
        }
        let reportedAt = r.instant("reported_at")
        if let reportedAt { checkNotFuture(reportedAt, "reported_at", now: now, in: &r) }
        let note = r.text("note", maxLength: 2000)
        let source = readSource(from: &r)
        try r.finish()
        return Figures(killed: killed, injured: injured, reportedAt: reportedAt, note: note, source: source!)
    }

    /// `source_id` or an inline `source`; exactly one of the two.
    static func readSource(from r: inout ObjectReader) -> SourceSpec? {
        let hasId = r.value("source_id").map { $0 != .null } ?? false
        let hasInline = r.value("source").map { $0 != .null } ?? false
        switch (hasId, hasInline) {
        case (true, true):
            r.fail("source", "give either source or source_id, not both"); return nil
        case (false, false):
            r.fail("source", "source or source_id is required"); return nil
        case (true, false):
            return r.id("source_id").map(SourceSpec.id)
        case (false, true):
            return NewSource.read(r.value("source")!, prefix: "source", into: &r).map(SourceSpec.inline)
        }
    }
}

/// `POST /v1/revisions/{seq}/void`.
public struct VoidRequest: Sendable, Equatable {
    public var reason: String
    public static func decode(_ body: JSONValue) throws(ValidationError) -> VoidRequest {
        var r = try ObjectReader(body, allowed: ["reason"])
        let reason = r.text("reason", required: true, maxLength: 500)
        try r.finish()
        return VoidRequest(reason: reason!)
    }
}
