import LedgerModel

extension StrikeSelection {
    /// Appends the selection's conditions on `strikes s` to a query, with at most one
    /// lower and one upper bound on `occurred_at`: the tightest of the instants, the
    /// instants the local dates imply, and a keyset page's start (`from`, ascending
    /// pages) or end (`upTo`, descending ones). SQLite starts an index range at one
    /// bound only; given two, it may take the looser one and walk from the range's start
    /// on every page.
    func appendConditions(to sql: inout String, _ args: inout [any SQLBindable], from page: Int64? = nil, upTo pageEnd: Int64? = nil) {
        if let v = cityId { sql += " AND s.city_id = ?"; args.append(v) }
        if let v = fromDate { sql += " AND s.local_date >= ?"; args.append(v.description) }
        if let v = toDate { sql += " AND s.local_date <= ?"; args.append(v.description) }
        // A local date lies within 14 hours before and 12 after the same date in UTC (every
        // zone is within UTC-12...UTC+14): the instants it implies let the planner walk
        // the time indexes in `occurred_at` order (no sort of the whole range) even
        // without a city.
        let lower = [fromInstant?.seconds, fromDate.map { $0.daysSinceEpoch * 86_400 - 14 * 3600 }, page].compactMap { $0 }.max()
        let upper = [toInstant?.seconds, toDate.map { ($0.daysSinceEpoch + 1) * 86_400 + 12 * 3600 - 1 }, pageEnd].compactMap { $0 }.min()
        if let lower { sql += " AND s.occurred_at >= ?"; args.append(lower) }
        if let upper { sql += " AND s.occurred_at <= ?"; args.append(upper) }
    }
}

extension RelationalStore {
    /// The columns `strike(_:)` reads, by position, in this order: a query that selects
    /// them (from `strikes s` joined to `cities c`) decodes without a name lookup per field.
    static var strikeColumns: String { """
        s.id, s.city_id, c.name AS city_name, s.occurred_at, s.time_precision, s.local_date, s.latitude, s.longitude,
        s.weapons, s.description, s.damage, s.toll_killed, s.toll_injured, s.toll_as_of, s.toll_revisions,
        s.merged_into, s.version, s.created_at, s.updated_at, s.attack_id,
        s.toll_killed_low, s.toll_killed_high, s.toll_injured_low, s.toll_injured_high
        """ }

    /// A strike from a row of `strikeColumns`.
    static func strike(_ row: SQLRow) -> Strike { strike(SQLRowReader(row)) }

    /// A strike from a row of `strikeColumns`, read in place.
    static func strike(_ row: SQLRowReader) -> Strike {
        let lat: Double? = row[6], lon: Double? = row[7]
        return Strike(
            id: row[0], city: CityRef(id: row[1], name: row[2]),
            occurredAt: Timestamp(seconds: row[3]),
            timePrecision: TimePrecision(rawValue: row[4]) ?? .minute,
            localDate: CivilDate(row[5] as String) ?? CivilDate(daysSinceEpoch: 0),
            location: lat.flatMap { lat in lon.map { Location(latitude: lat, longitude: $0) } },
            weapons: Weapon.decode(row[8]), description: row[9], damage: row[10],
            toll: Toll(killed: row[11], injured: row[12], asOf: (row[13] as Int64?).map(Timestamp.init(seconds:)),
                       revisions: row[14]),
            mergedInto: row[15], version: row[16],
            createdAt: Timestamp(seconds: row[17]), updatedAt: Timestamp(seconds: row[18]), attackId: row[19],
            tollRange: range(row[20], row[21], row[22], row[23]))
    }

    static func fetchStrike(_ id: Int64, _ db: any SQLSession) throws -> Strike? {
        try db.row("SELECT \(strikeColumns) FROM strikes s JOIN cities c ON c.id = s.city_id WHERE s.id = ?", [id]).map(strike)
    }

    static func requireStrike(_ id: Int64, _ db: any SQLSession) throws -> Strike {
        guard let s = try fetchStrike(id, db) else { throw StoreError.notFound("strike \(id)") }
        return s
    }

