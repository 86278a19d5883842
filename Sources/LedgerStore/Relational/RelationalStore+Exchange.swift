import LedgerModel

extension RelationalStore {
    /// The strikes an export covers, in `(occurred_at, id)` order, from one snapshot: a page
    /// of `pageSize` strikes at a time (keyset pagination), so memory stays flat.
    public func exportStrikes(_ q: ExportQuery, _ each: (ExportedStrike) -> Bool) throws(StoreError) {
        let gazetteer = self.gazetteer
        try read { db in
            var after: (Int64, Int64)? = nil
            while true {
                var sql = "SELECT \(Self.strikeColumns) FROM strikes s JOIN cities c ON c.id = s.city_id WHERE TRUE"
                var args: [any SQLBindable] = []
                q.appendConditions(to: &sql, &args, from: after?.0)
                if let t = q.asOf {
                    sql += " AND s.created_at <= ?"
                    args.append(t.seconds)
                    if !q.includeMerged { sql += " AND (s.merged_into IS NULL OR s.merged_at > ?)"; args.append(t.seconds) }
                } else if !q.includeMerged {
                    sql += " AND s.merged_into IS NULL"
                }
                if let (at, id) = after {
                    sql += " AND (s.occurred_at > ? OR s.id > ?)"
                    args += [at, id]
                }
                sql += " ORDER BY s.occurred_at, s.id LIMIT ?"
                args.append(q.pageSize)
                var page: [Strike] = []
                page.reserveCapacity(q.pageSize)
                try db.forEachRow(sql, args) { row in page.append(Self.strike(row)); return true }
                guard let last = page.last else { return }
                after = (last.occurredAt.seconds, last.id)
                if let t = q.asOf {
                    for i in page.indices {
                        page[i].toll = Toll.derive(from: try Self.facts(ofGroup: try Self.group(of: page[i].id, knownAt: t, db), db),
                                                   knownAt: t)
                        // Merged after `asOf`: not merged yet, as known then.
                        if page[i].mergedInto != nil, (try Self.mergedAt(page[i].id, db) ?? .max) > t.seconds {
                            page[i].mergedInto = nil
                        }
                    }
                }
                let sources = try Self.sourceNames(of: page, knownAt: q.asOf, db)
                for s in page {
                    let city = gazetteer.cities[s.city.id]
                        ?? City(id: s.city.id, name: s.city.name, country: "", region: nil, timezone: "UTC", latitude: 0, longitude: 0)
                    guard each(ExportedStrike(strike: s, city: city, sources: sources[s.id] ?? [])) else { return }
                }
                if page.count < q.pageSize { return }
            }
        }
    }

    static func mergedAt(_ id: Int64, _ db: any SQLSession) throws -> Int64? {
        try db.value("SELECT merged_at FROM strikes WHERE id = ?", [id], as: Int64?.self) ?? nil
    }

    /// The names of the sources of each strike's counting revisions (its own and those of
    /// the strikes merged into it), distinct, sorted by their bytes.
    static func sourceNames(of page: [Strike], knownAt: Timestamp?, _ db: any SQLSession) throws -> [Int64: [String]] {
        var names: [Int64: [String]] = [:]
        var walked = page.map(\.id)
        if knownAt == nil {
            // As things stand, a root's are the sources of its statements: every revision
            // states a figure, so each source of a counting revision of the group has its
            // statement on the root (one index probe, not a walk of the group's history).
            let roots = page.filter { $0.mergedInto == nil }.map(\.id)
            walked = page.filter { $0.mergedInto != nil }.map(\.id)
            if !roots.isEmpty {
                let marks = Array(repeating: "?", count: roots.count).joined(separator: ",")
                try db.forEachRow("""
                    SELECT st.strike_id, src.name FROM strike_statements st JOIN sources src ON src.id = st.source_id
                    WHERE st.strike_id IN (\(marks))
                    """, roots) { row in
                    names[row[0] as Int64, default: []].append(row[1])
                    return true
                }
            }
        }
        if !walked.isEmpty {
            let marks = Array(repeating: "?", count: walked.count).joined(separator: ",")
            // The casts give PostgreSQL the parameters' types (see `group(of:)`).
            for row in try db.rows("""
                WITH RECURSIVE grp(root, id) AS (
                  SELECT s.id, s.id FROM strikes s WHERE s.id IN (\(marks))
                  UNION ALL SELECT grp.root, m.id FROM strikes m JOIN grp ON m.merged_into = grp.id)
                SELECT DISTINCT grp.root, src.name FROM grp
                JOIN revisions r ON r.strike_id = grp.id JOIN sources src ON src.id = r.source_id
                LEFT JOIN revision_voids v ON v.revision_seq = r.seq
                WHERE (CAST(? AS BIGINT) IS NULL AND v.revision_seq IS NULL)
                   OR (r.recorded_at <= CAST(? AS BIGINT) AND (v.voided_at IS NULL OR v.voided_at > CAST(? AS BIGINT)))
                """, walked + [knownAt?.seconds, knownAt?.seconds, knownAt?.seconds]) {
                names[row[0] as Int64, default: []].append(row[1])
            }
        }
        for (k, v) in names where v.count > 1 {
            // Sorted by their bytes, then each name once (a strike has a few; no hashing).
            let sorted = v.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            var distinct = [sorted[0]]
            for name in sorted.dropFirst() where name != distinct[distinct.count - 1] { distinct.append(name) }
            names[k] = distinct
        }
        return names
    }

