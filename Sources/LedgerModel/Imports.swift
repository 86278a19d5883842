/// The files `import` reads.
public enum ImportFormat: String, Sendable, CaseIterable {
    /// A CSV with a header naming report fields: `strikes.csv` as exported, or any file with
    /// columns city, occurred_at, and optionally time_precision, latitude, longitude,
    /// weapons, description, damage, killed, injured, reported_at (or toll_as_of), note,
    /// source (or sources), source_kind, source_url. Other columns are ignored.
    case csv
    /// An RFC 7946 FeatureCollection as exported (`strikes.geojson`).
    case geojson
    /// ACLED's CSV columns.
    case acled
}

/// One row of an import file, read and checked: the report it states, and what identifies
/// it for idempotency.
public struct ImportRow: Sendable {
    /// The line the row starts on (1-based).
    public var line: Int
    public var report: Report
    /// For a row that gives only a day (ACLED): the strike is placed at noon, local time
    /// in its city, once the city is known.
    public var localDate: CivilDate?
    /// The row names a strike of the exporting database (`strikes.csv`'s id): it becomes a
    /// strike of its own, never matched to another by time.
    public var alwaysNew: Bool
    /// Further sources the row names (ACLED lists several): created, not attributed.
    public var moreSources: [NewSource]
    /// The bytes the row's natural key is a hash of: the import's source and the row's content.
    public var keyMaterial: [UInt8]
    /// How the file calls each of the report's fields, for error messages.
    public var fieldNames: [String: String]

    public func fileField(_ reportField: String) -> String {
        if let n = fieldNames[reportField] { return n }
        for (k, v) in fieldNames where reportField.hasPrefix(k + ".") || reportField.hasPrefix(k + "[") { return v }
        return reportField
    }
}

/// A row that cannot be imported: its line, the field at fault, why, and (for an unknown
/// city) the closest known names.
public struct ImportRowError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var field: String
    public var message: String
    public var suggestions: [String]?
    public init(line: Int, field: String, message: String, suggestions: [String]? = nil) {
        self.line = line; self.field = field; self.message = message; self.suggestions = suggestions
    }
    public var description: String {
        var s = "line \(line): \(field) \(message)"
        if let suggestions, !suggestions.isEmpty { s += " (did you mean " + suggestions.joined(separator: ", ") + "?)" }
        return s
    }
}

/// Turns records of a CSV file (after its header) into report rows.
public struct CSVRowMapper: Sendable {
    public let format: ImportFormat
    public let sourceName: String
    private let index: [String: Int]
    private let header: [String]

