import LedgerModel

/// Attacks (waves), their weapon counts as append-only revisions, and the weapon catalogue.
///
/// The current count of each model and figure follows the toll rule field by field
/// (latest `reported_at`, then the higher seq, among counting revisions). It is cached in
/// `attack_weapon_counts` in the transaction of every revision and void, at a cost that does
/// not grow with the attack's history: a revision compares its figures with the cached
/// ones; a void looks again, by an index walk from the newest
/// (`attack_revision_weapons_latest`), only for the figures that it took away.
extension RelationalStore {
    // MARK: The catalogue

    public var weaponCatalogue: WeaponCatalogue { weaponCache.catalogue }

    /// Reads the catalogue (at start-up: only a migration writes it).
    public func reloadWeapons() throws(StoreError) {
        let models = try read { db in try Self.fetchWeapons(db) }
        weaponCache.set(WeaponCatalogue(models: models))
    }

    static func fetchWeapons(_ db: any SQLSession) throws -> [WeaponModel] {
        var aliases: [Int64: [String]] = [:]
        for row in try db.rows("SELECT model_id, alias FROM weapon_aliases ORDER BY model_id, alias") {
            aliases[row[0], default: []].append(row[1])
        }
        return try db.rows("SELECT id, model, kind FROM weapon_models ORDER BY id").map { row in
            WeaponModel(id: row[0], model: row[1], kind: WeaponKind(rawValue: row[2]) ?? .drone, aliases: aliases[row[0]] ?? [])
        }
    }

    /// A strike's weapons with each model named as the catalogue names it; an unknown
    /// model is a 422 with suggestions, as an unknown city is.
    func canonicalWeapons(_ weapons: [Weapon], field: String = "weapons") throws(StoreError) -> [Weapon] {
        let catalogue = weaponCatalogue
        var errors: [FieldError] = []
        var out = weapons
        for (i, w) in weapons.enumerated() {
            guard let name = w.model else { continue }
            if let known = catalogue.model(named: name) {
                out[i].model = known.model
            } else {
                errors.append(FieldError(field: "\(field)[\(i)].model", message: "unknown weapon model \"\(name)\"",
                                         suggestions: catalogue.suggestions(for: name)))
            }
        }
        if !errors.isEmpty { throw .invalid(ValidationError(errors)) }
        return out
    }

    // MARK: Attacks

    static func requireAttackRow(_ id: Int64, _ db: any SQLSession) throws -> SQLRow {
        guard let row = try db.row("SELECT * FROM attacks WHERE id = ?", [id]) else { throw StoreError.notFound("attack \(id)") }
        return row
    }

    /// 422 on `field` when no attack has the id a request body names.
    static func requireAttackNamed(_ id: Int64, field: String, _ db: any SQLSession) throws {
        guard try db.exists("SELECT 1 FROM attacks WHERE id = ?", [id]) else {
            throw StoreError.invalid(ValidationError(field: field, "no attack has id \(id)"))
        }
    }

    static func attack(_ row: SQLRow, weapons: [WeaponCount]) -> Attack {
        Attack(id: row["id"], country: row["country"], startedAt: row.timestamp("started_at"),
               endedAt: row.optionalTimestamp("ended_at"), description: row["description"], weapons: weapons,
               revisions: row["revisions"], version: row["version"], createdAt: row.timestamp("created_at"),
               updatedAt: row.timestamp("updated_at"))
    }

    static func weaponCount(_ row: SQLRow) -> WeaponCount {
        let values: [Int64?] = WeaponFigures.names.map { row[$0] }
        let ats: [Int64?] = WeaponFigures.names.map { row[$0 + "_at"] }
        let approximate = WeaponFigures.names.enumerated().contains { i, name in values[i] != nil && (row[name + "_approximate"] as Int64) != 0 }
        return WeaponCount(model: row["model"], kind: WeaponKind(rawValue: row["kind"]) ?? .drone, figures: WeaponFigures(values: values),
                           approximate: approximate, asOf: ats.compactMap { $0 }.max().map(Timestamp.init(seconds:)))
    }

