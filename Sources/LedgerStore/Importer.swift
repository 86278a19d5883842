import Crypto
import Dispatch
import LedgerModel

/// What an import did, row by row, summed up.
public struct ImportSummary: Sendable, Equatable, JSONWritable {
    public var rowsRead = 0
    public var strikesCreated = 0
    public var revisionsAdded = 0
    public var matched = 0
    public var skipped = 0
    public var refused = 0
    public var dryRun = false
    /// The first `ImportSummary.maxErrors` errors, in file order (each row may have several).
    public var errors: [ImportRowError] = []
    /// Unknown city names, with suggestions and how many rows named each (at most 1,000 names).
    public var unknownCities: [UnknownCity] = []
    /// The input stopped being readable (malformed CSV or JSON) before its end.
    public var stoppedEarly = false
    public var bytesRead = 0

    public static let maxErrors = 1000

    public struct UnknownCity: Sendable, Equatable {
        public var name: String
        public var suggestions: [String]
        public var rows: Int
    }

    public init() {}

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("rows", rowsRead)
            o.field("strikes_created", strikesCreated)
            o.field("revisions_added", revisionsAdded)
            o.field("matched", matched)
            o.field("skipped", skipped)
            o.field("refused", refused)
            o.field("dry_run", dryRun)
            o.field("stopped_early", stoppedEarly)
            o.key("errors")
            o.array { a in
                for e in errors {
                    a.object { x in
                        x.field("line", e.line)
                        x.field("field", e.field)
                        x.field("message", e.message)
                        if let s = e.suggestions { x.key("suggestions"); x.array { l in for n in s { l.string(n) } } }
                    }
                }
            }
            o.key("unknown_cities")
            o.array { a in
                for c in unknownCities {
                    a.object { x in
                        x.field("name", c.name)
                        x.field("rows", c.rows)
                        x.key("suggestions"); x.array { l in for n in c.suggestions { l.string(n) } }
                    }
                }
            }
        }
    }

    /// The summary in a few lines, for a terminal.
    public var text: String {
        var s = """
            rows read: \(rowsRead)
            strikes created: \(strikesCreated)
            revisions added: \(revisionsAdded)
            matched to existing strikes: \(matched)
            skipped as already imported: \(skipped)
            refused with errors: \(refused)
            """
        if dryRun { s += "\n(dry run: nothing was written)" }
        if stoppedEarly { s += "\nthe input could not be read to its end" }
        if !unknownCities.isEmpty {
            s += "\nunknown cities:"
            for c in unknownCities.prefix(50) {
                s += "\n  \(c.name) (\(c.rows) row\(c.rows == 1 ? "" : "s"))"
                if !c.suggestions.isEmpty { s += ": did you mean " + c.suggestions.joined(separator: ", ") + "?" }
            }
        }
        return s
    }
}

/// Reads an import file row by row, checks each row, and writes the valid ones in batches,
/// one transaction per batch: memory holds one chunk of input and two batches. Reading and
/// writing overlap: the next batch is read and checked while the last one is written (on
/// another thread), and a batch is written only once the one before it is committed, so
/// rows go in in file order and a row's duplicate in a later batch is always skipped.
public final class Importer {
    public let store: LedgerStore
    public let format: ImportFormat
    public let sourceName: String
    public let window: Int64
    public let dryRun: Bool
    public let batchSize: Int
    private let now: Timestamp
    private var summary = ImportSummary()
    private var unknown: [String: Int] = [:]
    private var batch: [ImportItem] = []
    /// The batch being written, if any.
    private var writing: BatchWrite?
    /// Cities by the names the file spells them with (a file names few places many times).
    private var cityByName: [String: City] = [:]

    public init(store: LedgerStore, format: ImportFormat, sourceName: String, window: Int64, dryRun: Bool,
                batchSize: Int = 2000) {
        self.store = store; self.format = format; self.sourceName = sourceName; self.window = window
        self.dryRun = dryRun; self.batchSize = batchSize
        self.now = store.now
        summary.dryRun = dryRun
    }

    /// Runs the import; `progress` is called after each batch with the summary so far.
    public func run(_ source: @escaping CSVReader.Source,
                    progress: (ImportSummary) -> Void = { _ in }) throws(StoreError) -> ImportSummary {
        // Never return while a batch is still being written.
        defer { _ = try? writing?.outcomes() }
        switch format {
        case .csv, .acled:
            let reader = CSVReader(source: source)
            do {
                guard let header = try reader.next() else { return summary }
                let mapper: CSVRowMapper
                do {
                    mapper = try CSVRowMapper(format: format, header: header.fields, sourceName: sourceName)
                } catch {
                    refuse([error])
                    return summary
                }
                while let record = try reader.next() {
                    summary.bytesRead = reader.bytesRead
                    take(mapper.row(record, now: now), progress)
                    if batch.count >= batchSize { try flush(progress) }
                }
            } catch let e as CSVError {
                summary.stoppedEarly = true
                refuse([ImportRowError(line: e.line, field: "file", message: e.reason)])
            } catch let e as StoreError {
                throw e
            } catch {
                throw .database("\(error)")
            }
            summary.bytesRead = reader.bytesRead
        case .geojson:
            let reader = GeoJSONFeatureReader(source: source)
            let mapper = GeoJSONRowMapper(sourceName: sourceName)
            do {
                while let (bytes, line) = try reader.next() {
                    summary.bytesRead = reader.bytesRead
                    take(mapper.row(bytes, line: line, now: now), progress)
                    if batch.count >= batchSize { try flush(progress) }
                }
            } catch let e as CSVError {
                summary.stoppedEarly = true
                refuse([ImportRowError(line: e.line, field: "file", message: e.reason)])
            } catch let e as StoreError {
                throw e
            } catch {
                throw .database("\(error)")
            }
            summary.bytesRead = reader.bytesRead
        }
        try flush(progress)
        try settle(progress)
        summary.unknownCities = unknown.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { name, rows in
            ImportSummary.UnknownCity(name: name, suggestions: store.gazetteer.suggestions(for: name), rows: rows)
        }
        return summary
    }

