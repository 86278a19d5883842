import LedgerModel

extension RelationalStore {
    /// A page of the changes feed after `since`, each item with the revision it concerns
    /// (the appended or voided one), and the feed's head. One query for the whole page:
    /// each event is joined to its revision, source and void, never fetched one by one.
    public func changes(since: Int64, filter: FeedFilter, limit: Int) throws(StoreError) -> (items: [ChangeEvent], head: Int64) {
        try read { db in
            var sql = """
                SELECT e.seq, e.type, e.strike_id, e.merged_strike_id, e.city_id, c.name,
                       e.toll_killed, e.toll_injured, e.toll_as_of, e.toll_revisions,
                       r.seq, r.strike_id, r.killed, r.injured, r.reported_at, r.recorded_at,
                       r.source_id, src.name, src.kind, r.note, v.voided_at, v.reason
                FROM change_events e JOIN cities c ON c.id = e.city_id
                LEFT JOIN revisions r ON r.seq = coalesce(e.revision_seq, CASE WHEN e.type = 'revision' THEN e.seq END)
                LEFT JOIN sources src ON src.id = r.source_id
                LEFT JOIN revision_voids v ON v.revision_seq = r.seq
                WHERE e.seq > ?
                """
            var args: [any SQLBindable] = [since]
            // A merge lies in both strikes' cities: SQLite answers this OR with its two
            // (city, seq) indexes.
            if let v = filter.cityId { sql += " AND (e.city_id = ? OR e.merged_city_id = ?)"; args += [v, v] }
            if let v = filter.strikeId { sql += " AND (e.strike_id = ? OR e.merged_strike_id = ?)"; args += [v, v] }
            sql += " ORDER BY e.seq LIMIT ?"
            args.append(limit)
            // Columns by position (the SELECT above).
            let items = try db.rows(sql, args).map { row in
                let kind = ChangeEvent.Kind(rawValue: row[1]) ?? .revision
                var revision: Revision?
                if let seq: Int64 = row[10] {
                    revision = Revision(
                        seq: seq, strikeId: row[11], killed: row[12], injured: row[13],
                        reportedAt: Timestamp(seconds: row[14]), recordedAt: Timestamp(seconds: row[15]),
                        source: SourceRef(id: row[16], name: row[17], kind: Source.Kind(rawValue: row[18]) ?? .other),
                        note: row[19],
                        // Each item shows the revision as that event left it: an appended
                        // revision was not yet voided.
                        voided: kind == .revision ? nil : (row[20] as Int64?).map { Voiding(at: Timestamp(seconds: $0), reason: row[21]) })
                }
                return ChangeEvent(seq: row[0], kind: kind, strikeId: row[2], mergedStrikeId: row[3],
                                   city: CityRef(id: row[4], name: row[5]), revision: revision,
                                   toll: Toll(killed: row[6], injured: row[7],
                                              asOf: (row[8] as Int64?).map(Timestamp.init(seconds:)), revisions: row[9]))
            }
            let head = try db.value("SELECT seq FROM feed_head", as: Int64.self) ?? 0
            return (items, head)
        }
    }
}
