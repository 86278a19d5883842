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
                // One query for the page: each event joined to its revision, source and
                // void, never fetched one by one.
                let marks = Array(repeating: "?", count: strikeSeqs.count).joined(separator: ",")
                for row in try db.rows("""
                    SELECT e.seq, e.type, e.strike_id, e.merged_strike_id, e.city_id, c.name,
                           e.toll_killed, e.toll_injured, e.toll_as_of, e.toll_revisions,
                           r.seq, r.strike_id, r.killed, r.injured, r.reported_at, r.recorded_at,
                           r.source_id, src.name, src.kind, r.note, v.voided_at, v.reason, e.attack_id
                    FROM change_events e JOIN cities c ON c.id = e.city_id
                    LEFT JOIN revisions r ON r.seq = coalesce(e.revision_seq, CASE WHEN e.type = 'revision' THEN e.seq END)
                    LEFT JOIN sources src ON src.id = r.source_id
                    LEFT JOIN revision_voids v ON v.revision_seq = r.seq
                    WHERE e.seq IN (\(marks))
                    """, strikeSeqs) {
                    // Columns by position (the SELECT above).
                    let kind = ChangeEvent.Kind(rawValue: row[1]) ?? .revision
                    var revision: Revision?
                    if let seq: Int64 = row[10] {
                        revision = Revision(
                            seq: seq, strikeId: row[11], killed: row[12], injured: row[13],
                            reportedAt: Timestamp(seconds: row[14]), recordedAt: Timestamp(seconds: row[15]),
                            source: SourceRef(id: row[16], name: row[17], kind: Source.Kind(rawValue: row[18]) ?? .other),
                            note: row[19],
                            // Each item shows the revision as that event left it: an
                            // appended revision was not yet voided.
                            voided: kind == .revision ? nil : (row[20] as Int64?).map { Voiding(at: Timestamp(seconds: $0), reason: row[21]) })
                    }
                    items[row[0]] = ChangeEvent(
                        seq: row[0], kind: kind, strikeId: row[2], mergedStrikeId: row[3],
                        city: CityRef(id: row[4], name: row[5]), revision: revision,
                        toll: Toll(killed: row[6], injured: row[7],
                                   asOf: (row[8] as Int64?).map(Timestamp.init(seconds:)), revisions: row[9]),
                        attackId: row[22])
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
