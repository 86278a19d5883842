import LedgerModel

extension RelationalStore {
    /// Ingests one report in one transaction: finds or creates the strike, fills in the
    /// descriptive fields it lacks, appends a revision when figures are stated.
    ///
    /// Without `strike_id` the report matches the nearest non-merged strike in the same
    /// city whose `occurred_at` lies within `window` seconds of the report's.
    public func ingest(_ report: Report, window: Int64, keeping keeper: AnswerKeeper<ReportOutcome>?) throws(StoreError) -> ReportOutcome {
        let now = self.now
        let city = try report.city.map { name throws(StoreError) in try resolveCity(name) }
        var report = report
        if let w = report.weapons { report.weapons = try canonicalWeapons(w) }
        return try writeEvents { db in
            let (outcome, event) = try Self.ingest(report, city: city, window: window, now: now, db)
            try AnswerKeeper.keep(keeper, outcome, now: now, db)
            return (outcome, event.map { [$0] } ?? [])
        }
    }

    /// The write of `ingest`, inside a caller's transaction (an import runs many in one).
    /// A nil `window` never matches by time: the report makes a strike of its own.
    static func ingest(_ report: Report, city: City?, window: Int64?, now: Timestamp,
                       _ db: any SQLSession) throws -> (ReportOutcome, EventKey?) {
        if let attack = report.attackId { try Self.requireAttackNamed(attack, field: "attack_id", db) }
        let source = try Self.resolveSource(report.source, now: now, db)
        var strike: Strike
        var matched: Bool
        if let strikeId = report.strikeId {
            guard try Self.fetchStrike(strikeId, db) != nil else {
                throw StoreError.invalid(ValidationError(field: "strike_id", "no strike has id \(strikeId)"))
            }
            strike = try Self.resolveRoot(strikeId, db)
            if let city, city.id != strike.city.id {
                throw StoreError.invalid(ValidationError(field: "city", "is \(city.name), but strike \(strike.id) is in \(strike.city.name)"))
            }
            matched = true
        } else if let city, let at = report.occurredAt {
            if let window, let near = try db.row("""
                SELECT \(Self.strikeColumns) FROM strikes s JOIN cities c ON c.id = s.city_id
                WHERE s.city_id = ? AND s.merged_into IS NULL AND s.occurred_at BETWEEN ? AND ?
                ORDER BY abs(s.occurred_at - ?), s.id LIMIT 1
                """, [city.id, at.seconds - window, at.seconds + window, at.seconds]).map(Self.strike) {
                strike = near
                matched = true
            } else {
                let new = NewStrike(city: .id(city.id), occurredAt: at, timePrecision: report.timePrecision ?? .minute,
                                    location: report.location, weapons: report.weapons ?? [],
                                    description: report.description, damage: report.damage, attackId: report.attackId)
                strike = try Self.requireStrike(try Self.insertStrike(new, city: city, now: now, db), db)
                matched = false
            }
        } else {
            throw StoreError.invalid(ValidationError(field: "city", "is required"))
        }

        if matched {
            var sets: [String] = [], args: [any SQLBindable] = []
            if let a = report.attackId {
                if let b = strike.attackId, b != a {
                    throw StoreError.conflict("strike \(strike.id) belongs to attack \(b); a strike belongs to one attack")
                }
                if strike.attackId == nil { sets.append("attack_id = ?"); args.append(a); strike.attackId = a }
            }
            if strike.weapons.isEmpty, let w = report.weapons, !w.isEmpty { sets.append("weapons = ?"); args.append(Weapon.encode(w)) }
            if strike.description == nil, let d = report.description { sets.append("description = ?"); args.append(d) }
            if strike.damage == nil, let d = report.damage { sets.append("damage = ?"); args.append(d) }
            if strike.location == nil, let l = report.location {
                sets.append("latitude = ?, longitude = ?"); args += [l.latitude, l.longitude]
            }
            if !sets.isEmpty {
                // The version grows once per request: here only when no revision follows.
                let bump = report.hasFigures ? "" : ", version = version + 1, updated_at = \(now.seconds)"
                try db.execute("UPDATE strikes SET \(sets.joined(separator: ", "))\(bump) WHERE id = ?", args + [strike.id])
            }
        }
        var revision: Revision?
        var event: EventKey?
        if report.hasFigures {
            let figures = Figures(killed: report.killed, injured: report.injured, reportedAt: report.reportedAt,
                                  note: report.note, source: .id(source.id))
            let (written, e) = try Self.appendRevision(to: strike, figures, source: source, now: now, fresh: !matched, db)
            revision = written.revision
            event = e
            if !matched {
                // A strike created by this very request starts at version 1.
                try db.execute("UPDATE strikes SET version = 1 WHERE id = ?", [strike.id])
            }
        }
        // Read back whole, with its statements: the answer shows the strike as it now stands.
        strike = try Self.fullStrike(strike.id, db)
        return (ReportOutcome(strike: strike, revision: revision, matched: matched), event)
    }
}
