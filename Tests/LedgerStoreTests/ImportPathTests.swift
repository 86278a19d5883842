import LedgerModel
import Testing
@testable import LedgerStore

/// An import row that makes a new strike is written by a short path of its own
/// (`importNewStrike`); these tests keep it equal, row for row in every table, to the
/// report path that POST /v1/reports takes.
@Suite struct ImportPathTests {
    static let named = [NewSource(name: "Vitali Klitschko", kind: .official, url: "https://t.me/vitaliy_klitschko"),
                        NewSource(name: "ACLED", kind: .other)]
    static let extra = NewSource(name: "Suspilne", kind: .media)

    /// Rows of every shape the short path takes: killed only, injured only, both, a
    /// location, weapons, a description and damage, a stated report time, a second source,
    /// two in one city within the window (the second matches the first), one always new.
    static func reports(source: (Int) -> SourceSpec) -> [(Report, alwaysNew: Bool, more: [NewSource])] {
        let at = ts("2025-10-09T22:10:00Z")
        return [
            (Report(city: .id(kyivId), occurredAt: at, source: source(0), killed: 3, injured: 3), false, []),
            (Report(city: .id(kharkivId), occurredAt: at, timePrecision: .hour, source: source(1), injured: 7,
                    location: Location(latitude: 50.0, longitude: 36.2), note: "a note"), false, [extra]),
            (Report(city: .id(odesaId), occurredAt: at, timePrecision: .day, source: source(0), killed: 1,
                    reportedAt: ts("2025-10-10T06:00:00Z"), weapons: [Weapon(kind: .drone, model: "Shahed-136", count: 4)],
                    description: "a warehouse", damage: "roof"), false, []),
            (Report(city: .id(kyivId), occurredAt: at.adding(seconds: 600), source: source(1), killed: 4), false, [extra]),
            (Report(city: .id(kyivId), occurredAt: at.adding(seconds: 900), source: source(0), killed: 0, injured: 0), true, []),
        ]
    }

    /// Every row of the tables an import writes, in a fixed order.
    func dump(_ store: any LedgerStore) throws -> [String: [[SQLValue]]] {
        let relational = try #require(store as? any RelationalStore)
        var tables: [String: [[SQLValue]]] = [:]
        for (table, order) in [("strikes", "id"), ("change_events", "seq"), ("revisions", "seq"), ("sources", "id"),
                               ("strike_statements", "strike_id, source_id"), ("import_keys", "key"), ("feed_head", "seq")] {
            tables[table] = try relational.read { db in try db.rows("SELECT * FROM \(table) ORDER BY \(order)", []).map(\.values) }
        }
        return tables
    }

    @Test(arguments: Engine.available) func newStrikesAreWrittenAsTheReportPathWritesThem(_ engine: Engine) throws {
        try withStore(engine) { short, clock, _ in
            try withStore(engine) { reportPath, otherClock, _ in
                // The same sources, with the same ids, in both.
                let ids = try Self.named.map { try short.findOrCreateSource($0).0.id }
                #expect(try Self.named.map { try reportPath.findOrCreateSource($0).0.id } == ids)
                clock.advance(60); otherClock.advance(60)

                // Inline sources take the short path; a source named by id takes the report path.
                func items(_ source: (Int) -> SourceSpec) -> [ImportItem] {
                    Self.reports(source: source).enumerated().map { i, r in
                        ImportItem(line: i + 2, report: r.0, key: "row-\(i)", alwaysNew: r.alwaysNew, moreSources: r.more)
                    }
                }
                let a = try short.importRows(items { .inline(Self.named[$0]) }, window: window, dryRun: false)
                let b = try reportPath.importRows(items { .id(ids[$0]) }, window: window, dryRun: false)
                #expect(a == b)
                #expect(a.filter { if case .created = $0 { true } else { false } }.count == 4)
                #expect(a[3] == .matched(strikeId: 1, revision: true))
                let (x, y) = (try dump(short), try dump(reportPath))
                for table in x.keys.sorted() {
                    #expect(x[table] == y[table], "table \(table)")
                }
                #expect(x["strikes"]?.count == 4)
                #expect(x["sources"]?.count == 3)
                // What a reader sees of it: the toll and its range.
                let odesa = try short.strike(id: 3)
                #expect(odesa.toll.killed == 1)
                #expect(odesa.toll.asOf == ts("2025-10-10T06:00:00Z"))
            }
        }
    }

