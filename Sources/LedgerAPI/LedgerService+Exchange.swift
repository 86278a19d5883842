import Foundation
import HTTPTypes
import LedgerModel
import LedgerStore
import SocketHTTP

extension LedgerService {
    /// `GET /v1/export/...`: the strikes (or revisions) a casualties query covers, streamed
    /// with chunked encoding as they are read, in constant memory: the writer waits while
    /// the client has not taken the last megabyte. The `ETag` follows the feed's head and
    /// the data version, so a client polling an unchanged ledger gets 304 without a query.
    func export(_ x: Exchange, _ format: ExportFormat) throws -> Reply {
        let q = try x.query(["city", "date", "from", "to", "as_of", "include_merged"])
        let range = try DateRange(q)
        var query = ExportQuery()
        query.fromDate = range.fromDate; query.toDate = range.toDate
        query.fromInstant = range.fromInstant; query.toInstant = range.toInstant
        query.asOf = try q.instant("as_of")
        switch q.string("include_merged") {
        case nil, "false": query.includeMerged = false
        case "true": query.includeMerged = true
        default: throw APIError.badRequest("query parameter include_merged must be true or false")
        }
        query.cityId = try q.string("city").map { name throws(StoreError) in try store.resolveCity(CityName(parsing: name)).id }

        // Read before the snapshot: a write landing in between makes the tag older than
        // the body, never newer, so a 304 never hides a change.
        let etag = "\"x\(store.changes.head)-\(store.dataVersion)-\(Self.bootNonce)-\(ETag.digest(Array((format.rawValue + "?" + x.request.query).utf8)).filter { $0 != "\"" })\""
        var head = HTTPResponse(status: .ok)
        head.headerFields[.eTag] = etag
        head.headerFields[.cacheControl] = "no-cache"
        if let inm = x.header(.ifNoneMatch), ETag.matches(inm, etag) {
            return .response(Answer.notModified(etag: etag))
        }
        head.headerFields[.contentType] = format.contentType
        head.headerFields[.contentDisposition] = "attachment; filename=\"\(format.fileName)\""
        guard streamPermits.take() else { throw streamPermits.refusal }
        let stream = ResponseStream(maxBufferedBytes: 1 << 20, blocking: true)
        OutputFilters().prepare(&head, stream, for: x.request.head)
        let exporter = self.store
        let logger = self.logger
        let permits = streamPermits
        let frozen = query
        let thread = Thread {
            defer { permits.giveBack() }
            do {
                try exporter.writeExport(format, frozen) { bytes in stream.write(bytes) }
                stream.finish()
            } catch {
                logger.error("export \(format.fileName) failed midway: \(error)")
                stream.abort()
            }
        }
        thread.name = "strikeledger-export"
        thread.start()
        return .stream(head, stream)
    }

    /// Tells this process's answers apart from another's (or a restarted one's) that had
    /// the same head and data version.
    static let bootNonce: String = String(UInt32.random(in: 0...UInt32.max), radix: 36)

    /// `POST /v1/imports` (editor): a CSV (`text/csv`: our own strikes.csv columns, or
    /// ACLED's, told apart by the header) or GeoJSON (`application/geo+json`) body,
    /// imported as `strikeledger import` does; answers the summary.
    func importFile(_ x: Exchange) throws -> Response {
        let q = try x.query(["format", "source", "dry_run"])
        guard let type = x.header(.contentType) else { throw APIError.unsupportedMediaType }
        let mediaType = type.split(separator: ";", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces).lowercased()
        var format: ImportFormat
        switch mediaType {
        case "text/csv": format = .csv
        case "application/geo+json": format = .geojson
        default: throw APIError.unsupportedMediaType
        }
        // An explicit format wins over the media type (a body it cannot read is reported
        // row by row in the summary).
        if let f = try q.enumeration("format", ImportFormat.self) {
            format = f
        } else if format == .csv, Self.looksLikeACLED(x.request.body) {
            format = .acled
        }
        let dryRun: Bool
        switch q.string("dry_run") {
        case nil, "false": dryRun = false
        case "true": dryRun = true
        default: throw APIError.badRequest("query parameter dry_run must be true or false")
        }
        let sourceName = q.string("source") ?? "import"
        guard sourceName.count <= 200, !sourceName.unicodeScalars.contains("\u{0}") else {
            throw APIError.badRequest("query parameter source must be a name of at most 200 characters, without U+0000")
        }
        // Smaller batches than the command line's 2,000: each is one write among the
        // server's others (reports wait behind it), and its statement journal is kept in
        // memory until its commit (`SQLiteStore.WriterTuning.serving`).
        let importer = Importer(store: store, format: format, sourceName: sourceName, window: configuration.matchWindow,
                                dryRun: dryRun, batchSize: Self.importBatchOverHTTP)
        var body: [UInt8]? = x.request.body
        let summary = try importer.run { () -> [UInt8] in
            defer { body = nil }
            return body ?? []
        }
        return Answer.json(.ok, summary)
    }

    /// Rows per batch (one write, one commit) of `POST /v1/imports`.
    static let importBatchOverHTTP = 250

    /// Whether a CSV's header is ACLED's (event_date and location, no city).
    static func looksLikeACLED(_ body: [UInt8]) -> Bool {
        let firstLine = body.prefix(4096).split(separator: 10, maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        let header = String(decoding: firstLine, as: UTF8.self).lowercased()
        let names = Set(header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "\"\u{FEFF}"))) })
        return names.contains("event_date") && names.contains("location") && !names.contains("city")
    }
}

extension HTTPField.Name {
    static let contentDisposition = HTTPField.Name("Content-Disposition")!
}