    /// The current counts of attacks, by attack, each in catalogue order.
    static func counts(ofAttacks ids: [Int64], _ db: any SQLSession) throws -> [Int64: [WeaponCount]] {
        guard !ids.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        var out: [Int64: [WeaponCount]] = [:]
        for row in try db.rows("""
            SELECT c.*, m.model, m.kind FROM attack_weapon_counts c JOIN weapon_models m ON m.id = c.model_id
            WHERE c.attack_id IN (\(marks)) ORDER BY c.attack_id, m.id
            """, ids) {
            out[row["attack_id"], default: []].append(weaponCount(row))
        }
        return out
    }

    /// An attack in full: counts, strikes (the roots linked to it) with statements.
    static func fullAttack(_ id: Int64, _ db: any SQLSession) throws -> Attack {
        let row = try requireAttackRow(id, db)
        var a = attack(row, weapons: try counts(ofAttacks: [id], db)[id] ?? [])
        a.strikes = try db.rows("""
            SELECT \(strikeColumns) FROM strikes s JOIN cities c ON c.id = s.city_id
            WHERE s.attack_id = ? AND s.merged_into IS NULL ORDER BY s.occurred_at, s.id
            """, [id]).map { row in
            var s = strike(row)
            s.statements = try statements(of: s.id, db)
            return s
        }
        return a
    }

