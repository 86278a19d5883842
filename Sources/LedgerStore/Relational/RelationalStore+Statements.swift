import LedgerModel

/// Who says what: per strike (the one a group is merged into) and source, that source's
/// current figures; and the toll's range, the lowest and highest of them. Both are cached
/// (`strike_statements`, the strikes' `toll_*_low/high`) in the transaction of every
/// revision, void and merge, at a cost that does not grow with the strike's history: a
/// write re-derives only the statement of the source it touches, each figure by an index
/// walk from the newest (`revisions_source_latest`), and the range by four index lookups.
extension RelationalStore {
    /// Re-derives `source`'s statement about the group `ids` (whose root is `root`) and
    /// stores it; a source left without a counting figure has no statement.
    static func refreshStatement(root: Int64, group ids: [Int64], source: Int64, _ db: any SQLSession) throws {
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        var found: [(value: Int64, at: Int64, seq: Int64)?] = []
        for sql in ["""
            SELECT r.killed, r.reported_at, r.seq FROM revisions r
            WHERE r.source_id = ? AND r.strike_id IN (\(marks)) AND r.killed IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM revision_voids v WHERE v.revision_seq = r.seq)
            ORDER BY r.reported_at DESC, r.seq DESC LIMIT 1
            """, """
            SELECT r.injured, r.reported_at, r.seq FROM revisions r
            WHERE r.source_id = ? AND r.strike_id IN (\(marks)) AND r.injured IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM revision_voids v WHERE v.revision_seq = r.seq)
            ORDER BY r.reported_at DESC, r.seq DESC LIMIT 1
            """] {
            found.append(try db.row(sql, [source] + ids).map { row in (row[0], row[1], row[2]) })
        }
        try db.execute("DELETE FROM strike_statements WHERE strike_id = ? AND source_id = ?", [root, source])
        guard found[0] != nil || found[1] != nil else { return }
        try db.execute("""
            INSERT INTO strike_statements (strike_id, source_id, killed, killed_at, killed_seq, injured, injured_at, injured_seq)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [root, source, found[0]?.value, found[0]?.at, found[0]?.seq, found[1]?.value, found[1]?.at, found[1]?.seq])
    }

    /// Re-derives the range of a root's statements and stores it on the strike.
    @discardableResult
    static func refreshRange(of root: Int64, _ db: any SQLSession) throws -> TollRange {
        let row = try db.row("""
            SELECT (SELECT killed FROM strike_statements WHERE strike_id = ? AND killed IS NOT NULL ORDER BY killed LIMIT 1),
                   (SELECT killed FROM strike_statements WHERE strike_id = ? AND killed IS NOT NULL ORDER BY killed DESC LIMIT 1),
                   (SELECT injured FROM strike_statements WHERE strike_id = ? AND injured IS NOT NULL ORDER BY injured LIMIT 1),
                   (SELECT injured FROM strike_statements WHERE strike_id = ? AND injured IS NOT NULL ORDER BY injured DESC LIMIT 1)
            """, [root, root, root, root])
        let v: [Int64?] = (0..<4).map { i in row.flatMap { $0[i] as Int64? } }
        try db.execute("""
            UPDATE strikes SET toll_killed_low = ?, toll_killed_high = ?, toll_injured_low = ?, toll_injured_high = ? WHERE id = ?
            """, [v[0], v[1], v[2], v[3], root])
        return range(v[0], v[1], v[2], v[3])
    }

    static func range(_ killedLow: Int64?, _ killedHigh: Int64?, _ injuredLow: Int64?, _ injuredHigh: Int64?) -> TollRange {
        TollRange(killed: killedLow.flatMap { low in killedHigh.map { (low, $0) } },
                  injured: injuredLow.flatMap { low in injuredHigh.map { (low, $0) } })
    }

    /// A root's statements, newest first (ties: by source id).
    static func statements(of root: Int64, _ db: any SQLSession) throws -> [Statement] {
        try db.rows("""
            SELECT st.source_id, st.killed, st.killed_at, st.injured, st.injured_at, src.name, src.kind
            FROM strike_statements st JOIN sources src ON src.id = st.source_id WHERE st.strike_id = ?
            """, [root]).map { row in
            let at = max((row[2] as Int64?) ?? .min, (row[4] as Int64?) ?? .min)
            return Statement(source: SourceRef(id: row[0], name: row[5], kind: Source.Kind(rawValue: row[6]) ?? .other),
                             killed: row[1], injured: row[3], reportedAt: Timestamp(seconds: at))
        }.sorted { ($0.reportedAt.seconds, -$0.source.id) > ($1.reportedAt.seconds, -$1.source.id) }
    }

    /// A merge: the statements of the merged strike's group move to the root's, each
    /// source's re-derived over the whole new group.
    static func mergeStatements(from merged: Int64, into root: Int64, group ids: [Int64], _ db: any SQLSession) throws {
        let sources = try db.rows("SELECT source_id FROM strike_statements WHERE strike_id = ?", [merged]).map { $0[0] as Int64 }
        try db.execute("DELETE FROM strike_statements WHERE strike_id = ?", [merged])
        try db.execute("""
            UPDATE strikes SET toll_killed_low = NULL, toll_killed_high = NULL, toll_injured_low = NULL, toll_injured_high = NULL
            WHERE id = ?
            """, [merged])
        for source in sources { try refreshStatement(root: root, group: ids, source: source, db) }
        try refreshRange(of: root, db)
    }

    /// A strike in its own representation: with its statements (none for a merged one).
    static func fullStrike(_ id: Int64, _ db: any SQLSession) throws -> Strike {
        var s = try requireStrike(id, db)
        s.statements = s.mergedInto == nil ? try statements(of: id, db) : []
        return s
    }
}