    /// The revisions of the strikes an export covers, in seq order, voided ones marked,
    /// from one snapshot, a page at a time.
    public func exportRevisions(_ q: ExportQuery, _ each: (ExportedRevision) -> Bool) throws(StoreError) {
        try read { db in
            var after: Int64 = 0
            while true {
                // Every city: walk the revisions in seq order and keep the matching ones
                // (SQLite takes the left table of a CROSS JOIN as the outer loop), so each
                // page costs its own rows, instead of sorting all the range's revisions
                // again for every page. One city: its strikes are few enough to go first.
                let strikes = q.cityId == nil ? "CROSS JOIN strikes s" : "JOIN strikes s"
                var sql = """
                    SELECT r.*, src.name AS source_name, src.kind AS source_kind, src.url AS source_url,
                      v.voided_at, v.reason AS void_reason, s.occurred_at AS strike_occurred_at, c.id AS city_id,
                      c.name AS city_name
                    FROM revisions r \(strikes) JOIN sources src ON src.id = r.source_id
                    LEFT JOIN revision_voids v ON v.revision_seq = r.seq
                    JOIN cities c ON c.id = s.city_id
                    WHERE s.id = r.strike_id AND r.seq > ?
                    """
                var args: [any SQLBindable] = [after]
                q.appendConditions(to: &sql, &args)
                if let t = q.asOf {
                    sql += " AND r.recorded_at <= ?"
                    args.append(t.seconds)
                    if !q.includeMerged { sql += " AND (s.merged_into IS NULL OR s.merged_at > ?)"; args.append(t.seconds) }
                } else if !q.includeMerged {
                    sql += " AND s.merged_into IS NULL"
                }
                sql += " ORDER BY r.seq LIMIT ?"
                args.append(q.pageSize)
                let rows = try db.rows(sql, args)
                guard let last = rows.last else { return }
                after = last["seq"]
                for row in rows {
                    var r = Self.revision(row)
                    if let t = q.asOf, let v = r.voided, v.at > t { r.voided = nil }
                    let e = ExportedRevision(revision: r, city: CityRef(id: row["city_id"], name: row["city_name"]),
                                             occurredAt: row.timestamp("strike_occurred_at"), sourceURL: row["source_url"])
                    guard each(e) else { return }
                }
                if rows.count < q.pageSize { return }
            }
        }
    }