    public func createAttack(_ new: NewAttack, keeping keeper: AnswerKeeper<Attack>?) throws(StoreError) -> Attack {
        let now = self.now
        return try write { db in
            let id = try Self.nextID(of: "attacks", db)
            try db.execute("""
                INSERT INTO attacks (id, country, started_at, ended_at, description, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [id, new.country, new.startedAt.seconds, new.endedAt?.seconds, new.description, now.seconds, now.seconds])
            let attack = try Self.fullAttack(id, db)
            try AnswerKeeper.keep(keeper, attack, now: now, db)
            return attack
        }
    }

    public func attack(id: Int64) throws(StoreError) -> Attack {
        try read { db in try Self.fullAttack(id, db) }
    }

    /// Attacks whose span (`started_at` to `ended_at`, or its start alone) meets the
    /// query's, newest `started_at` first.
    public func attacks(_ q: AttackQuery) throws(StoreError) -> [Attack] {
        try read { db in
            var sql = "SELECT * FROM attacks a WHERE TRUE"
            var args: [any SQLBindable] = []
            if let v = q.country { sql += " AND a.country = ?"; args.append(v) }
            if let v = q.from { sql += " AND coalesce(a.ended_at, a.started_at) >= ?"; args.append(v.seconds) }
            if let v = q.to { sql += " AND a.started_at <= ?"; args.append(v.seconds) }
            if let a = q.after {
                sql += " AND (a.started_at < ? OR (a.started_at = ? AND a.id < ?))"
                args += [a.startedAt, a.startedAt, a.id]
            }
            sql += " ORDER BY a.started_at DESC, a.id DESC LIMIT ?"
            args.append(q.limit)
            let rows = try db.rows(sql, args)
            let counts = try Self.counts(ofAttacks: rows.map { $0["id"] as Int64 }, db)
            return rows.map { row in Self.attack(row, weapons: counts[row["id"]] ?? []) }
        }
    }

    // MARK: Revisions

    static func countRow(attack: Int64, model: Int64, _ db: any SQLSession) throws -> AttackCountRow {
        try db.row("SELECT * FROM attack_weapon_counts WHERE attack_id = ? AND model_id = ?", [attack, model]).map(AttackCountRow.init) ?? AttackCountRow()
    }

    static func storeAttackCountRow(_ c: AttackCountRow, attack: Int64, model: Int64, _ db: any SQLSession) throws {
        try db.execute("DELETE FROM attack_weapon_counts WHERE attack_id = ? AND model_id = ?", [attack, model])
        guard !c.isEmpty else { return }
        var args: [any SQLBindable] = [attack, model]
        for i in 0..<4 { args += [c.values[i], c.seqs[i], c.ats[i], Int64(c.approximate[i] ? 1 : 0)] }
        try db.execute("""
            INSERT INTO attack_weapon_counts (attack_id, model_id,
              launched, launched_seq, launched_at, launched_approximate,
              intercepted, intercepted_seq, intercepted_at, intercepted_approximate,
              suppressed, suppressed_seq, suppressed_at, suppressed_approximate,
              hit, hit_seq, hit_at, hit_approximate)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, args)
    }

    /// The latest counting statement of one figure of one model, skipping `excluded`: an
    /// index walk from the newest. One query per figure, each written out in full.
    static var latestFigureSQL: [String] { [
        """
        SELECT w.launched, w.revision_seq, w.reported_at, w.approximate FROM attack_revision_weapons w
        WHERE w.attack_id = ? AND w.model_id = ? AND w.launched IS NOT NULL AND w.revision_seq <> ?
          AND NOT EXISTS (SELECT 1 FROM attack_revision_voids v WHERE v.revision_seq = w.revision_seq)
        ORDER BY w.reported_at DESC, w.revision_seq DESC LIMIT 1
        """, """
        SELECT w.intercepted, w.revision_seq, w.reported_at, w.approximate FROM attack_revision_weapons w
        WHERE w.attack_id = ? AND w.model_id = ? AND w.intercepted IS NOT NULL AND w.revision_seq <> ?
          AND NOT EXISTS (SELECT 1 FROM attack_revision_voids v WHERE v.revision_seq = w.revision_seq)
        ORDER BY w.reported_at DESC, w.revision_seq DESC LIMIT 1
        """, """
        SELECT w.suppressed, w.revision_seq, w.reported_at, w.approximate FROM attack_revision_weapons w
        WHERE w.attack_id = ? AND w.model_id = ? AND w.suppressed IS NOT NULL AND w.revision_seq <> ?
          AND NOT EXISTS (SELECT 1 FROM attack_revision_voids v WHERE v.revision_seq = w.revision_seq)
        ORDER BY w.reported_at DESC, w.revision_seq DESC LIMIT 1
        """, """
        SELECT w.hit, w.revision_seq, w.reported_at, w.approximate FROM attack_revision_weapons w
        WHERE w.attack_id = ? AND w.model_id = ? AND w.hit IS NOT NULL AND w.revision_seq <> ?
          AND NOT EXISTS (SELECT 1 FROM attack_revision_voids v WHERE v.revision_seq = w.revision_seq)
        ORDER BY w.reported_at DESC, w.revision_seq DESC LIMIT 1
        """,
    ] }

    /// The cities of an attack's strikes now, for its feed event.
    static func attackCities(_ id: Int64, _ db: any SQLSession) throws -> [Int64] {
        try db.rows("SELECT DISTINCT city_id FROM strikes WHERE attack_id = ? AND merged_into IS NULL ORDER BY city_id", [id])
            .map { $0[0] as Int64 }
    }

    /// Appends an attack event (its seq from the feed's counter) with the attack's counts.
    static func appendAttackEvent(_ kind: ChangeEvent.Kind, attack: Int64, revisionSeq: Int64?, counts: [WeaponCount],
                                  revisions: Int64, now: Timestamp, _ db: any SQLSession) throws -> EventKey {
        let seq = try nextSeq(db)
        try db.execute("""
            INSERT INTO attack_events (seq, type, attack_id, revision_seq, counts, revisions, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [seq, kind.rawValue, attack, revisionSeq ?? seq, WeaponCount.encode(counts), revisions, now.seconds])
        let cities = try attackCities(attack, db)
        for city in cities { try db.execute("INSERT INTO attack_event_cities (seq, city_id) VALUES (?, ?)", [seq, city]) }
        return EventKey(seq: seq, attackId: attack, cityIds: cities)
    }

    public func appendAttackRevision(toAttack id: Int64, _ figures: AttackFigures,
                                     keeping keeper: AnswerKeeper<AttackRevisionWrite>?) throws(StoreError) -> AttackRevisionWrite {
        let lines = try statedModels(figures)
        let now = self.now
        return try writeEvents { db in
            let (written, event) = try Self.appendAttackRevision(to: id, lines, figures, now: now, db)
            try AnswerKeeper.keep(keeper, written, now: now, db)
            return (written, [event])
        }
    }

    /// The catalogue's model for each line of a revision: 422 with suggestions for an
    /// unknown one, and for a model named twice.
    func statedModels(_ figures: AttackFigures) throws(StoreError) -> [(WeaponModel, StatedWeapon)] {
        let catalogue = weaponCatalogue
        var lines: [(WeaponModel, StatedWeapon)] = []
        var errors: [FieldError] = []
        for (i, w) in figures.weapons.enumerated() {
            guard let model = catalogue.model(named: w.model) else {
                errors.append(FieldError(field: "weapons[\(i)].model", message: "unknown weapon model \"\(w.model)\"",
                                         suggestions: catalogue.suggestions(for: w.model)))
                continue
            }
            if lines.contains(where: { $0.0.id == model.id }) {
                errors.append(FieldError(field: "weapons[\(i)].model", message: "names \(model.model) a second time"))
                continue
            }
            lines.append((model, w))
        }
        if !errors.isEmpty { throw .invalid(ValidationError(errors)) }
        return lines
    }

    /// The write itself, inside a caller's transaction.
    static func appendAttackRevision(to id: Int64, _ lines: [(WeaponModel, StatedWeapon)], _ figures: AttackFigures,
                                     now: Timestamp, _ db: any SQLSession) throws -> (AttackRevisionWrite, EventKey) {
        let row = try Self.requireAttackRow(id, db)
        let source = try Self.resolveSource(figures.source, now: now, db)
        let reportedAt = figures.reportedAt ?? now
        // The revision's seq is the one its event takes next: higher than every stored one.
        let next = try db.value("SELECT seq + 1 FROM feed_head", as: Int64.self) ?? 1
        for (model, stated) in lines {
            var c = try Self.countRow(attack: id, model: model.id, db)
            for (i, v) in stated.figures.values.enumerated() {
                guard let v else { continue }
                // Latest reported_at wins; on a tie, the higher seq: this one.
                if let at = c.ats[i], at > reportedAt.seconds { continue }
                c.values[i] = v; c.seqs[i] = next; c.ats[i] = reportedAt.seconds; c.approximate[i] = stated.approximate
            }
            try Self.storeAttackCountRow(c, attack: id, model: model.id, db)
        }
        let revisions = (row["revisions"] as Int64) + 1
        let counts = try Self.counts(ofAttacks: [id], db)[id] ?? []
        let event = try Self.appendAttackEvent(.attack_revision, attack: id, revisionSeq: nil, counts: counts,
                                               revisions: revisions, now: now, db)
        guard event.seq == next else { throw StoreError.database("the feed's counter moved during a write") }
        try db.execute("""
            INSERT INTO attack_revisions (seq, attack_id, reported_at, recorded_at, source_id, note) VALUES (?, ?, ?, ?, ?, ?)
            """, [event.seq, id, reportedAt.seconds, now.seconds, source.id, figures.note])
        for (model, stated) in lines {
            let v = stated.figures
            try db.execute("""
                INSERT INTO attack_revision_weapons (revision_seq, attack_id, model_id, reported_at, launched, intercepted,
                                                     suppressed, hit, approximate)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [event.seq, id, model.id, reportedAt.seconds, v.launched, v.intercepted, v.suppressed, v.hit,
                                 Int64(stated.approximate ? 1 : 0)])
        }
        try db.execute("UPDATE attacks SET revisions = revisions + 1, version = version + 1, updated_at = ? WHERE id = ?",
                       [now.seconds, id])
        let revision = AttackRevision(
            seq: event.seq, attackId: id,
            weapons: lines.map { AttackRevisionLine(model: $0.0.model, kind: $0.0.kind, figures: $0.1.figures, approximate: $0.1.approximate) },
            reportedAt: reportedAt, recordedAt: now, source: source.ref, note: figures.note, voided: nil)
        return (AttackRevisionWrite(revision: revision, weapons: counts, revisions: revisions), event)
    }

