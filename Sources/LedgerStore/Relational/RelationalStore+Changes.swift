import LedgerModel

extension RelationalStore {
    /// Feed events with `seq > since` matching `filter`, ascending, at most `limit`;
    /// and the feed's head in the same snapshot. Strikes' events (`change_events`) and
    /// attacks' (`attack_events`) share one seq order.
    public func changes(since: Int64, filter: FeedFilter, limit: Int) throws(StoreError) -> (items: [ChangeEvent], head: Int64) {
        try read { db in
            var strikeSQL = "SELECT e.seq FROM change_events e WHERE e.seq > ?"
            var strikeArgs: [any SQLBindable] = [since]
            // A merge lies in both strikes' cities: SQLite answers this OR with its two
            // (city, seq) indexes.
            if let v = filter.cityId { strikeSQL += " AND (e.city_id = ? OR e.merged_city_id = ?)"; strikeArgs += [v, v] }
            if let v = filter.strikeId { strikeSQL += " AND (e.strike_id = ? OR e.merged_strike_id = ?)"; strikeArgs += [v, v] }
            if let v = filter.attackId { strikeSQL += " AND e.attack_id = ?"; strikeArgs.append(v) }
            strikeSQL += " ORDER BY e.seq LIMIT ?"
            strikeArgs.append(limit)
            var attackSQL = "SELECT a.seq FROM attack_events a WHERE a.seq > ?"
            var attackArgs: [any SQLBindable] = [since]
            // An attack event lies in the cities its attack's strikes were in then.
            if let v = filter.cityId {
                attackSQL += " AND EXISTS (SELECT 1 FROM attack_event_cities x WHERE x.seq = a.seq AND x.city_id = ?)"
                attackArgs.append(v)
            }
            if filter.strikeId != nil { attackSQL += " AND FALSE" }
            if let v = filter.attackId { attackSQL += " AND a.attack_id = ?"; attackArgs.append(v) }
            attackSQL += " ORDER BY a.seq LIMIT ?"
            attackArgs.append(limit)

            // The two tables' first `limit` matches each, merged by seq.
            var seqs = try db.rows(strikeSQL, strikeArgs).map { (seq: $0[0] as Int64, attack: false) }
            seqs += try db.rows(attackSQL, attackArgs).map { (seq: $0[0] as Int64, attack: true) }
            seqs.sort { $0.seq < $1.seq }
            seqs = Array(seqs.prefix(limit))
            let strikeSeqs = seqs.filter { !$0.attack }.map(\.seq)
            let attackSeqs = seqs.filter(\.attack).map(\.seq)

            var items: [Int64: ChangeEvent] = [:]
            if !strikeSeqs.isEmpty {
                let marks = Array(repeating: "?", count: strikeSeqs.count).joined(separator: ",")
                for row in try db.rows("""
                    SELECT e.*, c.name AS city_name FROM change_events e JOIN cities c ON c.id = e.city_id WHERE e.seq IN (\(marks))
                    """, strikeSeqs) {
                    let kind = ChangeEvent.Kind(rawValue: row["type"]) ?? .revision
                    var revision: Revision?
                    if let seq: Int64 = row["revision_seq"] ?? (kind == .revision ? row["seq"] : nil) {
                        var r = try Self.requireRevision(seq, db)
                        // Each item shows the revision as that event left it.
                        if kind == .revision { r.voided = nil }
                        revision = r
                    }
                    items[row["seq"]] = ChangeEvent(
                        seq: row["seq"], kind: kind, strikeId: row["strike_id"], mergedStrikeId: row["merged_strike_id"],
                        city: CityRef(id: row["city_id"], name: row["city_name"]), revision: revision,
                        toll: Toll(killed: row["toll_killed"], injured: row["toll_injured"],
                                   asOf: row.optionalTimestamp("toll_as_of"), revisions: row["toll_revisions"]),
                        attackId: row["attack_id"])
                }
            }
            if !attackSeqs.isEmpty {
                let marks = Array(repeating: "?", count: attackSeqs.count).joined(separator: ",")
                for row in try db.rows("SELECT * FROM attack_events WHERE seq IN (\(marks))", attackSeqs) {
                    let kind = ChangeEvent.Kind(rawValue: row["type"]) ?? .attack_revision
                    var revision = try Self.fetchAttackRevisions("ar.seq = ?", [row["revision_seq"] as Int64], db).first
                    if kind == .attack_revision { revision?.voided = nil }
                    items[row["seq"]] = ChangeEvent(seq: row["seq"], kind: kind, attackId: row["attack_id"], revision: revision,
                                                    counts: row["counts"], revisions: row["revisions"])
                }
            }
            let head = try db.value("SELECT seq FROM feed_head", as: Int64.self) ?? 0
            return (seqs.compactMap { items[$0.seq] }, head)
        }
    }

    /// The keys of every event after `since`, ascending: what a process that did not
    /// write them publishes to its change hub.
    public static func eventKeys(after since: Int64, _ db: any SQLSession) throws -> [EventKey] {
        var keys = try db.rows("""
            SELECT seq, strike_id, merged_strike_id, city_id, merged_city_id, attack_id FROM change_events
            WHERE seq > ? ORDER BY seq
            """, [since]).map { row in
            EventKey(seq: row[0], strikeId: row[1], mergedStrikeId: row[2], cityId: row[3], mergedCityId: row[4], attackId: row[5])
        }
        let attackRows = try db.rows("SELECT seq, attack_id FROM attack_events WHERE seq > ? ORDER BY seq", [since])
        if !attackRows.isEmpty {
            var cities: [Int64: [Int64]] = [:]
            for row in try db.rows("SELECT seq, city_id FROM attack_event_cities WHERE seq > ? ORDER BY seq, city_id", [since]) {
                cities[row[0], default: []].append(row[1])
            }
            keys += attackRows.map { row in EventKey(seq: row[0], attackId: row[1], cityIds: cities[row[0]] ?? []) }
            keys.sort { $0.seq < $1.seq }
        }
        return keys
    }
}
