import ArgumentParser
import Foundation
import LedgerModel
import LedgerStore

/// The filters of an export, as the casualties query takes them.
struct ExportFilters: ParsableArguments {
    @Option(help: "A city: any spelling, or its id.") var city: String?
    @Option(help: "One local date, YYYY-MM-DD (not with --from/--to).") var date: String?
    @Option(help: "From a local date (YYYY-MM-DD) or an instant (RFC 3339), inclusive.") var from: String?
    @Option(help: "To a local date (YYYY-MM-DD) or an instant (RFC 3339), inclusive.") var to: String?
    @Option(name: .customLong("as-of"), help: "As known at this instant (RFC 3339).") var asOf: String?
    @Flag(name: .customLong("include-merged"), help: "List strikes merged into others too.") var includeMerged = false

    func query(_ store: LedgerStore) throws -> ExportQuery {
        var q = ExportQuery()
        q.includeMerged = includeMerged
        if let city {
            do { q.cityId = try store.resolveCity(CityName(parsing: city), field: "--city").id } catch { throw CommandError("\(error)") }
        }
        if let date {
            guard from == nil, to == nil else { throw ValidationError("--date cannot be combined with --from or --to") }
            guard let d = CivilDate(date) else { throw ValidationError("--date must be a date YYYY-MM-DD") }
            q.fromDate = d; q.toDate = d
        }
        func bound(_ s: String, _ name: String) throws -> (CivilDate?, Timestamp?) {
            if let d = CivilDate(s) { return (d, nil) }
            if let t = Timestamp(rfc3339: s) { return (nil, t) }
            throw ValidationError("\(name) must be a date YYYY-MM-DD or an RFC 3339 date-time")
        }
        if let from { (q.fromDate, q.fromInstant) = try bound(from, "--from") }
        if let to { (q.toDate, q.toInstant) = try bound(to, "--to") }
        if let asOf {
            guard let t = Timestamp(rfc3339: asOf) else { throw ValidationError("--as-of must be an RFC 3339 date-time") }
            q.asOf = t
        }
        return q
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write strikes or revisions as CSV, GeoJSON or ACLED-shaped CSV, streamed in constant memory.")
    @OptionGroup var database: DatabaseOption
    @Option(help: "csv (strikes), revisions (CSV), geojson, or acled.") var format: String = "csv"
    @OptionGroup var filters: ExportFilters
    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of stdout.") var output: String?

    func run() throws {
        guard let format = ExportFormat(rawValue: format) else {
            throw ValidationError("--format must be csv, revisions, geojson or acled")
        }
        let store = try database.open()
        let query = try filters.query(store)
        let fd: Int32
        if let output {
            fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw CommandError("cannot write \(output): \(String(cString: strerror(errno)))") }
        } else {
            fd = 1
        }
        defer { if fd != 1 { close(fd) } }
        var failure: String?
        do {
            try store.writeExport(format, query, chunkBytes: 256 * 1024) { bytes in
                bytes.withUnsafeBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                        if n < 0 && errno == EINTR { continue }
                        if n <= 0 { failure = String(cString: strerror(errno)); return false }
                        offset += n
                    }
                    return true
                }
            }
        } catch {
            throw CommandError("\(error)")
        }
        if let failure { throw CommandError("cannot write \(output ?? "stdout"): \(failure)") }
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import reports from a CSV, GeoJSON or ACLED file (- for stdin), streamed, idempotent.",
        discussion: """
            Each row is a report, matched to a strike as POST /v1/reports matches (or a new \
            strike). Rows are checked one by one; the valid ones are written in batched \
            transactions; a row imported before (same source name, same content) is skipped. \
            Safe while a server runs on the same database: it sees the import within a second. \
            Exits with status 1 when any row was refused, unless --allow-errors.
            """)
    @OptionGroup var database: DatabaseOption
    @Argument(help: "The file to read, or - for stdin.") var file: String
    @Option(help: "csv (our strikes.csv or report columns), geojson, or acled.") var format: String = "csv"
    @Option(help: "The source of rows that name none, and the namespace of the rows' natural keys (default import).")
    var source: String?
    @Flag(name: .customLong("dry-run"), help: "Check and count everything; write nothing.") var dryRun = false
    @Flag(name: .customLong("allow-errors"), help: "Exit with status 0 even when rows were refused.") var allowErrors = false
    @Option(name: .customLong("match-window"), help: "How far apart, in seconds, a row and a strike may lie to match (default 21600).")
    var matchWindow: Int64?
    @Option(name: .customLong("batch-size"), help: "Rows per transaction (default 2000).") var batchSize: Int?

    func run() throws {
        guard let format = ImportFormat(rawValue: format) else { throw ValidationError("--format must be csv, geojson or acled") }
        let sourceName = source ?? "import"
        guard !sourceName.isEmpty, sourceName.count <= 200 else { throw ValidationError("--source must be 1 to 200 characters") }
        let fd: Int32 = file == "-" ? 0 : open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CommandError("cannot read \(file): \(String(cString: strerror(errno)))") }
        defer { if fd != 0 { close(fd) } }
        var info = stat()
        let total: Int? = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil

        // A page cache of 16 MiB for the import's writes: past ~50,000 rows the natural
        // keys' index (random SHA-256 keys) outgrows SQLite's 2 MiB default.
        let store = try database.open(tuning: .bulkImport)
        let importer = Importer(store: store, format: format, sourceName: sourceName,
                                window: matchWindow ?? 6 * 3600, dryRun: dryRun, batchSize: batchSize ?? 2000)
        let progress = Progress(total: total, tty: isatty(1) == 1)
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        let summary: ImportSummary
        do {
            summary = try importer.run({ () throws -> [UInt8] in
                while true {
                    let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { throw CommandError("cannot read \(file): \(String(cString: strerror(errno)))") }
                    return Array(chunk[0..<n])
                }
            }, progress: { s in progress.update(s) })
        } catch {
            progress.end()
            throw CommandError("\(error)")
        }
        progress.end()
        for e in summary.errors { FileHandle.standardError.write(Data("\(e)\n".utf8)) }
        if summary.refused > summary.errors.count {
            FileHandle.standardError.write(Data("... and more: \(summary.refused) rows refused in all\n".utf8))
        }
        print(summary.text + String(format: "\ntime: %.1f s (%.0f rows/s)", progress.elapsed,
                                    Double(summary.rowsRead) / max(progress.elapsed, 1e-9)))
        if summary.refused > 0 && !allowErrors {
            throw CommandError("\(summary.refused) row\(summary.refused == 1 ? " was" : "s were") refused (see above; --allow-errors to accept)")
        }
    }
}