    /// Writes a batch of import rows in one transaction; see `LedgerStore.importRows`.
    public func importRows(_ items: [ImportItem], window: Int64, dryRun: Bool) throws(StoreError) -> [ImportOutcome] {
        let now = self.now
        let gazetteer = self.gazetteer
        var outcomes: [ImportOutcome] = []
        outcomes.reserveCapacity(items.count)
        do {
            return try writeImportBatch { db in
                outcomes.removeAll(keepingCapacity: true)
                var events: [EventKey] = []
                var sources = SourceCache()
                var newStrikes = NewStrikeBatch()
                // The batch's natural keys already stored, read a chunk of keys a query, and
                // those this batch has written so far (a row's duplicate later in the batch
                // is skipped; a refused row's key is not written, so its duplicate is tried).
                let stored = try ImportKeyLookup.stored(items, db)
                var written = Set<String>(minimumCapacity: items.count)
                for item in items {
                    if stored.contains(item.key) || written.contains(item.key) {
                        outcomes.append(.skipped)
                        continue
                    }
                    let city: City?
                    if case .id(let id)? = item.report.city { city = gazetteer.cities[id] } else { city = nil }
                    if let city, let (strikeId, event) = try Self.importNewStrike(item, city: city, window: window, now: now,
                                                                                 sources: &sources, into: &newStrikes, db) {
                        events.append(event)
                        written.insert(item.key)
                        outcomes.append(.created(strikeId: strikeId, revision: true))
                        if newStrikes.isFull { try newStrikes.flush(Self.self, now: now, db) }
                        continue
                    }
                    // The report path reads what the held rows would change.
                    try newStrikes.flush(Self.self, now: now, db)
                    try db.execute("SAVEPOINT import_row")
                    do {
                        let (outcome, event) = try Self.ingest(item.report, city: city, window: item.alwaysNew ? nil : window,
                                                               now: now, db)
                        for s in item.moreSources { _ = try Self.findOrCreateSource(s, now: now, db) }
                        try Self.insertImportKey(item.key, strikeId: outcome.strike.id, revisionSeq: outcome.revision?.seq,
                                                 now: now, db)
                        try db.execute("RELEASE SAVEPOINT import_row")
                        written.insert(item.key)
                        if let event { events.append(event) }
                        let revision = outcome.revision != nil
                        outcomes.append(outcome.matched ? .matched(strikeId: outcome.strike.id, revision: revision)
                                                        : .created(strikeId: outcome.strike.id, revision: revision))
                    } catch let error as StoreError {
                        try db.execute("ROLLBACK TO SAVEPOINT import_row")
                        try db.execute("RELEASE SAVEPOINT import_row")
                        switch error {
                        case .invalid(let v):
                            outcomes.append(.refused(field: v.errors.first?.field ?? "row", message: v.errors.first?.message ?? "is invalid"))
                        case .notFound(let m), .conflict(let m):
                            outcomes.append(.refused(field: "row", message: m))
                        default:
                            throw error
                        }
                    }
                }
                try newStrikes.flush(Self.self, now: now, db)
                // A dry run undoes the whole batch (a store error, caught below).
                if dryRun { throw StoreError.conflict(Self.dryRunMarker) }
                return (outcomes, events)
            }
        } catch .conflict(let m) where m == Self.dryRunMarker {
            return outcomes
        }
    }

    static var dryRunMarker: String { "import dry run: undone" }

    static func insertImportKey(_ key: String, strikeId: Int64, revisionSeq: Int64?, now: Timestamp, _ db: any SQLSession) throws {
        try db.execute("INSERT INTO import_keys (key, strike_id, revision_seq, created_at) VALUES (?, ?, ?, ?)",
                       [key, strikeId, revisionSeq, now.seconds])
    }