    /// - Parameter sourceName: the source of rows that name none, and the namespace of
    ///   the rows' natural keys.
    public init(format: ImportFormat, header: [String], sourceName: String) throws(ImportRowError) {
        self.format = format
        self.sourceName = sourceName
        self.header = header
        var index: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            let key = name.trimmingSpaces.lowercased()
            if index[key] == nil { index[key] = i }
        }
        self.index = index
        let required = format == .acled ? ["event_date", "location"] : ["city", "occurred_at"]
        for name in required where index[name] == nil {
            throw ImportRowError(line: 1, field: name, message: "is a required column; the header has " + header.joined(separator: ", "))
        }
    }

    private func value(_ name: String, _ r: CSVRecord) -> String? {
        guard let i = index[name], i < r.fields.count else { return nil }
        let v = r.fields[i]
        return v.isEmpty ? nil : v
    }

    /// The row, or the reasons it cannot be imported.
    public func row(_ record: CSVRecord, now: Timestamp) -> Result<ImportRow, ValidationFailure> {
        if record.fields.count != header.count {
            return .failure(ValidationFailure([ImportRowError(line: record.line, field: "row",
                message: "has \(record.fields.count) fields where the header has \(header.count)")]))
        }
        var material = Array(format.rawValue.utf8) + [1] + Array(sourceName.utf8)
        for f in record.fields { material.append(0x1F); material.append(contentsOf: f.utf8) }
        switch format {
        case .acled: return acledRow(record, now: now, material: material)
        default: return csvRow(record, now: now, material: material)
        }
    }

    private func csvRow(_ r: CSVRecord, now: Timestamp, material: [UInt8]) -> Result<ImportRow, ValidationFailure> {
        var members: [(key: String, value: JSONValue)] = []
        var names: [String: String] = [:]
        var errors: [ImportRowError] = []
        func put(_ key: String, _ column: String, _ value: JSONValue?) {
            names[key] = column
            if let value { members.append((key, value)) }
        }
        put("city", "city", value("city", r).map(JSONValue.string))
        put("occurred_at", "occurred_at", value("occurred_at", r).map(JSONValue.string))
        put("time_precision", "time_precision", value("time_precision", r).map(JSONValue.string))
        let lat = value("latitude", r), lon = value("longitude", r)
        if lat != nil || lon != nil {
            let location: JSONValue = .object([("latitude", Self.number(lat)), ("longitude", Self.number(lon))])
            put("location", lat == nil ? "latitude" : "longitude", location)
        }
        if let w = value("weapons", r) {
            do {
                put("weapons", "weapons", try JSONValue.parse(Array(w.utf8)))
            } catch {
                errors.append(ImportRowError(line: r.line, field: "weapons", message: "must be a JSON array of weapons"))
            }
        }
        put("description", "description", value("description", r).map(JSONValue.string))
        put("damage", "damage", value("damage", r).map(JSONValue.string))
        put("killed", "killed", value("killed", r).map(Self.number))
        put("injured", "injured", value("injured", r).map(Self.number))
        if let t = value("reported_at", r) { put("reported_at", "reported_at", .string(t)) } else {
            put("reported_at", "toll_as_of", value("toll_as_of", r).map(JSONValue.string))
        }
        put("note", "note", value("note", r).map(JSONValue.string))
        var sources = (value("source", r) ?? value("sources", r)).map(Self.splitSources) ?? []
        if sources.isEmpty { sources = [sourceName] }
        var source: [(key: String, value: JSONValue)] = [("name", .string(sources[0])),
                                                         ("kind", .string(value("source_kind", r) ?? "other"))]
        if let url = value("source_url", r) { source.append(("url", .string(url))) }
        put("source", index["source"] != nil ? "source" : "sources", .object(source))
        let more = sources.dropFirst().map { NewSource(name: $0, kind: .other) }
        return finish(r, members: members, names: names, errors: errors, alwaysNew: value("id", r) != nil,
                      localDate: nil, more: Array(more), now: now, material: material)
    }

    private func acledRow(_ r: CSVRecord, now: Timestamp, material: [UInt8]) -> Result<ImportRow, ValidationFailure> {
        var members: [(key: String, value: JSONValue)] = []
        var names: [String: String] = ["city": "location", "occurred_at": "event_date", "killed": "fatalities",
                                       "note": "notes", "description": "notes", "source": "source", "location": "latitude",
                                       "injured": "notes"]
        var errors: [ImportRowError] = []
        if let place = value("location", r) { members.append(("city", .string(place))) }
        var date: CivilDate?
        if let d = value("event_date", r) {
            date = Self.acledDate(d)
            if let date {
                // A placeholder the importer replaces with noon in the city's zone.
                members.append(("occurred_at", .string(Timestamp(seconds: date.daysSinceEpoch * 86400).rfc3339)))
            } else {
                errors.append(ImportRowError(line: r.line, field: "event_date", message: "must be a date such as 2024-01-31 or 31 January 2024"))
                // One error for the field: the report's own check would name it again.
                members.append(("occurred_at", .string(Timestamp(seconds: 0).rfc3339)))
            }
        }
        if let p = value("time_precision", r), !["1", "2", "3"].contains(p) {
            errors.append(ImportRowError(line: r.line, field: "time_precision", message: "must be 1, 2 or 3"))
        }
        members.append(("time_precision", .string("day")))
        if let f = value("fatalities", r) { members.append(("killed", Self.number(f))) }
        if let notes = value("notes", r) {
            // Our own ACLED export appends the injured count to the description.
            var text = notes
            if notes.hasSuffix("]"), let open = notes.ranges(of: "[injured: ").last,
               let n = Int64(notes[open.upperBound..<notes.index(before: notes.endIndex)]) {
                members.append(("injured", .integer(n)))
                text = String(notes[..<open.lowerBound]).trimmingSpaces
            }
            if !text.isEmpty {
                members.append(("description", .string(text)))
            }
            members.append(("note", .string(notes)))
        }
        let lat = value("latitude", r), lon = value("longitude", r)
        if lat != nil || lon != nil {
            members.append(("location", .object([("latitude", Self.number(lat)), ("longitude", Self.number(lon))])))
        }
        var sources = value("source", r).map(Self.splitSources) ?? []
        if sources.isEmpty { sources = [sourceName] }
        members.append(("source", .object([("name", .string(sources[0])), ("kind", .string("other"))])))
        names["source"] = "source"
        let more = sources.dropFirst().map { NewSource(name: $0, kind: .other) }
        var result = finish(r, members: members, names: names, errors: errors, alwaysNew: false, localDate: date,
                            more: Array(more), now: now, material: material)
        if case .success(var row) = result {
            // ACLED's coordinates are usually the place's own: kept only when they differ
            // from the city's, which the importer decides (it knows the city).
            row.localDate = date
            result = .success(row)
        }
        return result
    }

    /// ACLED dates: 2024-01-31, 31 January 2024, 31-January-2024.
    static func acledDate(_ s: String) -> CivilDate? {
        if let d = CivilDate(s) { return d }
        let parts = s.split(whereSeparator: { $0 == " " || $0 == "-" })
        guard parts.count == 3, let day = Int(parts[0]), let year = Int(parts[2]) else { return nil }
        let months = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                      "october", "november", "december"]
        let m = parts[1].lowercased()
        guard let month = months.firstIndex(where: { $0 == m || ($0.hasPrefix(m) && m.count >= 3) }) else { return nil }
        return CivilDate(year: year, month: month + 1, day: day)
    }

    static func splitSources(_ s: String) -> [String] {
        s.split(separator: ";").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    }

    /// A number as JSON: an integer, a decimal, or the text as it is (for the checks to refuse).
    static func number(_ s: String?) -> JSONValue {
        guard let s = s?.trimmingSpaces else { return .null }
        if let i = Int64(s) { return .integer(i) }
        // Digits, a point, signs and exponents only (no "inf", "nan" or hexadecimal): a
        // text `Double` reads holds no other character, so bytes are checked, not Characters.
        if let d = Double(s), d.isFinite, s.utf8.allSatisfy({ (48...57).contains($0) || $0 == 46 || $0 == 45 || $0 == 101 || $0 == 69 || $0 == 43 }) {
            return .number(d)
        }
        return .string(s)
    }

    private func finish(_ r: CSVRecord, members: [(key: String, value: JSONValue)], names: [String: String],
                        errors: [ImportRowError], alwaysNew: Bool, localDate: CivilDate?, more: [NewSource],
                        now: Timestamp, material: [UInt8]) -> Result<ImportRow, ValidationFailure> {
        RowChecks.row(line: r.line, members: members, names: names, errors: errors, alwaysNew: alwaysNew,
                      localDate: localDate, more: more, now: now, material: material)
    }
}