    /// The strike a write addressed to `id` goes to: itself, or the end of its merge chain.
    static func resolveRoot(_ id: Int64, _ db: any SQLSession) throws -> Strike {
        var s = try requireStrike(id, db)
        var hops = 0
        while let next = s.mergedInto, hops < 10_000 {
            s = try requireStrike(next, db)
            hops += 1
        }
        return s
    }

    public func strike(id: Int64) throws(StoreError) -> Strike {
        try read { db in try Self.fullStrike(id, db) }
    }

    /// Non-merged strikes, newest `occurred_at` first.
    public func strikes(_ q: StrikeQuery) throws(StoreError) -> [Strike] {
        try read { db in
            var sql = "SELECT \(Self.strikeColumns) FROM strikes s JOIN cities c ON c.id = s.city_id WHERE s.merged_into IS NULL"
            var args: [any SQLBindable] = []
            q.appendConditions(to: &sql, &args, upTo: q.after?.occurredAt)
            if let a = q.after {
                sql += " AND (s.occurred_at < ? OR s.id < ?)"
                args += [a.occurredAt, a.id]
            }
            sql += " ORDER BY s.occurred_at DESC, s.id DESC LIMIT ?"
            args.append(q.limit)
            return try db.rows(sql, args).map(Self.strike)
        }
    }

