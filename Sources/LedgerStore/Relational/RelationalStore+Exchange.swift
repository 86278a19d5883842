import LedgerModel

extension RelationalStore {
    /// The strikes an export covers, in `(occurred_at, id)` order, from one snapshot: a page
    /// of `pageSize` strikes at a time (keyset pagination), so memory stays flat.
    ///
    /// As things stand (no `asOf`), the page's query also reads the source of each of a
    /// root's statements (one row per statement, `LEFT JOIN strike_statements`), so a page
    /// costs one query; the sources' names come from a cache filled once per source id.
    /// The limit counts those rows: when a page is full, its last strike may lack some of
    /// its statements, so it is left for the next page.
    public func exportStrikes(_ q: ExportQuery, _ each: (ExportedStrike) -> Bool) throws(StoreError) {
        let gazetteer = self.gazetteer
        let joined = q.asOf == nil
        try read { db in
            var after: (Int64, Int64)? = nil
            var names = SourceNameCache()
            var page: [Strike] = []
            page.reserveCapacity(q.pageSize)
            // The source ids of `page[i]`'s statements are `sourceIds[starts[i]..<starts[i + 1]]`.
            var sourceIds: [Int64] = [], starts: [Int] = []
            while true {
                var sql = "SELECT \(Self.strikeColumns)"
                sql += joined ? ", st.source_id" : ""
                sql += " FROM strikes s JOIN cities c ON c.id = s.city_id"
                sql += joined ? " LEFT JOIN strike_statements st ON st.strike_id = s.id AND s.merged_into IS NULL" : ""
                sql += " WHERE TRUE"
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
                page.removeAll(keepingCapacity: true)
                sourceIds.removeAll(keepingCapacity: true)
                starts.removeAll(keepingCapacity: true)
                var rowCount = 0
                try db.forEachRow(sql, args) { row in
                    rowCount += 1
                    if !joined || page.last?.id != row.int64(0) {
                        page.append(Self.strike(row))
                        starts.append(sourceIds.count)
                    }
                    if joined, let source = row.optionalInt64(Self.strikeColumnCount) { sourceIds.append(source) }
                    return true
                }
                let full = rowCount == q.pageSize
                // A full page's last strike may have more statements than the page held.
                var lastIncomplete = false
                if joined && full {
                    if page.count > 1 {
                        page.removeLast()
                        sourceIds.removeSubrange(starts.removeLast()...)
                    } else {
                        lastIncomplete = true
                    }
                }
                starts.append(sourceIds.count)
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
                // The strikes whose names the join did not give: merged ones (their group's
                // revisions), all of them as known at `asOf`, and a lone strike with more
                // statements than a page.
                let walked = page.filter { !joined || $0.mergedInto != nil || lastIncomplete }
                let walkedSources = walked.isEmpty ? [:] : try Self.sourceNames(of: walked, knownAt: q.asOf, db)
                if joined { try names.load(sourceIds, db) }
                for (i, s) in page.enumerated() {
                    let city = gazetteer.cities[s.city.id]
                        ?? City(id: s.city.id, name: s.city.name, country: "", region: nil, timezone: "UTC", latitude: 0, longitude: 0)
                    let sources: [String]
                    if !joined || s.mergedInto != nil || lastIncomplete {
                        sources = walkedSources[s.id] ?? []
                    } else {
                        sources = names.distinctNames(sourceIds[starts[i]..<starts[i + 1]])
                    }
                    guard each(ExportedStrike(strike: s, city: city, sources: sources)) else { return }
                }
                if !full { return }
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
        for (k, v) in names where v.count > 1 { names[k] = SourceNameCache.distinctSorted(v) }
        return names
    }

    /// How many columns `strikeColumns` has (the export's source id follows them).
    static var strikeColumnCount: Int { 24 }

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
                // The columns `exportedRevision(_:)` reads, by position.
                var sql = """
                    SELECT r.seq, r.strike_id, r.killed, r.injured, r.reported_at, r.recorded_at, r.source_id, r.note,
                      src.name, src.kind, src.url, v.voided_at, v.reason, s.occurred_at, c.id, c.name
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
                // Each row is handed on as it is read (in place on SQLite): `each` runs no statement.
                var count = 0, open = true
                try db.forEachRow(sql, args) { row in
                    count += 1
                    var e = Self.exportedRevision(row)
                    after = e.revision.seq
                    if let t = q.asOf, let v = e.revision.voided, v.at > t { e.revision.voided = nil }
                    open = each(e)
                    return open
                }
                if !open || count < q.pageSize { return }
            }
        }
    }

    /// A revision of the export from a row of its query's columns, by position.
    static func exportedRevision(_ row: SQLRowReader) -> ExportedRevision {
        let voidedAt = row.optionalInt64(11)
        let revision = Revision(
            seq: row.int64(0), strikeId: row.int64(1), killed: row.optionalInt64(2), injured: row.optionalInt64(3),
            reportedAt: Timestamp(seconds: row.int64(4)), recordedAt: Timestamp(seconds: row.int64(5)),
            source: SourceRef(id: row.int64(6), name: row.text(8), kind: Source.Kind(rawValue: row.text(9)) ?? .other),
            note: row[7], voided: voidedAt.map { Voiding(at: Timestamp(seconds: $0), reason: row[12]) })
        return ExportedRevision(revision: revision, city: CityRef(id: row.int64(14), name: row.text(15)),
                                occurredAt: Timestamp(seconds: row.int64(13)), sourceURL: row[10])
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

/// The names of the sources an export has met, by id, read once per id (a page's new ids
/// in one query). Bounded: past `limit` names it starts again.
struct SourceNameCache {
    private var names: [Int64: String] = [:]
    private let limit = 50_000

    /// Reads the names of the ids not known yet.
    mutating func load(_ ids: [Int64], _ db: any SQLSession) throws {
        var missing = ids.filter { names[$0] == nil }
        guard !missing.isEmpty else { return }
        if names.count + missing.count > limit {
            names.removeAll()
            missing = ids
        }
        missing.sort()
        var distinct: [Int64] = []
        for id in missing where distinct.last != id { distinct.append(id) }
        let marks = Array(repeating: "?", count: distinct.count).joined(separator: ",")
        try db.forEachRow("SELECT id, name FROM sources WHERE id IN (\(marks))", distinct) { row in
            names[row.int64(0)] = row.text(1)
            return true
        }
    }

    /// The names of `ids` (loaded), distinct, sorted by their bytes.
    func distinctNames(_ ids: ArraySlice<Int64>) -> [String] {
        switch ids.count {
        case 0: return []
        case 1: return [names[ids[ids.startIndex]] ?? ""]
        default: return Self.distinctSorted(ids.map { names[$0] ?? "" })
        }
    }

    /// The names sorted by their bytes, then each name once (a strike has a few; no hashing).
    static func distinctSorted(_ v: [String]) -> [String] {
        let sorted = v.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var distinct = [sorted[0]]
        for name in sorted.dropFirst() where name != distinct[distinct.count - 1] { distinct.append(name) }
        return distinct
    }
}