/// Every reason a row was refused.
public struct ValidationFailure: Error, Sendable {
    public var errors: [ImportRowError]
    public init(_ errors: [ImportRowError]) { self.errors = errors }
}

enum RowChecks {
    /// Checks a row's report fields by the rules of POST /v1/reports.
    static func row(line: Int, members: [(key: String, value: JSONValue)], names: [String: String], errors: [ImportRowError],
                    alwaysNew: Bool, localDate: CivilDate?, more: [NewSource], now: Timestamp,
                    material: [UInt8]) -> Result<ImportRow, ValidationFailure> {
        var errors = errors
        var row = ImportRow(line: line, report: Report(city: nil, occurredAt: nil, source: .id(0)), localDate: localDate,
                            alwaysNew: alwaysNew, moreSources: more, keyMaterial: material, fieldNames: names)
        do {
            row.report = try Report.decode(.object(members), now: now)
        } catch {
            for e in error.errors {
                errors.append(ImportRowError(line: line, field: row.fileField(e.field), message: e.message, suggestions: e.suggestions))
            }
        }
        if !row.report.hasFigures && row.report.city == nil && errors.isEmpty {
            errors.append(ImportRowError(line: line, field: names["city"] ?? "city", message: "is required"))
        }
        return errors.isEmpty ? .success(row) : .failure(ValidationFailure(errors))
    }
}