    private func refuse(_ errors: [ImportRowError]) {
        summary.refused += 1
        for e in errors where summary.errors.count < ImportSummary.maxErrors { summary.errors.append(e) }
    }

    /// Checks a row read from the file and queues it for the next batch.
    private func take(_ result: Result<ImportRow, ValidationFailure>, _ progress: (ImportSummary) -> Void) {
        summary.rowsRead += 1
        let row: ImportRow
        switch result {
        case .failure(let f): refuse(f.errors); return
        case .success(let r): row = r
        }
        var report = row.report
        let gazetteer = store.gazetteer
        guard let name = report.city else { refuse([ImportRowError(line: row.line, field: row.fileField("city"), message: "is required")]); return }
        guard let city = city(named: name, gazetteer) else {
            let text: String
            switch name {
            case .id(let id): text = String(id)
            case .name(let n): text = n
            }
            if unknown[text] != nil || unknown.count < 1000 { unknown[text, default: 0] += 1 }
            refuse([ImportRowError(line: row.line, field: row.fileField("city"), message: "names an unknown city \"\(text)\"",
                                   suggestions: gazetteer.suggestions(for: text))])
            return
        }
        report.city = .id(city.id)
        if let date = row.localDate, let zone = Zone(city.timezone) {
            // A day's report: noon, local time.
            let at = zone.startOfDay(date).adding(seconds: 12 * 3600)
            if at.seconds > now.seconds + allowedFutureSkew {
                refuse([ImportRowError(line: row.line, field: row.fileField("occurred_at"), message: "must not lie in the future")])
                return
            }
            report.occurredAt = at
            // ACLED gives the place's coordinates: a strike at its city's own has no location of its own.
            if let l = report.location, abs(l.latitude - city.latitude) < 1e-4, abs(l.longitude - city.longitude) < 1e-4 {
                report.location = nil
            }
        }
        let key = Self.naturalKey(row.keyMaterial)
        batch.append(ImportItem(line: row.line, report: report, key: key, alwaysNew: row.alwaysNew, moreSources: row.moreSources))
    }

    /// A row's natural key: the hex SHA-256 of its key material.
    static func naturalKey(_ material: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 64) { out in
            var i = 0
            for b in SHA256.hash(data: material) {
                out[i] = hex[Int(b >> 4)]; out[i + 1] = hex[Int(b & 15)]
                i += 2
            }
            return i
        }
    }

    private func city(named name: CityName, _ gazetteer: Gazetteer) -> City? {
        guard case .name(let spelling) = name else { return gazetteer.city(named: name) }
        if let city = cityByName[spelling] { return city }
        let city = gazetteer.city(named: name)
        if let city, cityByName.count < 10_000 { cityByName[spelling] = city }
        return city
    }

    /// Starts writing the batch read so far, once the batch before it is written.
    private func flush(_ progress: (ImportSummary) -> Void) throws(StoreError) {
        try settle(progress)
        guard !batch.isEmpty else { progress(summary); return }
        writing = BatchWrite(batch, to: store, window: window, dryRun: dryRun)
        batch.removeAll(keepingCapacity: true)
    }

    /// Waits for the batch being written, and counts what became of its rows.
    private func settle(_ progress: (ImportSummary) -> Void) throws(StoreError) {
        guard let write = writing else { return }
        writing = nil
        let outcomes = try write.outcomes()
        for (item, outcome) in zip(write.items, outcomes) {
            switch outcome {
            case .created(_, let revision):
                summary.strikesCreated += 1
                if revision { summary.revisionsAdded += 1 }
            case .matched(_, let revision):
                summary.matched += 1
                if revision { summary.revisionsAdded += 1 }
            case .skipped:
                summary.skipped += 1
            case .refused(let field, let message):
                refuse([ImportRowError(line: item.line, field: field, message: message)])
            }
        }
        progress(summary)
    }
}

/// One batch of an import, written by `LedgerStore.importRows` on a thread of its own.
private final class BatchWrite: @unchecked Sendable {
    let items: [ImportItem]
    private let done = DispatchSemaphore(value: 0)
    // Written once, before `done` is signalled; read only after waiting on it.
    private var result: Result<[ImportOutcome], StoreError> = .success([])

    init(_ items: [ImportItem], to store: any LedgerStore, window: Int64, dryRun: Bool) {
        self.items = items
        DispatchQueue.global().async { [self] in
            do throws(StoreError) {
                result = .success(try store.importRows(items, window: window, dryRun: dryRun))
            } catch {
                result = .failure(error)
            }
            done.signal()
        }
    }

    /// What became of each row, once written.
    func outcomes() throws(StoreError) -> [ImportOutcome] {
        done.wait()
        done.signal()
        return try result.get()
    }
}
