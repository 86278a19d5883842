import Foundation
import LedgerModel
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

/// Import and export through the store, on every engine.
@Suite struct ExchangeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    func run(_ store: any LedgerStore, _ format: ImportFormat, _ bytes: [UInt8], source: String = "test",
             dryRun: Bool = false, batchSize: Int = 3) throws -> ImportSummary {
        var given = false
        return try Importer(store: store, format: format, sourceName: source, window: window, dryRun: dryRun,
                            batchSize: batchSize).run {
            if given { return [] }
            given = true
            return bytes
        }
    }

    func export(_ store: any LedgerStore, _ format: ExportFormat, _ q: ExportQuery = ExportQuery()) throws -> String {
        var out: [UInt8] = []
        try store.writeExport(format, q, chunkBytes: 100) { out += $0; return true }
        return String(decoding: out, as: UTF8.self)
    }

    @Test(arguments: Engine.available) func awkwardACLEDFile(_ engine: Engine) throws {
        try withStore(engine, at: ts("2024-04-01T12:00:00Z")) { store, _, _ in
            let file = try Data(contentsOf: Self.fixtures.appendingPathComponent("awkward-acled.csv"))
            let s = try run(store, .acled, Array(file))
            #expect(s.rowsRead == 9)
            #expect(s.strikesCreated == 3)
            #expect(s.revisionsAdded == 3)
            #expect(s.matched == 1)
            #expect(s.skipped == 1, "the duplicate row")
            #expect(s.refused == 4)
            #expect(s.errors.map(\.line) == [9, 10, 11, 12])
            #expect(s.errors.map(\.field) == ["location", "location", "fatalities", "event_date"])
            #expect(s.errors[1].suggestions?.first == "Odesa")
            #expect(s.unknownCities.map(\.name).sorted() == ["Nowhereville", "Odesaa"])

            let kyiv = try store.strikes(StrikeQuery()).first { $0.city.id == kyivId }!
            #expect(kyiv.localDate.description == "2024-03-21")
            #expect(kyiv.timePrecision == .day)
            #expect(kyiv.occurredAt == ts("2024-03-21T12:00:00+02:00"), "noon, Kyiv time")
            #expect(kyiv.toll.killed == 4)
            #expect(kyiv.toll.injured == 13)
            #expect(kyiv.toll.revisions == 2)
            #expect(kyiv.location == nil, "ACLED's coordinates are Kyiv's own")
            #expect(kyiv.description?.hasPrefix("On 21 March 2024, Russian forces") == true)
            let history = try store.revisions(ofStrike: kyiv.id, after: nil, limit: 10)
            #expect(history.map(\.source.name) == ["Ukrainska Pravda", "Kyiv City Military Administration"])
            #expect(history.first?.note?.contains("\nDebris fell") == true)
            #expect(try store.sources(query: "Kyiv City", kind: nil, after: nil, limit: 10).count == 1,
                    "the second source of a row is created")
            let kharkiv = try store.strikes(StrikeQuery()).first { $0.city.id == kharkivId }!
            #expect(kharkiv.location == Location(latitude: 50.0013, longitude: 36.24))

            // The same file again writes nothing.
            let head = store.changes.head
            let again = try run(store, .acled, Array(file))
            #expect(again.skipped == 5)
            #expect(again.strikesCreated == 0 && again.revisionsAdded == 0 && again.matched == 0)
            #expect(again.refused == 4)
            #expect(store.changes.head == head)
        }
    }

    @Test(arguments: Engine.available) func dryRunWritesNothing(_ engine: Engine) throws {
        try withStore(engine, at: ts("2024-04-01T12:00:00Z")) { store, _, _ in
            let file = try Data(contentsOf: Self.fixtures.appendingPathComponent("awkward-acled.csv"))
            let s = try run(store, .acled, Array(file), dryRun: true, batchSize: 100)
            #expect(s.dryRun)
            #expect(s.strikesCreated == 3 && s.matched == 1 && s.skipped == 1 && s.refused == 4)
            #expect(try store.strikes(StrikeQuery()).isEmpty)
            #expect(store.changes.head == 0)
            let real = try run(store, .acled, Array(file))
            #expect(real.strikesCreated == 3, "the dry run kept no natural key")
        }
    }

    /// Export strikes.csv, import it into an empty database, export again: the same bytes
    /// but created_at and updated_at.
    @Test(arguments: Engine.available) func csvRoundTrip(_ engine: Engine) throws {
        let csv = #"""
            city,occurred_at,time_precision,latitude,longitude,weapons,description,damage,killed,injured,reported_at,note,source
            Kyiv,2025-10-10T02:30:00Z,minute,50.45,30.52,"[{""kind"":""missile"",""model"":""Kh-101"",""count"":2}]","Debris, fire; ""heavy""",Windows,3,3,2025-10-10T03:10:00Z,first,Klitschko
            Київ,2025-10-10T02:35:00Z,hour,,,,,,,,,,Mayor
            Kharkiv,2025-10-11T21:00:00Z,day,,,,"Багатоповерхівка
            пошкоджена",,0,12,2025-10-12T06:00:00Z,,Synehubov
            Odesa,2025-10-12T01:00:00Z,,46.48,30.74,"[{""kind"":""drone"",""model"":null,""count"":null}]",,,1,,2025-10-12T05:00:00Z,"note, with comma",Kiper

            """#
        let first = TempDir(), second = TempDir()
        let a = try engine.open(first, clock: { ts("2025-10-13T00:00:00Z") })
        let s1 = try run(a, .csv, Array(csv.utf8))
        #expect(s1.refused == 0, "\(s1.errors)")
        #expect(s1.strikesCreated == 3 && s1.matched == 1)
        let exported = try export(a, .csv)
        let b = try engine.open(second, clock: { ts("2025-10-14T00:00:00Z") })
        let s2 = try run(b, .csv, Array(exported.utf8))
        #expect(s2.refused == 0, "\(s2.errors)")
        #expect(s2.strikesCreated == 3)
        let again = try export(b, .csv)
        func withoutTimestamps(_ s: String) throws -> [[String]] {
            var rows: [[String]] = []
            let reader = CSVReader(bytes: Array(s.utf8))
            while let r = try reader.next() { rows.append(Array(r.fields.dropLast(2))) }
            return rows
        }
        #expect(try withoutTimestamps(again) == withoutTimestamps(exported))
        #expect(again.count == exported.count)
        #expect(try run(b, .csv, Array(exported.utf8)).skipped == 3, "idempotent")
        _ = (first, second)
    }

    @Test(arguments: Engine.available) func exportsFiltersAndFormats(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-13T00:00:00Z")) { store, clock, _ in
            let a = try store.ingest(mayorReport, window: window)
            let b = try store.ingest(Report(city: .name("Kharkiv"), occurredAt: ts("2025-10-11T20:00:00Z"), source: rescuers,
                                            killed: 1, reportedAt: ts("2025-10-12T00:00:00Z")), window: window)
            let c = try store.ingest(Report(city: .name("Kharkiv"), occurredAt: ts("2025-10-11T23:59:00Z"), source: rescuers,
                                            injured: 2, reportedAt: ts("2025-10-12T01:00:00Z"), note: "second record"), window: 60)
            clock.advance(3600)
            _ = try store.merge(strike: c.strike.id, into: b.strike.id)
            _ = try store.voidRevision(seq: a.revision!.seq, reason: "entered twice")

            let csv = try export(store, .csv)
            let lines = csv.split(separator: "\r\n")
            #expect(lines.count == 3, "header, Kyiv, Kharkiv; the merged strike left out")
            #expect(lines[0] == Substring(ExportFormat.strikeColumns.joined(separator: ",")))
            #expect(try export(store, .csv, { var q = ExportQuery(); q.includeMerged = true; return q }()).split(separator: "\r\n").count == 4)
            var kharkiv = ExportQuery(); kharkiv.cityId = kharkivId
            let k = try export(store, .csv, kharkiv)
            #expect(k.split(separator: "\r\n").count == 2)
            #expect(k.contains(",1,2,2025-10-12T01:00:00Z,2,State Emergency Service,,"), "toll of both records, 2 revisions, one source")

            let revisions = try export(store, .revisions)
            #expect(revisions.split(separator: "\r\n").count == 3, "the merged strike's revision is left out by default")
            #expect(revisions.contains(",true,2025-10-13T01:00:00Z,entered twice\r\n"))

            let acled = try export(store, .acled)
            let acledRows = try { () throws -> [[String]] in
                var rows: [[String]] = []
                let r = CSVReader(bytes: Array(acled.utf8))
                while let x = try r.next() { rows.append(x.fields) }
                return rows
            }()
            #expect(acledRows[0] == ExportFormat.acledColumns)
            let kyiv = acledRows[1]
            #expect(kyiv[0] == "UKR\(a.strike.id)")
            #expect(kyiv[1] == "2025-10-10" && kyiv[2] == "2025")
            #expect(kyiv[5] == "Explosions/Remote violence" && kyiv[6] == "Air/drone strike")
            #expect(kyiv[15] == "804" && kyiv[17] == "Ukraine" && kyiv[18] == "Kyiv" && kyiv[21] == "Kyiv")
            #expect(kyiv[22] == "50.4501" && kyiv[23] == "30.5234")
            #expect(kyiv[25] == "", "its only revision is voided")
            #expect(kyiv[28] == "", "no counting figure: fatalities unknown, not 0")
            for empty in [4, 7, 8, 9, 10, 11, 12, 13, 14, 16, 19, 20, 24, 26, 29] { #expect(kyiv[empty] == "") }

            let geo = try export(store, .geojson)
            guard case .object(let doc) = try JSONValue.parse(Array(geo.utf8)),
                  case .array(let features)? = doc.first(where: { $0.key == "features" })?.value else {
                Issue.record("not a FeatureCollection: \(geo)"); return
            }
            #expect(features.count == 2)
            #expect(features[0]["geometry"]?["coordinates"] == .array([.number(30.5234), .number(50.4501)]))
            #expect(features[0]["properties"]?["location_source"] == .string("city"))
            // As known before the merge and the void.
            var before = ExportQuery(); before.asOf = ts("2025-10-13T00:30:00Z")
            let old = try export(store, .csv, before)
            #expect(old.split(separator: "\r\n").count == 4, "not merged yet")
            #expect(old.contains(",3,3,2025-10-10T03:10:00Z,1,Vitali Klitschko,,"), "not voided yet")
        }
    }

    @Test(arguments: Engine.available) func geoJSONRoundTrip(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-13T00:00:00Z")) { store, _, dir in
            _ = try store.ingest(mayorReport, window: window)
            _ = try store.ingest(Report(city: .name("Odesa"), occurredAt: ts("2025-10-11T20:00:00Z"), source: rescuers,
                                        killed: 1, reportedAt: ts("2025-10-12T00:00:00Z"),
                                        location: Location(latitude: 46.5, longitude: 30.7)), window: window)
            let geo = try export(store, .geojson)
            let other = TempDir()
            let copy = try engine.open(other, clock: { ts("2025-10-13T00:00:00Z") })
            let s = try run(copy, .geojson, Array(geo.utf8))
            #expect(s.refused == 0, "\(s.errors)")
            #expect(s.strikesCreated == 2)
            let strip: (String) -> String = { $0.replacing(/"(created|updated)_at":"[^"]*"/, with: "") }
            #expect(strip(try export(copy, .geojson)) == strip(geo))
            _ = (dir, other)
        }
    }

    /// A store's data version (what answer caches and ETags follow) moves once for a write
    /// of its own, and stays put after: hearing its own commit again (PostgreSQL's
    /// notification) moved it a moment after the write was answered, and an export's ETag
    /// taken in between then never matched again. Another store's write moves it too.
    @Test(arguments: Engine.available) func aWriteMovesTheDataVersionOnce(_ engine: Engine) throws {
        let dir = TempDir()
        let store = try engine.open(dir)
        _ = try store.ingest(mayorReport, window: window)
        Thread.sleep(forTimeInterval: 0.3)  // the first notification, and the store's own start
        let before = store.dataVersion
        _ = try store.ingest(mayorReport, window: window)
        let after = store.dataVersion
        #expect(after > before)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(store.dataVersion == after, "a write of its own counted again later")
        let other = try engine.reopen(dir)
        _ = try other.ingest(mayorReport, window: window)
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline && store.dataVersion == after { Thread.sleep(forTimeInterval: 0.01) }
        #expect(store.dataVersion > after, "another store's write is noticed")
        _ = (dir, other)
    }

    /// A second process's import reaches a running store's feed within a second.
    @Test func sqliteNoticesCommitsItDidNotMake() throws {
        let dir = TempDir()
        let server = try SQLiteStore(path: dir.path(), watchInterval: .milliseconds(50))
        let other = try SQLiteStore(path: dir.path())
        let version = server.dataVersion
        let woke = Mutex_(false)
        server.changes.wait(after: 0, matching: FeedFilter(cityId: kyivId)) { _ in woke.set(true) }
        _ = try other.ingest(mayorReport, window: window)
        let deadline = Date().addingTimeInterval(1)
        while Date() < deadline && server.changes.head == 0 { Thread.sleep(forTimeInterval: 0.01) }
        #expect(server.changes.head == 1)
        #expect(woke.get())
        #expect(server.dataVersion > version)
        _ = try other.addCity(NewCity(name: "Testopil", country: "UA", region: nil, timezone: "Europe/Kyiv",
                                      latitude: 48, longitude: 30, aliases: []))
        let later = Date().addingTimeInterval(1)
        while Date() < later && server.gazetteer.city(named: .name("Testopil")) == nil { Thread.sleep(forTimeInterval: 0.01) }
        #expect(server.gazetteer.city(named: .name("Testopil")) != nil)
        // Its own writes still reach the hub in order after another's.
        _ = try other.ingest(presidentReport, window: window)
        _ = try server.ingest(Report(city: .name("Odesa"), occurredAt: ts("2025-10-10T00:00:00Z"), source: rescuers, killed: 1),
                              window: window)
        #expect(server.changes.head == 3)
        #expect(server.changes.hasEvent(after: 1, matching: FeedFilter(cityId: kyivId)) == true)
    }

    /// `strikeledger import` opens its store tuned for bulk imports: each batch is a
    /// transaction of its own, not a savepoint of a group commit. It writes what the
    /// server's path writes (refused rows undone alone, matches, skips), a dry run keeps
    /// nothing, and a server on the same file sees the import.
    @Test func sqliteImportBatchesOfTheirOwn() throws {
        let file = Array(try Data(contentsOf: Self.fixtures.appendingPathComponent("awkward-acled.csv")))
        let clock: @Sendable () -> Timestamp = { ts("2024-04-01T12:00:00Z") }
        let grouped = TempDir(), alone = TempDir()
        let reference = try SQLiteStore(path: grouped.path(), clock: clock)
        let server = try SQLiteStore(path: alone.path(), clock: clock, watchInterval: .milliseconds(50))
        let cli = try SQLiteStore(path: alone.path(), clock: clock, writer: .bulkImport)
        #expect(cli.importBatchesAlone && !server.importBatchesAlone)

        // In one batch: a dry run undoes each batch, so a later batch would not see an
        // earlier one's strike to match.
        let dry = try run(cli, .acled, file, dryRun: true, batchSize: 100)
        #expect(dry.strikesCreated == 3 && dry.matched == 1 && dry.skipped == 1 && dry.refused == 4)
        #expect(try server.strikes(StrikeQuery()).isEmpty)

        // Batches of three: refused rows, a match and a duplicate fall within batches.
        let expected = try run(reference, .acled, file)
        let s = try run(cli, .acled, file)
        #expect(s.strikesCreated == 3 && s.revisionsAdded == 3 && s.matched == 1 && s.skipped == 1)
        #expect(s.errors.map(\.line) == expected.errors.map(\.line))
        #expect(s.errors.map(\.field) == expected.errors.map(\.field))
        for format in [ExportFormat.csv, .revisions, .geojson, .acled] {
            #expect(try export(server, format) == export(reference, format), "\(format)")
        }
        let deadline = Date().addingTimeInterval(1)
        while Date() < deadline && server.changes.head < cli.changes.head { Thread.sleep(forTimeInterval: 0.01) }
        #expect(server.changes.head == cli.changes.head && cli.changes.head == reference.changes.head)

        let again = try run(cli, .acled, file)
        #expect(again.skipped == 5 && again.strikesCreated == 0 && again.matched == 0)
        _ = (grouped, alone)
    }
}

/// A tiny lock-protected flag for callbacks.
final class Mutex_<T: Sendable>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ v: T) { value = v }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
}

/// The exports name the attack wave a strike belongs to (issue 17).
@Suite struct ExportAttackTests {
    @Test(arguments: Engine.available) func exportsCarryAttackId(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-13T00:00:00Z")) { store, _, _ in
            let attack = try store.createAttack(seedNight)
            let linked = try store.ingest(mayorReport, window: window)
            _ = try store.link(strikes: [linked.strike.id], toAttack: attack.id)
            let alone = try store.ingest(Report(city: .name("Kharkiv"), occurredAt: ts("2025-10-11T20:00:00Z"), source: rescuers,
                                                killed: 1, reportedAt: ts("2025-10-12T00:00:00Z")), window: window)
            func export(_ format: ExportFormat) throws -> String {
                var out: [UInt8] = []
                try store.writeExport(format, ExportQuery(), chunkBytes: 100) { out += $0; return true }
                return String(decoding: out, as: UTF8.self)
            }
            let csv = try export(.csv).split(separator: "\r\n")
            #expect(csv[0].hasSuffix(",merged_into,attack_id,created_at,updated_at"))
            #expect(csv.first { $0.hasPrefix("\(linked.strike.id),") }?.contains(",\(attack.id),2025-") == true)
            #expect(csv.first { $0.hasPrefix("\(alone.strike.id),") }?.contains(",,,2025-") == true, "no merge, no attack: empty columns")
            let geojson = try JSONValue.parse(Array(try export(.geojson).utf8))
            guard case .array(let features)? = geojson["features"] else { Issue.record("no features"); return }
            let ids = features.map { $0["properties"]?["attack_id"] }
            #expect(ids.contains(.integer(attack.id)) && ids.contains(.null))
            #expect(try export(.acled).contains(",attack_id=\(attack.id),"), "ACLED's tags")
        }
    }
}