/// Turns the Features of a GeoJSON FeatureCollection into report rows.
public struct GeoJSONRowMapper: Sendable {
    public let sourceName: String
    public init(sourceName: String) { self.sourceName = sourceName }

    public func row(_ feature: [UInt8], line: Int, now: Timestamp) -> Result<ImportRow, ValidationFailure> {
        let value: JSONValue
        do {
            value = try JSONValue.parse(feature)
        } catch {
            return .failure(ValidationFailure([ImportRowError(line: line, field: "feature", message: "is not valid JSON: \(error.reason)")]))
        }
        guard case .string("Feature")? = value["type"], case .object(let props)? = value["properties"] else {
            return .failure(ValidationFailure([ImportRowError(line: line, field: "feature", message: "must be a Feature with properties")]))
        }
        var p: [String: JSONValue] = [:]
        for (k, v) in props { p[k] = v }
        var members: [(key: String, value: JSONValue)] = []
        var names: [String: String] = ["location": "geometry", "reported_at": "properties.toll_as_of"]
        for k in ["city", "occurred_at", "time_precision", "weapons", "description", "damage", "killed", "injured", "note"] {
            names[k] = "properties." + k
            if let v = p[k], v != .null { members.append((k, v)) }
        }
        if let v = p["reported_at"] ?? p["toll_as_of"], v != .null { members.append(("reported_at", v)) }
        if case .array(let weapons)? = p["weapons"], weapons.isEmpty { members.removeAll { $0.key == "weapons" } }
        var errors: [ImportRowError] = []
        if case .string("city")? = p["location_source"] {
            // Drawn at its city: the strike has no location of its own.
        } else if let g = value["geometry"], g != .null {
            if case .string("Point")? = g["type"], case .array(let c)? = g["coordinates"], c.count >= 2 {
                members.append(("location", .object([("latitude", c[1]), ("longitude", c[0])])))
            } else {
                errors.append(ImportRowError(line: line, field: "geometry", message: "must be a Point"))
            }
        }
        var sources: [String] = []
        if case .array(let list)? = p["sources"] { sources = list.compactMap { if case .string(let s) = $0 { s } else { nil } } }
        if case .string(let s)? = p["source"] { sources = CSVRowMapper.splitSources(s) }
        if sources.isEmpty { sources = [sourceName] }
        members.append(("source", .object([("name", .string(sources[0])), ("kind", .string("other"))])))
        names["source"] = "properties.sources"
        var material = Array("geojson".utf8) + [1] + Array(sourceName.utf8) + [0x1F]
        material += feature
        let hasId = p["id"].map { $0 != .null } ?? (value["id"].map { $0 != .null } ?? false)
        return RowChecks.row(line: line, members: members, names: names, errors: errors, alwaysNew: hasId, localDate: nil,
                             more: sources.dropFirst().map { NewSource(name: $0, kind: .other) }, now: now, material: material)
    }
}