    public func attackRevisionExists(seq: Int64) throws(StoreError) -> Bool {
        try read { db in try db.exists("SELECT 1 FROM attack_revisions WHERE seq = ?", [seq]) }
    }

    public func voidAttackRevision(seq: Int64, reason: String,
                                   keeping keeper: AnswerKeeper<AttackRevisionWrite>?) throws(StoreError) -> AttackRevisionWrite {
        let now = self.now
        let catalogue = weaponCatalogue
        return try writeEvents { db in
            let (written, event) = try Self.voidAttackRevision(seq: seq, reason: reason, catalogue: catalogue,
                                                               now: now, db)
            try AnswerKeeper.keep(keeper, written, now: now, db)
            return (written, [event])
        }
    }

    /// The void itself, inside a caller's transaction.
    static func voidAttackRevision(seq: Int64, reason: String, catalogue: WeaponCatalogue,
                                   now: Timestamp, _ db: any SQLSession) throws -> (AttackRevisionWrite, EventKey) {
        guard var revision = try Self.fetchAttackRevisions("ar.seq = ?", [seq], db).first else {
            throw StoreError.notFound("attack revision \(seq)")
        }
        let attackId = revision.attackId
        let row = try Self.requireAttackRow(attackId, db)
        if revision.voided != nil { throw StoreError.conflict("revision \(seq) is already voided") }
        for line in revision.weapons {
            guard let model = catalogue.model(named: line.model) else { continue }
            var c = try Self.countRow(attack: attackId, model: model.id, db)
            var changed = false
            for i in 0..<4 where c.seqs[i] == seq {
                changed = true
                if let found = try db.row(Self.latestFigureSQL[i], [attackId, model.id, seq]) {
                    c.values[i] = found[0]; c.seqs[i] = found[1]; c.ats[i] = found[2]; c.approximate[i] = (found[3] as Int64) != 0
                } else {
                    c.values[i] = nil; c.seqs[i] = nil; c.ats[i] = nil; c.approximate[i] = false
                }
            }
            if changed { try Self.storeAttackCountRow(c, attack: attackId, model: model.id, db) }
        }
        let revisions = (row["revisions"] as Int64) - 1
        let counts = try Self.counts(ofAttacks: [attackId], db)[attackId] ?? []
        let event = try Self.appendAttackEvent(.attack_void, attack: attackId, revisionSeq: seq, counts: counts,
                                               revisions: revisions, now: now, db)
        try db.execute("INSERT INTO attack_revision_voids (revision_seq, event_seq, voided_at, reason) VALUES (?, ?, ?, ?)",
                       [seq, event.seq, now.seconds, reason])
        try db.execute("UPDATE attacks SET revisions = revisions - 1, version = version + 1, updated_at = ? WHERE id = ?",
                       [now.seconds, attackId])
        revision.voided = Voiding(at: now, reason: reason)
        return (AttackRevisionWrite(revision: revision, weapons: counts, revisions: revisions), event)
    }