    /// Enough rows for the short path's multi-row statements (`NewStrikeBatch.chunk` rows
    /// each) and the rows left over, with rows that match a held strike (the batch is
    /// written before the report path reads), a natural key twice, and a webhook
    /// subscription (its deliveries written with the held events): every table as the
    /// report path writes it.
    @Test(arguments: Engine.available) func chunksOfNewStrikesAreWrittenAsTheReportPathWritesThem(_ engine: Engine) throws {
        try withStore(engine) { short, clock, _ in
            try withStore(engine) { reportPath, otherClock, _ in
                let ids = try Self.named.map { try short.findOrCreateSource($0).0.id }
                #expect(try Self.named.map { try reportPath.findOrCreateSource($0).0.id } == ids)
                for store in [short, reportPath] {
                    _ = try store.createSubscription(NewSubscription(url: "https://a.example/", cityId: kharkivId), secret: "whsec_AAAA")
                }
                clock.advance(60); otherClock.advance(60)
                let start = ts("2025-01-01T10:00:00Z")
                func items(_ source: (Int) -> SourceSpec) -> [ImportItem] {
                    (0..<(2 * NewStrikeBatch.chunk + 11)).map { i in
                        let city = [kyivId, kharkivId, odesaId][i % 3]
                        // Rows 50 and 70 lie 10 minutes after the row three before them, in its city: a match
                        // (after a full chunk and with rows held); every other row is a day after the last in its city.
                        let match = i == 50 || i == 70
                        let at = start.adding(seconds: Int64((match ? i - 3 : i) / 3) * 86_400 + (match ? 600 : 0))
                        let report = Report(city: .id(city), occurredAt: at, timePrecision: i % 2 == 0 ? .day : nil,
                                            source: source(i % 2), killed: Int64(i % 5), injured: i % 4 == 0 ? nil : Int64(i),
                                            location: i % 6 == 0 ? Location(latitude: 50, longitude: 30) : nil,
                                            note: i % 3 == 0 ? "note \(i)" : nil)
                        return ImportItem(line: i + 2, report: report, key: i == 40 ? "row-39" : "row-\(i)", alwaysNew: false,
                                          moreSources: i % 7 == 0 ? [Self.extra] : [])
                    }
                }
                let a = try short.importRows(items { .inline(Self.named[$0]) }, window: window, dryRun: false)
                let b = try reportPath.importRows(items { .id(ids[$0]) }, window: window, dryRun: false)
                #expect(a == b)
                #expect([a[50], a[70]].allSatisfy { if case .matched = $0 { true } else { false } })
                #expect(a[40] == .skipped)
                var (x, y) = (try dump(short), try dump(reportPath))
                for (table, order) in [("webhook_deliveries", "subscription_id, seq")] {
                    x[table] = try (short as! any RelationalStore).read { db in try db.rows("SELECT * FROM \(table) ORDER BY \(order)", []).map(\.values) }
                    y[table] = try (reportPath as! any RelationalStore).read { db in try db.rows("SELECT * FROM \(table) ORDER BY \(order)", []).map(\.values) }
                }
                #expect(x["webhook_deliveries"]?.isEmpty == false)
                for table in x.keys.sorted() {
                    #expect(x[table] == y[table], "table \(table)")
                }
            }
        }
    }

