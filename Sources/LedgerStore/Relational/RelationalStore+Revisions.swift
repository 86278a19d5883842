import LedgerModel

extension RelationalStore {
    static var revisionSelect: String { """
        SELECT r.*, src.name AS source_name, src.kind AS source_kind, v.voided_at, v.reason AS void_reason
        FROM revisions r JOIN sources src ON src.id = r.source_id
        LEFT JOIN revision_voids v ON v.revision_seq = r.seq
        """ }

    static func revision(_ row: SQLRow) -> Revision {
        Revision(seq: row["seq"], strikeId: row["strike_id"], killed: row["killed"], injured: row["injured"],
                 reportedAt: row.timestamp("reported_at"), recordedAt: row.timestamp("recorded_at"),
                 source: SourceRef(id: row["source_id"], name: row["source_name"],
                                   kind: Source.Kind(rawValue: row["source_kind"]) ?? .other),
                 note: row["note"],
                 voided: row.optionalTimestamp("voided_at").map { Voiding(at: $0, reason: row["void_reason"]) })
    }

    static func requireRevision(_ seq: Int64, _ db: any SQLSession) throws -> Revision {
        guard let r = try db.row(revisionSelect + " WHERE r.seq = ?", [seq]).map(revision) else {
            throw StoreError.notFound("revision \(seq)")
        }
        return r
    }

    /// Appends figures to a strike (or to the strike it was merged into), updates the toll
    /// cache and appends the change event, in one transaction.
    public func appendRevision(toStrike id: Int64, _ figures: Figures,
                               keeping keeper: AnswerKeeper<RevisionWrite>?) throws(StoreError) -> RevisionWrite {
        let now = self.now
        return try writeEvents { db in
            let root = try Self.resolveRoot(id, db)
            let source = try Self.resolveSource(figures.source, now: now, db)
            let (written, event) = try Self.appendRevision(to: root, figures, source: source, now: now, db)
            try AnswerKeeper.keep(keeper, written, now: now, db)
            return (written, [event])
        }
    }

    /// The write itself, inside a caller's transaction; `strike` must be a root.
    static func appendRevision(to strike: Strike, _ figures: Figures, source: Source, now: Timestamp,
                               _ db: any SQLSession) throws -> (RevisionWrite, EventKey) {
        try appendRevision(strikeId: strike.id, cityId: strike.city.id, attackId: strike.attackId, revisions: strike.toll.revisions,
                           figures, source: source, now: now, fresh: false, db)
    }

    /// `appendRevision` by the strike's id, city and attack and its count of revisions, for
    /// a writer that knows them without a `Strike` (a report's new strike). `fresh`: the
    /// strike was created by this very transaction, so it has no history and nothing merged
    /// into it: the toll is the new revision's alone, without a query.
    static func appendRevision(strikeId: Int64, cityId: Int64, attackId: Int64?, revisions: Int64,
                               _ figures: Figures, source: Source, now: Timestamp, fresh: Bool,
                               _ db: any SQLSession) throws -> (RevisionWrite, EventKey) {
        let reportedAt = figures.reportedAt ?? now
        // The new revision's seq is higher than every stored one.
        let new = RevisionFacts(seq: .max, killed: figures.killed, injured: figures.injured, reportedAt: reportedAt, recordedAt: now)
        let ids = fresh ? [strikeId] : try group(of: strikeId, db)
        var toll: Toll
        if fresh {
            toll = Toll.derive(from: [new])
            toll.revisions = revisions + 1
        } else {
            toll = try self.toll(ofGroup: ids, adding: new, revisions: revisions + 1, db)
        }
        let event = try appendEvent(.revision, strikeId: strikeId, cityId: cityId, attackId: attackId, toll: toll, now: now, db)
        try insertRevision(seq: event.seq, strikeId: strikeId, figures, reportedAt: reportedAt, source: source.id, now: now, db)
        try storeToll(toll, on: strikeId, now: now, db)
        try refreshStatement(root: strikeId, group: ids, source: source.id, db)
        try refreshRange(of: strikeId, db)
        let revision = Revision(seq: event.seq, strikeId: strikeId, killed: figures.killed, injured: figures.injured,
                                reportedAt: reportedAt, recordedAt: now, source: source.ref, note: figures.note, voided: nil)
        return (RevisionWrite(revision: revision, toll: toll), event)
    }

    /// The revision row of a change event `seq`.
    static func insertRevision(seq: Int64, strikeId: Int64, _ figures: Figures, reportedAt: Timestamp, source: Int64,
                               now: Timestamp, _ db: any SQLSession) throws {
        try db.execute("""
            INSERT INTO revisions (seq, strike_id, killed, injured, reported_at, recorded_at, source_id, note)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [seq, strikeId, figures.killed, figures.injured, reportedAt.seconds, now.seconds, source, figures.note])
    }

    /// Voids a revision: it stays in the history and stops counting. 409 the second time.
    public func voidRevision(seq: Int64, reason: String, keeping keeper: AnswerKeeper<RevisionWrite>?) throws(StoreError) -> RevisionWrite {
        let now = self.now
        return try writeEvents { db in
            var revision = try Self.requireRevision(seq, db)
            if revision.voided != nil { throw StoreError.conflict("revision \(seq) is already voided") }
            let root = try Self.resolveRoot(revision.strikeId, db)
            let ids = try Self.group(of: root.id, db)
            let toll = try Self.toll(ofGroup: ids, excluding: seq, revisions: root.toll.revisions - 1, db)
            let event = try Self.appendEvent(.void, strike: root, revisionSeq: seq, toll: toll, now: now, db)
            try db.execute("INSERT INTO revision_voids (revision_seq, event_seq, voided_at, reason) VALUES (?, ?, ?, ?)", [seq, event.seq, now.seconds, reason])
            try Self.storeToll(toll, on: root.id, now: now, db)
            try Self.refreshStatement(root: root.id, group: ids, source: revision.source.id, db)
            try Self.refreshRange(of: root.id, db)
            revision.voided = Voiding(at: now, reason: reason)
            let written = RevisionWrite(revision: revision, toll: toll)
            try AnswerKeeper.keep(keeper, written, now: now, db)
            return (written, [event])
        }
    }

    /// A strike's history (its own revisions and those of strikes merged into it), in
    /// `seq` order, voided ones included; `after` is the last seq seen.
    public func revisions(ofStrike id: Int64, after: Int64?, limit: Int) throws(StoreError) -> [Revision] {
        try read { db in
            let strike = try Self.requireStrike(id, db)
            let ids = strike.mergedInto == nil ? try Self.group(of: id, db) : try Self.group(of: id, db)
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            return try db.rows(Self.revisionSelect + " WHERE r.strike_id IN (\(marks)) AND r.seq > ? ORDER BY r.seq LIMIT ?", ids + [after ?? 0, Int64(limit)]).map(Self.revision)
        }
    }
}

extension RelationalStore {
    public func revisionExists(seq: Int64) throws(StoreError) -> Bool {
        try read { db in try db.exists("SELECT 1 FROM revisions WHERE seq = ?", [seq]) }
    }
}