/// An import's progress: a bar redrawn in place on a terminal; a plain line every few
/// seconds otherwise (a log, a pipe).
final class Progress {
    let total: Int?
    let tty: Bool
    let started = Date()
    private var lastDrawn = Date.distantPast
    private var drew = false

    init(total: Int?, tty: Bool) { self.total = total; self.tty = tty }

    var elapsed: Double { Date().timeIntervalSince(started) }

    func update(_ s: ImportSummary) {
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) >= (tty ? 0.1 : 5) else { return }
        lastDrawn = now
        let t = max(elapsed, 1e-9)
        let rate = Double(s.rowsRead) / t
        var eta = ""
        var fraction: Double?
        if let total, total > 0, s.bytesRead > 0 {
            let f = min(1, Double(s.bytesRead) / Double(total))
            fraction = f
            if f > 0 { eta = String(format: " ETA %.0fs", t / f - t) }
        }
        if tty {
            var bar = ""
            if let fraction {
                let width = 30, filled = Int(fraction * Double(width))
                bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
                    + String(format: "%3.0f%% ", fraction * 100)
            }
            let line = "\r\(bar)\(s.rowsRead) rows, \(Int(rate)) rows/s\(eta), \(s.refused) errors\u{1B}[K"
            FileHandle.standardOutput.write(Data(line.utf8))
            drew = true
        } else {
            let pct = fraction.map { String(format: " (%.0f%%)", $0 * 100) } ?? ""
            print("progress: \(s.rowsRead) rows\(pct), \(Int(rate)) rows/s\(eta), \(s.refused) errors")
            fflush(nil)
        }
    }

    func end() {
        if tty && drew { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }
}