/// Reads the Features of a GeoJSON FeatureCollection one at a time, holding one chunk of
/// input and one Feature in memory: the `features` array is split by its brackets, each
/// element handed over as bytes with the line it starts on.
public final class GeoJSONFeatureReader {
    private let source: CSVReader.Source
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    public private(set) var line = 1
    public private(set) var bytesRead = 0
    public let maxFeatureBytes: Int
    private var inFeatures = false
    private var done = false
    private var depth = 0
    private var lastString: [UInt8] = []
    private var key: [UInt8] = []

    public init(maxFeatureBytes: Int = 1 << 22, source: @escaping CSVReader.Source) {
        self.source = source
        self.maxFeatureBytes = maxFeatureBytes
    }

    private func nextByte() throws(CSVError) -> UInt8? {
        if position < buffer.count { defer { position += 1 }; return buffer[position] }
        if atEnd { return nil }
        do { buffer = try source() } catch { throw CSVError(line: line, reason: "cannot read the input: \(error)") }
        position = 0
        if buffer.isEmpty { atEnd = true; return nil }
        bytesRead += buffer.count
        position = 1
        return buffer[0]
    }

    /// Reads a string's bytes after its opening quote (escapes kept as written).
    private func string(into out: inout [UInt8], capture: Bool) throws(CSVError) {
        var escaped = false
        while let b = try nextByte() {
            if capture { out.append(b) }
            if b == 10 { line += 1 }
            if escaped { escaped = false; continue }
            if b == 92 { escaped = true; continue }
            if b == 34 { return }
        }
        throw CSVError(line: line, reason: "a string is not closed before the end of the input")
    }

    /// The next Feature's bytes and line, or nil after the last.
    public func next() throws(CSVError) -> (bytes: [UInt8], line: Int)? {
        if done { return nil }
        while let b = try nextByte() {
            switch b {
            case 10: line += 1
            case 34:
                var s: [UInt8] = []
                try string(into: &s, capture: true)
                lastString = Array(s.dropLast())
            case 58: // :
                if depth == 1 { key = lastString }
            case 123, 91: // { [
                if inFeatures && depth == 2 && b == 123 {
                    return try element(startLine: line)
                }
                depth += 1
                if b == 91 && depth == 2 && key == Array("features".utf8) { inFeatures = true }
            case 125, 93: // } ]
                depth -= 1
                if inFeatures && depth == 1 { inFeatures = false; done = true; return nil }
            default: break
            }
        }
        if depth != 0 { throw CSVError(line: line, reason: "the document ends before its brackets close") }
        if !done { throw CSVError(line: line, reason: "is not a FeatureCollection: no features array") }
        return nil
    }

    private func element(startLine: Int) throws(CSVError) -> (bytes: [UInt8], line: Int) {
        var out: [UInt8] = [123]
        var d = 1
        while let b = try nextByte() {
            out.append(b)
            if out.count > maxFeatureBytes { throw CSVError(line: startLine, reason: "a Feature is longer than \(maxFeatureBytes) bytes") }
            switch b {
            case 10: line += 1
            case 34: try string(into: &out, capture: true)
            case 123, 91: d += 1
            case 125, 93:
                d -= 1
                if d == 0 { return (out, startLine) }
            default: break
            }
        }
        throw CSVError(line: startLine, reason: "a Feature is not closed before the end of the input")
    }
}

extension String {
    /// The text without the whitespace (by Character) around it.
    var trimmingSpaces: String {
        // Most fields have none: a first and a last byte that are ASCII and not
        // whitespace settle it without looking at Characters.
        if let f = utf8.first, let l = utf8.last, f < 0x80, l < 0x80, !Self.isASCIISpace(f), !Self.isASCIISpace(l) {
            return String(self)
        }
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }

    /// The ASCII bytes `Character.isWhitespace` holds true for: tab to carriage return, space.
    private static func isASCIISpace(_ b: UInt8) -> Bool { (9...13).contains(b) || b == 32 }
}
