import LedgerModel

extension RelationalStore {
    /// Hands `body` a walk over the strikes a casualties query covers, in `occurred_at`
    /// order, with their tolls (as known at `asOf` when given), all from one snapshot:
    /// every page `body` asks for, however many walks it makes, sees the same data.
    /// Merged strikes never count.
    public func readCasualties<T>(_ q: CasualtyQuery, _ body: (CasualtyWalk) throws -> T) throws(StoreError) -> T {
        try read { db in
            try body(CasualtyWalk { after, limit in try Self.casualtyPage(q, after: after, limit: limit, db) })
        }
    }

    /// At most `limit` lines of a casualties query after the strike `after` (its
    /// `occurred_at` and id), in `occurred_at` order.
    static func casualtyPage(_ q: CasualtyQuery, after: CasualtyLine?, limit: Int, _ db: any SQLSession) throws -> [CasualtyLine] {
        var sql = """
            SELECT s.id, s.occurred_at, s.local_date, s.city_id, c.name AS city_name,
                   s.toll_killed, s.toll_injured, s.toll_as_of, s.toll_revisions
            FROM strikes s JOIN cities c ON c.id = s.city_id WHERE TRUE
            """
        var args: [any SQLBindable] = []
        q.appendConditions(to: &sql, &args, from: after?.occurredAt.seconds)
        // The group's root carries the attack of every strike merged into it.
        if let v = q.attackId { sql += " AND s.attack_id = ?"; args.append(v) }
        if let t = q.asOf {
            sql += " AND s.created_at <= ? AND (s.merged_into IS NULL OR s.merged_at > ?)"
            args += [t.seconds, t.seconds]
        } else {
            sql += " AND s.merged_into IS NULL"
        }
        if let after {
            // The index range starts at the last strike's instant (appendConditions).
            sql += " AND (s.occurred_at > ? OR s.id > ?)"
            args += [after.occurredAt.seconds, after.id]
        }
        sql += " ORDER BY s.occurred_at, s.id LIMIT ?"
        args.append(Int64(limit))
        // Columns by position (the SELECT above): the hot read path skips name lookups.
        return try db.rows(sql, args).map { row in
            let id: Int64 = row[0]
            var toll = Toll(killed: row[5], injured: row[6], asOf: (row[7] as Int64?).map(Timestamp.init(seconds:)),
                            revisions: row[8])
            if let t = q.asOf {
                toll = Toll.derive(from: try Self.facts(ofGroup: try Self.group(of: id, knownAt: t, db), db), knownAt: t)
            }
            return CasualtyLine(id: id, occurredAt: Timestamp(seconds: row[1]),
                                localDate: CivilDate(row[2] as String) ?? CivilDate(daysSinceEpoch: 0),
                                city: CityRef(id: row[3], name: row[4]), toll: toll)
        }
    }
}