    /// An import row that makes a strike of its own with one revision (the common case: an
    /// ACLED event, a new row of our CSV), its rows held in `batch` and written a chunk at a
    /// time (see `NewStrikeBatch`) instead of the report path's twenty statements. Every
    /// value that path would derive by reading back is known here: the toll and its range
    /// are the one revision's, the source's statement is that revision, the version is 1.
    /// Nil, having written nothing, when the row is of another kind (it names a strike or an
    /// attack, states no figures, names a source by id, or a stored or held strike lies
    /// within the matching window): the caller takes the report path, which a test keeps
    /// equal to this one row for row.
    static func importNewStrike(_ item: ImportItem, city: City, window: Int64, now: Timestamp,
                                sources: inout SourceCache, into batch: inout NewStrikeBatch,
                                _ db: any SQLSession) throws -> (Int64, EventKey)? {
        let report = item.report
        guard report.strikeId == nil, report.attackId == nil, report.hasFigures, let at = report.occurredAt,
              case .inline(let named) = report.source, let zone = Zone(city.timezone) else { return nil }
        if !item.alwaysNew {
            if batch.holdsStrike(cityId: city.id, near: at.seconds, window: window) { return nil }
            // Read in place (`exists` would make an array of rows).
            var near = false
            try db.forEachRow("""
                SELECT 1 FROM strikes WHERE city_id = ? AND merged_into IS NULL AND occurred_at BETWEEN ? AND ? LIMIT 1
                """, [city.id, at.seconds - window, at.seconds + window]) { _ in near = true; return false }
            if near { return nil }
        }
        let source = try sources.id(of: named) { try findOrCreateSource(named, now: now, db).0.id }
        for s in item.moreSources { _ = try sources.id(of: s) { try findOrCreateSource(s, now: now, db).0.id } }
        let reportedAt = report.reportedAt ?? now
        var toll = Toll.derive(from: [RevisionFacts(seq: .max, killed: report.killed, injured: report.injured,
                                                    reportedAt: reportedAt, recordedAt: now)])
        toll.revisions = 1
        let id = try batch.takeStrikeId(Self.self, db)
        let seq = try batch.takeSeq(Self.self, db)
        let killedAt = report.killed.map { _ in reportedAt.seconds }, injuredAt = report.injured.map { _ in reportedAt.seconds }
        let event = EventKey(seq: seq, strikeId: id, mergedStrikeId: nil, cityId: city.id, mergedCityId: nil, attackId: nil)
        // The values in the order of `NewStrikeBatch.Table`'s columns.
        batch.add(
            strike: [id, city.id, at.seconds, (report.timePrecision ?? .minute).rawValue, zone.localDate(of: at).description,
                     report.location?.latitude, report.location?.longitude, Weapon.encode(report.weapons ?? []),
                     report.description, report.damage, now.seconds, now.seconds, toll.killed, toll.injured,
                     toll.asOf?.seconds, toll.revisions, report.killed, report.killed, report.injured, report.injured],
            event: [seq, ChangeEvent.Kind.revision.rawValue, id, nil as Int64?, nil as Int64?, nil as Int64?, city.id,
                    toll.killed, toll.injured, toll.asOf?.seconds, toll.revisions, now.seconds, nil as Int64?],
            revision: [seq, id, report.killed, report.injured, reportedAt.seconds, now.seconds, source, report.note],
            statement: [id, source, report.killed, killedAt, report.killed.map { _ in seq },
                        report.injured, injuredAt, report.injured.map { _ in seq }],
            key: item.key, strikeId: id, revisionSeq: seq, now: now, eventKey: event, occurredAt: at.seconds)
        return (id, event)
    }
}

/// The natural keys of an import batch that are stored already: one query per `chunk` keys
/// (`key IN (...)`) instead of one lookup a row. Every query has `chunk` parameters, the
/// last chunk's padded with its own first key, so there is one statement to prepare.
enum ImportKeyLookup {
    /// Keys a query: divides the command's batches (2,000) and is the server's (250).
    static let chunk = 250
    static let sql = "SELECT key FROM import_keys WHERE key IN ("
        + Array(repeating: "?", count: chunk).joined(separator: ", ") + ")"

    static func stored(_ items: [ImportItem], _ db: any SQLSession) throws -> Set<String> {
        var stored = Set<String>()
        var arguments: [any SQLBindable] = []
        arguments.reserveCapacity(chunk)
        var start = items.startIndex
        while start < items.endIndex {
            let end = min(start + chunk, items.endIndex)
            arguments.removeAll(keepingCapacity: true)
            for i in start..<end { arguments.append(items[i].key) }
            while arguments.count < chunk { arguments.append(items[start].key) }
            try db.forEachRow(sql, arguments) { row in
                stored.insert(row.text(0))
                return true
            }
            start = end
        }
        return stored
    }
}

/// The ids of the sources an import batch has named, found or created once per batch
/// (a batch is one transaction, so an id found here cannot be rolled back under it).
struct SourceCache {
    /// Sources are matched by kind, name and url, a missing url as an empty one (as
    /// `findOrCreateSource` does).
    private struct Key: Hashable {
        let kind: String, name: String, url: String
    }
    private var ids: [Key: Int64] = [:]

    mutating func id(of source: NewSource, orCreate create: () throws -> Int64) rethrows -> Int64 {
        let key = Key(kind: source.kind.rawValue, name: source.name, url: source.url ?? "")
        if let id = ids[key] { return id }
        let id = try create()
        ids[key] = id
        return id
    }
}