    /// A batch's natural keys are looked up `ImportKeyLookup.chunk` at a time: a key stored
    /// by an earlier batch is skipped wherever it falls (any chunk, the padded last one), and
    /// so is a key seen earlier in the same batch, in the same chunk or an earlier one, held
    /// by the short path or written by the report path; a refused row's key stays free.
    @Test(arguments: Engine.available) func naturalKeysAreLookedUpAChunkAtATime(_ engine: Engine) throws {
        try withStore(engine) { store, clock, _ in
            clock.advance(60)
            let start = ts("2001-01-01T10:00:00Z")
            var day = 0
            func item(_ key: String, source: SourceSpec = .inline(Self.named[0])) -> ImportItem {
                day += 1
                let city = [kyivId, kharkivId, odesaId][day % 3]
                return ImportItem(line: day, report: Report(city: .id(city), occurredAt: start.adding(seconds: Int64(day) * 86_400),
                                                            source: source, killed: 1),
                                  key: key, alwaysNew: day % 2 == 0, moreSources: [])
            }
            let chunk = ImportKeyLookup.chunk
            // First batch: more than a chunk; "k10" again in the second chunk, "k270" again in
            // the same chunk, and "k5" again after it went by the report path (a source by id).
            let sourceId = try store.findOrCreateSource(Self.named[1]).0.id
            var first = (0..<(chunk + 50)).map { item("k\($0)") }
            first[5] = item("k5", source: .id(sourceId))
            first[chunk + 10] = item("k10")
            first[chunk + 30] = item("k270")
            first.append(item("k5"))
            let a = try store.importRows(first, window: window, dryRun: false)
            let skippedA = Set(a.indices.filter { a[$0] == .skipped })
            #expect(skippedA == [chunk + 10, chunk + 30, chunk + 50])
            #expect(a.filter { if case .created = $0 { true } else { false } }.count == chunk + 50 - 2)

            // Second batch: every stored key (skipped) between new ones, a new one twice,
            // and a refused row (an unknown source id) whose key comes again and is tried again.
            let stored = (0..<(chunk + 50)).filter { $0 != chunk + 10 && $0 != chunk + 30 }
            var second: [ImportItem] = []
            for (j, i) in stored.enumerated() { second.append(item("k\(i)")); second.append(item("n\(j)")) }
            let n = stored.count
            second.append(item("n7"))
            second.append(item("bad", source: .id(999_999)))
            second.append(item("bad"))
            let b = try store.importRows(second, window: window, dryRun: false)
            for (j, i) in stored.enumerated() {
                #expect(b[2 * j] == .skipped, "k\(i)")
                if case .created = b[2 * j + 1] {} else { Issue.record("n\(j): \(b[2 * j + 1])") }
            }
            #expect(b[2 * n] == .skipped)
            if case .refused = b[2 * n + 1] {} else { Issue.record("bad: \(b[2 * n + 1])") }
            if case .created = b[2 * n + 2] {} else { Issue.record("bad again: \(b[2 * n + 2])") }

            // A dry run finds the same and keeps nothing; the whole second batch again skips everything.
            let keys = try dump(store)["import_keys"]?.count
            #expect(keys == 2 * n + 1)
            #expect(try store.importRows([item("dry"), item("dry"), item("k1")], window: window, dryRun: true).map { $0 == .skipped }
                    == [false, true, true])
            #expect(try dump(store)["import_keys"]?.count == keys)
            #expect(try store.importRows(second, window: window, dryRun: false).allSatisfy { $0 == .skipped })
        }
    }

    /// The comparison above holds only if the short path is taken: it is, for every row
    /// but the one that matches a stored strike, and for none named by source id.
    @Test(arguments: Engine.available) func theShortPathTakesRowsThatMakeAStrike(_ engine: Engine) throws {
        try withStore(engine) { store, _, _ in
            let relational = try #require(store as? any RelationalStore)
            let S = type(of: relational)
            let city = { (r: Report) -> City in
                guard case .id(let id)? = r.city, let c = store.gazetteer.cities[id] else { fatalError("a city id") }
                return c
            }
            let taken: [Bool] = try relational.writeEvents { db in
                var sources = SourceCache()
                var batch = NewStrikeBatch()
                var taken: [Bool] = []
                for (i, r) in Self.reports(source: { .inline(Self.named[$0]) }).enumerated() {
                    let item = ImportItem(line: i, report: r.0, key: "k\(i)", alwaysNew: r.alwaysNew, moreSources: r.more)
                    taken.append(try S.importNewStrike(item, city: city(r.0), window: window, now: store.now,
                                                       sources: &sources, into: &batch, db) != nil)
                }
                let byId = ImportItem(line: 9, report: Report(city: .id(odesaId), occurredAt: ts("2025-01-01T00:00:00Z"),
                                                              source: .id(1), killed: 1),
                                      key: "k9", alwaysNew: true, moreSources: [])
                taken.append(try S.importNewStrike(byId, city: city(byId.report), window: window, now: store.now,
                                                   sources: &sources, into: &batch, db) != nil)
                return (taken, [])
            }
            #expect(taken == [true, true, true, false, true, false])
        }
    }
}