    /// Attack revisions matching a condition on `attack_revisions ar`, in seq order, with
    /// their figures. `condition` is one of the fixed conditions written in this file.
    static func fetchAttackRevisions(_ condition: StaticString, _ args: [any SQLBindable], limit: Int = 1,
                                     _ db: any SQLSession) throws -> [AttackRevision] {
        let rows = try db.rows("""
            SELECT ar.*, src.name AS source_name, src.kind AS source_kind, v.voided_at, v.reason AS void_reason
            FROM attack_revisions ar JOIN sources src ON src.id = ar.source_id
            LEFT JOIN attack_revision_voids v ON v.revision_seq = ar.seq
            WHERE \(condition) ORDER BY ar.seq LIMIT ?
            """, args + [Int64(limit)])
        guard !rows.isEmpty else { return [] }
        let seqs = rows.map { $0["seq"] as Int64 }
        let marks = Array(repeating: "?", count: seqs.count).joined(separator: ",")
        var lines: [Int64: [AttackRevisionLine]] = [:]
        for w in try db.rows("""
            SELECT w.*, m.model, m.kind FROM attack_revision_weapons w JOIN weapon_models m ON m.id = w.model_id
            WHERE w.revision_seq IN (\(marks)) ORDER BY w.revision_seq, m.id
            """, seqs) {
            lines[w["revision_seq"], default: []].append(AttackRevisionLine(
                model: w["model"], kind: WeaponKind(rawValue: w["kind"]) ?? .drone,
                figures: WeaponFigures(values: WeaponFigures.names.map { w[$0] }), approximate: (w["approximate"] as Int64) != 0))
        }
        return rows.map { row in
            AttackRevision(seq: row["seq"], attackId: row["attack_id"], weapons: lines[row["seq"]] ?? [],
                           reportedAt: row.timestamp("reported_at"), recordedAt: row.timestamp("recorded_at"),
                           source: SourceRef(id: row["source_id"], name: row["source_name"],
                                             kind: Source.Kind(rawValue: row["source_kind"]) ?? .other),
                           note: row["note"],
                           voided: row.optionalTimestamp("voided_at").map { Voiding(at: $0, reason: row["void_reason"]) })
        }
    }

