import LedgerModel

extension RelationalStore {
    /// The keys of the events past `head`, ascending: what a change hub that has seen up to
    /// `head` missed (another process's commits).
    public static func eventKeys(after head: Int64, _ db: any SQLSession) throws -> [EventKey] {
        try db.rows("""
            SELECT seq, strike_id, merged_strike_id, city_id, merged_city_id FROM change_events
            WHERE seq > ? ORDER BY seq
            """, [head]).map { row in
            EventKey(seq: row[0], strikeId: row[1], mergedStrikeId: row[2], cityId: row[3], mergedCityId: row[4])
        }
    }

    /// Feed events with `seq > since` matching `filter`, ascending, at most `limit`;
    /// and the feed's head in the same snapshot.
    public func changes(since: Int64, filter: FeedFilter, limit: Int) throws(StoreError) -> (items: [ChangeEvent], head: Int64) {
        try read { db in
            var sql = """
                SELECT e.*, c.name AS city_name FROM change_events e JOIN cities c ON c.id = e.city_id WHERE e.seq > ?
                """
            var args: [any SQLBindable] = [since]
            // A merge lies in both strikes' cities: SQLite answers this OR with its two
            // (city, seq) indexes.
            if let v = filter.cityId { sql += " AND (e.city_id = ? OR e.merged_city_id = ?)"; args += [v, v] }
            if let v = filter.strikeId { sql += " AND (e.strike_id = ? OR e.merged_strike_id = ?)"; args += [v, v] }
            sql += " ORDER BY e.seq LIMIT ?"
            args.append(limit)
            let rows = try db.rows(sql, args)
            let items = try rows.map { row in
                let kind = ChangeEvent.Kind(rawValue: row["type"]) ?? .revision
                var revision: Revision?
                if let seq: Int64 = row["revision_seq"] ?? (kind == .revision ? row["seq"] : nil) {
                    var r = try Self.requireRevision(seq, db)
                    // Each item shows the revision as that event left it.
                    if kind == .revision { r.voided = nil }
                    revision = r
                }
                return ChangeEvent(seq: row["seq"], kind: kind, strikeId: row["strike_id"], mergedStrikeId: row["merged_strike_id"],
                                   city: CityRef(id: row["city_id"], name: row["city_name"]), revision: revision,
                                   toll: Toll(killed: row["toll_killed"], injured: row["toll_injured"],
                                              asOf: row.optionalTimestamp("toll_as_of"), revisions: row["toll_revisions"]))
            }
            let head = try db.value("SELECT seq FROM feed_head", as: Int64.self) ?? 0
            return (items, head)
        }
    }
}