/// Exports name each strike's sources from its statements; a walk of its group's history
/// (what an `as_of` export does) must name the same ones, after merges and voids.
@Suite struct ExportSourceTests {
    @Test(arguments: Engine.available) func statementsNameTheSourcesAWalkFinds(_ engine: Engine) throws {
        try withStore(engine) { store, clock, _ in
            let a = try store.ingest(mayorReport, window: window).strike
            _ = try store.appendRevision(toStrike: a.id, Figures(killed: 4, injured: nil, source: president))
            let voided = try store.appendRevision(toStrike: a.id, Figures(killed: nil, injured: 9, source: rescuers))
            _ = try store.voidRevision(seq: voided.revision.seq, reason: "wrong strike")
            clock.advance(3600)
            let b = try store.ingest(Report(city: .id(kyivId), occurredAt: ts("2025-10-10T09:00:00Z"), source: rescuers,
                                            injured: 2), window: 60).strike
            let c = try store.ingest(Report(city: .id(odesaId), occurredAt: ts("2025-10-10T09:00:00Z"), source: rescuers,
                                            killed: 1), window: 60).strike
            _ = try store.merge(strike: b.id, into: a.id)
            clock.advance(60)
            let relational = try #require(store as? any RelationalStore)
            let S = type(of: relational)
            let page = try [a.id, b.id, c.id].map { try store.strike(id: $0) }
            let (now, walked) = try relational.read { db in
                (try S.sourceNames(of: page, knownAt: nil, db), try S.sourceNames(of: page, knownAt: store.now, db))
            }
            #expect(now == walked)
            #expect(now[a.id] == ["State Emergency Service", "Vitali Klitschko", "Volodymyr Zelensky"])
            #expect(now[c.id] == ["State Emergency Service"])
        }
    }

    /// The export reads a root's sources in its page's query, a row per statement, and a
    /// full page leaves its last strike for the next: every page size must give the same
    /// strikes with the same names as the walk, including a strike with more statements
    /// than a page holds and two sources of one name.
    @Test(arguments: Engine.available) func pagesOfStatementsGiveEveryStrikeItsSources(_ engine: Engine) throws {
        try withStore(engine) { store, clock, _ in
            let sameName = SourceSpec.inline(NewSource(name: "Vitali Klitschko", kind: .media))
            var ids: [Int64] = []
            for i in 0..<7 {
                let s = try store.ingest(Report(city: .id(i % 2 == 0 ? kyivId : odesaId), occurredAt: Timestamp(seconds: ts("2025-10-10T09:00:00Z").seconds + Int64(i) * 60),
                                                source: rescuers, killed: Int64(i)), window: 0).strike
                let more = [mayor, president, sameName, airForce].prefix(i % 5)
                for source in more { _ = try store.appendRevision(toStrike: s.id, Figures(killed: Int64(i + 1), injured: nil, source: source)) }
                ids.append(s.id)
            }
            clock.advance(60)
            _ = try store.merge(strike: ids[5], into: ids[4])
            clock.advance(60)
            func exported(_ pageSize: Int, includeMerged: Bool) throws -> [Int64: [String]] {
                var q = ExportQuery(); q.pageSize = pageSize; q.includeMerged = includeMerged
                var out: [Int64: [String]] = [:], order: [Int64] = []
                try store.exportStrikes(q) { e in out[e.strike.id] = e.sources; order.append(e.strike.id); return true }
                #expect(order.count == Set(order).count, "each strike once (page size \(pageSize))")
                return out
            }
            let relational = try #require(store as? any RelationalStore)
            let S = type(of: relational)
            let page = try ids.map { try store.strike(id: $0) }
            let walked = try relational.read { db in try S.sourceNames(of: page, knownAt: store.now, db) }
            for includeMerged in [false, true] {
                let whole = try exported(1000, includeMerged: includeMerged)
                #expect(whole.count == (includeMerged ? 7 : 6))
                for (id, names) in whole { #expect(names == (walked[id] ?? []), "strike \(id)") }
                #expect(whole[ids[4]]?.contains("Volodymyr Zelensky") == true)
                #expect(whole[ids[3]] == ["State Emergency Service", "Vitali Klitschko", "Volodymyr Zelensky"], "one name for two sources")
                for size in [1, 2, 3, 4, 5] { #expect(try exported(size, includeMerged: includeMerged) == whole, "page size \(size)") }
            }
        }
    }
}