    public func attackRevisions(ofAttack id: Int64, after: Int64?, limit: Int) throws(StoreError) -> [AttackRevision] {
        try read { db in
            _ = try Self.requireAttackRow(id, db)
            return try Self.fetchAttackRevisions("ar.attack_id = ? AND ar.seq > ?", [id, after ?? 0], limit: limit, db)
        }
    }

    // MARK: Linking

    public func link(strikes ids: [Int64], toAttack id: Int64, keeping keeper: AnswerKeeper<Attack>?) throws(StoreError) -> Attack {
        let now = self.now
        return try write { db in
            _ = try Self.requireAttackRow(id, db)
            var changed = false
            for (i, sid) in ids.enumerated() {
                guard try Self.fetchStrike(sid, db) != nil else {
                    throw StoreError.invalid(ValidationError(field: "strike_ids[\(i)]", "no strike has id \(sid)"))
                }
                // A merged strike's link is its group's: the strike it was merged into.
                let root = try Self.resolveRoot(sid, db)
                if root.attackId == id { continue }
                if let other = root.attackId {
                    throw StoreError.conflict("strike \(root.id) belongs to attack \(other); a strike belongs to one attack")
                }
                try db.execute("UPDATE strikes SET attack_id = ?, version = version + 1, updated_at = ? WHERE id = ?",
                               [id, now.seconds, root.id])
                changed = true
            }
            if changed {
                try db.execute("UPDATE attacks SET version = version + 1, updated_at = ? WHERE id = ?", [now.seconds, id])
            }
            let attack = try Self.fullAttack(id, db)
            try AnswerKeeper.keep(keeper, attack, now: now, db)
            return attack
        }
    }
}

/// One model's cached current figures: value, seq, reported_at and approximate per field.
struct AttackCountRow {
    var values: [Int64?] = [nil, nil, nil, nil]
    var seqs: [Int64?] = [nil, nil, nil, nil]
    var ats: [Int64?] = [nil, nil, nil, nil]
    var approximate: [Bool] = [false, false, false, false]

    init() {}

    init(_ row: SQLRow) {
        for (i, name) in WeaponFigures.names.enumerated() {
            values[i] = row[name]; seqs[i] = row[name + "_seq"]; ats[i] = row[name + "_at"]
            approximate[i] = (row[name + "_approximate"] as Int64) != 0
        }
    }

    var isEmpty: Bool { values.allSatisfy { $0 == nil } }
}

