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
        // The stored strike the report matched, or the one it creates: that one is not read
        // back until the end (what comes between needs only its id, city and attack).
        var matched: Strike?
        var created: (id: Int64, cityId: Int64)?
        if let strikeId = report.strikeId {
            guard try Self.fetchStrike(strikeId, db) != nil else {
                throw StoreError.invalid(ValidationError(field: "strike_id", "no strike has id \(strikeId)"))
            }
            let root = try Self.resolveRoot(strikeId, db)
            if let city, city.id != root.city.id {
                throw StoreError.invalid(ValidationError(field: "city", "is \(city.name), but strike \(root.id) is in \(root.city.name)"))
            }
            matched = root
        } else if let city, let at = report.occurredAt {
            if let window, let near = try db.row("""
                SELECT \(Self.strikeColumns) FROM strikes s JOIN cities c ON c.id = s.city_id
                WHERE s.city_id = ? AND s.merged_into IS NULL AND s.occurred_at BETWEEN ? AND ?
                ORDER BY abs(s.occurred_at - ?), s.id LIMIT 1
                """, [city.id, at.seconds - window, at.seconds + window, at.seconds]).map(Self.strike) {
                matched = near
            } else {
                let new = NewStrike(city: .id(city.id), occurredAt: at, timePrecision: report.timePrecision ?? .minute,
                                    location: report.location, weapons: report.weapons ?? [],
                                    description: report.description, damage: report.damage, attackId: report.attackId)
                created = (try Self.insertStrike(new, city: city, now: now, db), city.id)
            }
        } else {
            throw StoreError.invalid(ValidationError(field: "city", "is required"))
        }

        if var strike = matched {
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
            matched = strike
        }
        var revision: Revision?
        var event: EventKey?
        if report.hasFigures {
            let figures = Figures(killed: report.killed, injured: report.injured, reportedAt: report.reportedAt,
                                  note: report.note, source: .id(source.id))
            let written: RevisionWrite
            if let strike = matched {
                (written, event) = try Self.appendRevision(to: strike, figures, source: source, now: now, db)
            } else if let created {
                (written, event) = try Self.appendRevision(strikeId: created.id, cityId: created.cityId, attackId: report.attackId,
                                                           revisions: 0, figures, source: source, now: now, fresh: true, db)
                // A strike created by this very request starts at version 1.
                try db.execute("UPDATE strikes SET version = 1 WHERE id = ?", [created.id])
            } else {
                preconditionFailure("a report either matched a strike or created one")
            }
            revision = written.revision
        }
        // Read back whole, with its statements: the answer shows the strike as it now stands.
        let strike = try Self.fullStrike(matched?.id ?? created!.id, db)
        return (ReportOutcome(strike: strike, revision: revision, matched: matched != nil), event)
    }
}
