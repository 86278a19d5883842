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
        // One city's strikes all carry that city: its name is read once, not joined to
        // every strike (a seek into `cities` a strike).
        var city: CityRef?
        if let id = q.cityId {
            guard let name = try db.rows("SELECT name FROM cities WHERE id = ?", [id]).first.map({ $0[0] as String }) else { return [] }
            city = CityRef(id: id, name: name)
        }
        var sql = city == nil ? """
            SELECT s.id, s.occurred_at, s.local_date, s.city_id, c.name AS city_name,
                   s.toll_killed, s.toll_injured, s.toll_as_of, s.toll_revisions
            FROM strikes s JOIN cities c ON c.id = s.city_id WHERE TRUE
            """ : """
            SELECT s.id, s.occurred_at, s.local_date, s.city_id, NULL AS city_name,
                   s.toll_killed, s.toll_injured, s.toll_as_of, s.toll_revisions
            FROM strikes s WHERE TRUE
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
        // Columns by position (the SELECT above), read as the query steps: the hot read
        // path makes no row, no name lookup, no string for the date.
        var lines: [CasualtyLine] = []
        lines.reserveCapacity(min(limit, 64))
        try db.forEachRow(sql, args) { row in
            let toll = Toll(killed: row.optionalInt64(5), injured: row.optionalInt64(6),
                            asOf: row.optionalInt64(7).map(Timestamp.init(seconds:)), revisions: row.int64(8))
            lines.append(CasualtyLine(id: row.int64(0), occurredAt: Timestamp(seconds: row.int64(1)),
                                      localDate: row.withText(2) { CivilDate(utf8: $0) } ?? CivilDate(daysSinceEpoch: 0),
                                      city: city ?? CityRef(id: row.int64(3), name: row.text(4)), toll: toll))
            return true
        }
        // As known at `as_of`: each toll derived from the history then (after the query has
        // finished stepping: these are queries of their own).
        if let t = q.asOf {
            for i in lines.indices {
                lines[i].toll = Toll.derive(from: try Self.facts(ofGroup: try Self.group(of: lines[i].id, knownAt: t, db), db), knownAt: t)
            }
        }
        return lines
    }
}