    static func insertStrike(_ new: NewStrike, city: City, now: Timestamp, _ db: any SQLSession) throws -> Int64 {
        guard let zone = Zone(city.timezone) else { throw StoreError.database("city \(city.id) has unknown zone \(city.timezone)") }
        let id = try nextID(of: "strikes", db)
        try db.execute("""
            INSERT INTO strikes (id, city_id, occurred_at, time_precision, local_date, latitude, longitude, weapons,
                                 description, damage, created_at, updated_at, attack_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [id, city.id, new.occurredAt.seconds, new.timePrecision.rawValue,
                             zone.localDate(of: new.occurredAt).description, new.location?.latitude, new.location?.longitude,
                             Weapon.encode(new.weapons), new.description, new.damage, now.seconds, now.seconds, new.attackId])
        return id
    }

    public func createStrike(_ new: NewStrike, keeping keeper: AnswerKeeper<Strike>?) throws(StoreError) -> Strike {
        let city = try resolveCity(new.city)
        var new = new
        new.weapons = try canonicalWeapons(new.weapons)
        let now = self.now
        return try write { db in
            if let attack = new.attackId { try Self.requireAttackNamed(attack, field: "attack_id", db) }
            let id = try Self.insertStrike(new, city: city, now: now, db)
            let strike = try Self.fullStrike(id, db)
            try AnswerKeeper.keep(keeper, strike, now: now, db)
            return strike
        }
    }

    /// Applies a merge patch of descriptive fields. `ifMatch` is the version the client
    /// last saw (412 when stale). A patch that changes nothing leaves the version alone.
    public func patchStrike(id: Int64, _ patch: StrikePatch, ifMatch: Int64?) throws(StoreError) -> Strike {
        let now = self.now
        let gazetteer = self.gazetteer
        return try write { db in
            let s = try Self.requireStrike(id, db)
            if let ifMatch, ifMatch != s.version { throw StoreError.versionMismatch(current: s.version) }
            if let into = s.mergedInto { throw StoreError.conflict("strike \(id) was merged into strike \(into); patch that one") }
            var next = s
            if let v = patch.occurredAt {
                next.occurredAt = v
                if let zone = gazetteer.cities[s.city.id].flatMap({ Zone($0.timezone) }) { next.localDate = zone.localDate(of: v) }
            }
            if let v = patch.timePrecision { next.timePrecision = v }
            if let v = patch.location { next.location = v }
            if let v = patch.weapons { next.weapons = try canonicalWeapons(v) }
            if let v = patch.description { next.description = v }
            if let v = patch.damage { next.damage = v }
            guard next != s else { return s }
            try db.execute("""
                UPDATE strikes SET occurred_at = ?, local_date = ?, time_precision = ?, latitude = ?, longitude = ?,
                  weapons = ?, description = ?, damage = ?, version = version + 1, updated_at = ? WHERE id = ?
                """, [next.occurredAt.seconds, next.localDate.description, next.timePrecision.rawValue,
                                 next.location?.latitude, next.location?.longitude, Weapon.encode(next.weapons),
                                 next.description, next.damage, now.seconds, id])
            return try Self.fullStrike(id, db)
        }
    }

    /// Ids of `root` and of every strike merged into it, directly or through a chain,
    /// counting only merges made at or before `knownAt` when it is given.
    static func group(of root: Int64, knownAt: Timestamp? = nil, _ db: any SQLSession) throws -> [Int64] {
        // The casts give PostgreSQL the parameters' types, which it cannot infer from
        // `?2 IS NULL`; SQLite reads them as the integers they are.
        try db.rows("""
            WITH RECURSIVE grp(id) AS (
              SELECT CAST(?1 AS BIGINT) UNION SELECT s.id FROM strikes s JOIN grp ON s.merged_into = grp.id
                              WHERE CAST(?2 AS BIGINT) IS NULL OR s.merged_at <= CAST(?2 AS BIGINT))
            SELECT id FROM grp
            """, [root, knownAt?.seconds]).map { $0[0] as Int64 }
    }

    /// The toll-rule inputs of every revision of a group.
    static func facts(ofGroup ids: [Int64], _ db: any SQLSession) throws -> [RevisionFacts] {
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        return try db.rows("""
            SELECT r.seq, r.killed, r.injured, r.reported_at, r.recorded_at, v.voided_at
            FROM revisions r LEFT JOIN revision_voids v ON v.revision_seq = r.seq
            WHERE r.strike_id IN (\(marks))
            """, ids).map { row in
            RevisionFacts(seq: row["seq"], killed: row["killed"], injured: row["injured"],
                          reportedAt: row.timestamp("reported_at"), recordedAt: row.timestamp("recorded_at"),
                          voidedAt: row.optionalTimestamp("voided_at"))
        }
    }

    /// A group's toll after a write, at a cost independent of its history. The toll rule
    /// can only pick the latest counting revision that states each figure: an index walk
    /// from the newest finds each (`revisions_latest`). The count of counting revisions is
    /// the cached toll's, adjusted by the caller's write. `excluding` is a revision being
    /// voided by this write; `adding`, one being appended by it.
    static func toll(ofGroup ids: [Int64], excluding voided: Int64? = nil, adding new: RevisionFacts? = nil,
                     revisions: Int64, _ db: any SQLSession) throws -> Toll {
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        let arguments: [any SQLBindable] = ids + [voided ?? 0]
        var candidates: [RevisionFacts] = []
        for sql in ["""
            SELECT r.seq, r.killed, r.injured, r.reported_at, r.recorded_at FROM revisions r
            WHERE r.strike_id IN (\(marks)) AND r.killed IS NOT NULL AND r.seq <> ?
              AND NOT EXISTS (SELECT 1 FROM revision_voids v WHERE v.revision_seq = r.seq)
            ORDER BY r.reported_at DESC, r.seq DESC LIMIT 1
            """, """
            SELECT r.seq, r.killed, r.injured, r.reported_at, r.recorded_at FROM revisions r
            WHERE r.strike_id IN (\(marks)) AND r.injured IS NOT NULL AND r.seq <> ?
              AND NOT EXISTS (SELECT 1 FROM revision_voids v WHERE v.revision_seq = r.seq)
            ORDER BY r.reported_at DESC, r.seq DESC LIMIT 1
            """] {
            candidates += try db.rows(sql, arguments).map { row in
                RevisionFacts(seq: row[0], killed: row[1], injured: row[2], reportedAt: Timestamp(seconds: row[3]),
                              recordedAt: Timestamp(seconds: row[4]))
            }
        }
        if let new { candidates.append(new) }
        var toll = Toll.derive(from: candidates)
        toll.revisions = revisions
        return toll
    }

    /// Re-derives a strike's toll from its group's history and stores it in the cache
    /// columns, bumping the version.
    static func storeToll(_ toll: Toll, on id: Int64, now: Timestamp, _ db: any SQLSession) throws {
        try db.execute("""
            UPDATE strikes SET toll_killed = ?, toll_injured = ?, toll_as_of = ?, toll_revisions = ?,
              version = version + 1, updated_at = ? WHERE id = ?
            """, [toll.killed, toll.injured, toll.asOf?.seconds, toll.revisions, now.seconds, id])
    }

    /// Appends a change event carrying the toll right after it; returns its seq.
    static func appendEvent(_ kind: ChangeEvent.Kind, strike: Strike, merged: Strike? = nil, revisionSeq: Int64? = nil,
                            toll: Toll, now: Timestamp, _ db: any SQLSession) throws -> EventKey {
        try appendEvent(kind, strikeId: strike.id, cityId: strike.city.id, attackId: strike.attackId,
                        mergedId: merged?.id, mergedCityId: merged?.city.id, revisionSeq: revisionSeq, toll: toll, now: now, db)
    }

    /// `appendEvent` by ids, for a writer that knows them without a `Strike` (an import's new strike).
    static func appendEvent(_ kind: ChangeEvent.Kind, strikeId: Int64, cityId: Int64, attackId: Int64?,
                            mergedId: Int64? = nil, mergedCityId: Int64? = nil, revisionSeq: Int64? = nil,
                            toll: Toll, now: Timestamp, _ db: any SQLSession) throws -> EventKey {
        let seq = try nextSeq(db)
        try db.execute("""
            INSERT INTO change_events (seq, type, strike_id, merged_strike_id, merged_city_id, revision_seq, city_id,
                                       toll_killed, toll_injured, toll_as_of, toll_revisions, created_at, attack_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [seq, kind.rawValue, strikeId, mergedId, mergedCityId, revisionSeq, cityId,
                             toll.killed, toll.injured, toll.asOf?.seconds, toll.revisions, now.seconds, attackId])
        // The webhook outbox, in the same transaction: committed with the event, or not at all.
        try enqueueDeliveries(kind, seq: seq, strikeId: strikeId, cityId: cityId, mergedId: mergedId,
                              mergedCityId: mergedCityId, now: now, db)
        return EventKey(seq: seq, strikeId: strikeId, mergedStrikeId: mergedId, cityId: cityId,
                        mergedCityId: mergedCityId, attackId: attackId)
    }

    /// Merges strike `id` into strike `into` (following chains). The merged strike keeps
    /// its revisions; the target's toll then covers both.
    public func merge(strike id: Int64, into target: Int64, keeping keeper: AnswerKeeper<Strike>?) throws(StoreError) -> Strike {
        let now = self.now
        return try writeEvents { db in
            let source = try Self.requireStrike(id, db)
            if let into = source.mergedInto { throw StoreError.conflict("strike \(id) is already merged into strike \(into)") }
            guard try Self.fetchStrike(target, db) != nil else {
                throw StoreError.invalid(ValidationError(field: "into", "no strike has id \(target)"))
            }
            var root = try Self.resolveRoot(target, db)
            if root.id == id { throw StoreError.conflict("cannot merge strike \(id) into itself") }
            // One attack per strike: the group keeps the attack of either side.
            if let a = source.attackId, let b = root.attackId, a != b {
                throw StoreError.conflict("strike \(id) belongs to attack \(a), strike \(root.id) to attack \(b)")
            }
            if let a = source.attackId, root.attackId == nil {
                try db.execute("UPDATE strikes SET attack_id = ? WHERE id = ?", [a, root.id])
                root.attackId = a
            }
            try db.execute("""
                UPDATE strikes SET merged_into = ?, merged_at = ?, toll_killed = NULL, toll_injured = NULL,
                  toll_as_of = NULL, toll_revisions = 0, version = version + 1, updated_at = ? WHERE id = ?
                """, [root.id, now.seconds, now.seconds, id])
            let ids = try Self.group(of: root.id, db)
            let toll = try Self.toll(ofGroup: ids, revisions: root.toll.revisions + source.toll.revisions, db)
            try Self.storeToll(toll, on: root.id, now: now, db)
            try Self.mergeStatements(from: id, into: root.id, group: ids, db)
            let event = try Self.appendEvent(.merge, strike: root, merged: source, toll: toll, now: now, db)
            let merged = try Self.fullStrike(root.id, db)
            try AnswerKeeper.keep(keeper, merged, now: now, db)
            return (merged, [event])
        }
    }
}
