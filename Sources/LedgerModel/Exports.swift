/// One strike as the exports write it: the strike, its city, and the names of the sources
/// of its counting revisions (its own and those of strikes merged into it).
public struct ExportedStrike: Sendable, Equatable {
    public var strike: Strike
    public var city: City
    /// Distinct names, sorted by their UTF-8 bytes (the same order on every engine).
    public var sources: [String]

    public init(strike: Strike, city: City, sources: [String]) {
        self.strike = strike; self.city = city; self.sources = sources
    }

    /// The source names as one field's bytes, separated by `; `.
    public func appendSourceNames(to out: inout [UInt8]) {
        for (i, name) in sources.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ";")); out.append(UInt8(ascii: " ")) }
            CSV.appendBytes(of: name, to: &out)
        }
    }

    /// Where the strike is drawn: its own location, else its city's, and which one it is.
    public var point: (location: Location, fromStrike: Bool) {
        if let l = strike.location { return (l, true) }
        return (Location(latitude: city.latitude, longitude: city.longitude), false)
    }
}

/// One revision as `revisions.csv` writes it.
public struct ExportedRevision: Sendable, Equatable {
    public var revision: Revision
    public var city: CityRef
    public var occurredAt: Timestamp
    public var sourceURL: String?
    public init(revision: Revision, city: CityRef, occurredAt: Timestamp, sourceURL: String?) {
        self.revision = revision; self.city = city; self.occurredAt = occurredAt; self.sourceURL = sourceURL
    }
}

/// The export formats' columns and rows.
public enum ExportFormat: String, Sendable, CaseIterable {
    case csv, revisions, geojson, acled

    /// The file name offered in `Content-Disposition` and by the command line.
    public var fileName: String {
        switch self {
        case .csv: "strikes.csv"
        case .revisions: "revisions.csv"
        case .geojson: "strikes.geojson"
        case .acled: "strikes.acled.csv"
        }
    }

    public var contentType: String {
        switch self {
        case .csv, .revisions, .acled: "text/csv; charset=utf-8"
        case .geojson: "application/geo+json"
        }
    }

    /// Whether rows are revisions rather than strikes.
    public var isRevisions: Bool { self == .revisions }

    /// What precedes the first row.
    public var prologue: [UInt8] {
        var out: [UInt8] = []
        switch self {
        case .csv: CSV.appendRecord(Self.strikeColumns, to: &out)
        case .revisions: CSV.appendRecord(Self.revisionColumns, to: &out)
        case .acled: CSV.appendRecord(Self.acledColumns, to: &out)
        case .geojson: out.append(contentsOf: #"{"type":"FeatureCollection","features":["#.utf8)
        }
        return out
    }

    /// What follows the last row.
    public var epilogue: [UInt8] { self == .geojson ? Array("]}\n".utf8) : [] }

    public static let strikeColumns = [
        "id", "city", "region", "country", "occurred_at", "local_date", "time_precision", "latitude", "longitude",
        "weapons", "description", "damage", "killed", "injured", "toll_as_of", "revisions", "sources", "merged_into",
        "attack_id", "created_at", "updated_at",
    ]

    public static let revisionColumns = [
        "seq", "strike_id", "city", "occurred_at", "killed", "injured", "reported_at", "recorded_at", "source_id",
        "source", "source_kind", "source_url", "note", "voided", "voided_at", "void_reason",
    ]

    /// ACLED's columns, in ACLED's order.
    public static let acledColumns = [
        "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
        "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
        "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
        "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
    ]

    /// Appends one strike's row (or feature, with the separating comma when not the first).
    public func append(_ s: ExportedStrike, first: Bool, to out: inout [UInt8]) {
        switch self {
        case .csv: Self.appendStrikeRecord(s, to: &out)
        case .acled: Self.appendACLEDRecord(s, to: &out)
        case .geojson:
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(10)
            Self.appendFeature(s, to: &out)
        case .revisions: break
        }
    }

    public func append(_ r: ExportedRevision, to out: inout [UInt8]) {
        Self.appendRevisionRecord(r, to: &out)
    }

    /// A strike's row of `strikes.csv`.
    static func appendStrikeRecord(_ e: ExportedStrike, to out: inout [UInt8]) {
        let s = e.strike
        CSV.appendRecord(to: &out) { r in
            r.int(s.id); r.text(e.city.name); r.text(e.city.region); r.text(e.city.country); r.instant(s.occurredAt)
            r.date(s.localDate); r.text(s.timePrecision.rawValue); r.double(s.location?.latitude)
            r.double(s.location?.longitude); r.text(s.weapons.isEmpty ? nil : Weapon.encode(s.weapons))
            r.text(s.description); r.text(s.damage); r.int(s.toll.killed); r.int(s.toll.injured)
            r.instant(s.toll.asOf); r.int(s.toll.revisions); r.composed { e.appendSourceNames(to: &$0) }
            r.int(s.mergedInto); r.int(s.attackId); r.instant(s.createdAt); r.instant(s.updatedAt)
        }
    }

    /// A revision's row of `revisions.csv`.
    static func appendRevisionRecord(_ e: ExportedRevision, to out: inout [UInt8]) {
        let v = e.revision
        CSV.appendRecord(to: &out) { r in
            r.int(v.seq); r.int(v.strikeId); r.text(e.city.name); r.instant(e.occurredAt); r.int(v.killed)
            r.int(v.injured); r.instant(v.reportedAt); r.instant(v.recordedAt); r.int(v.source.id); r.text(v.source.name)
            r.text(v.source.kind.rawValue); r.text(e.sourceURL); r.text(v.note); r.text(v.voided == nil ? "false" : "true")
            r.instant(v.voided?.at); r.text(v.voided?.reason)
        }
    }

    /// ACLED's row for a strike, in `acledColumns` order. Columns whose value we do not
    /// hold stay empty.
    static func appendACLEDRecord(_ e: ExportedStrike, to out: inout [UInt8]) {
        let s = e.strike
        let country = Country(code: e.city.country)
        let missile = s.weapons.contains { $0.kind == .missile }
        let (point, _) = e.point
        CSV.appendRecord(to: &out) { r in
            r.composed { f in                                                  // event_id_cnty
                CSV.appendBytes(of: country?.alpha3 ?? e.city.country, to: &f)
                CSV.appendInteger(s.id, to: &f)
            }
            r.date(s.localDate)                                                // event_date
            r.int(s.localDate.year)                                            // year
            r.text("1")                                                        // time_precision: the day is known
            r.empty()                                                          // disorder_type
            r.text("Explosions/Remote violence")                               // event_type
            r.text(missile ? "Shelling/artillery/missile attack" : "Air/drone strike")
            r.empty(8)                                                         // actor1 ... civilian_targeting
            r.int(country?.numeric)                                            // iso
            r.empty()                                                          // region
            r.text(country?.name ?? e.city.country)                            // country
            r.text(e.city.region)                                              // admin1
            r.empty(2)                                                         // admin2, admin3
            r.text(e.city.name)                                                // location
            r.double(point.latitude)
            r.double(point.longitude)
            r.empty()                                                          // geo_precision
            r.composed { e.appendSourceNames(to: &$0) }                        // source
            r.empty()                                                          // source_scale
            r.composed { f in                                                  // notes: the description, the injured
                let description = s.description ?? ""
                CSV.appendBytes(of: description, to: &f)
                if let injured = s.toll.injured {
                    f.append(contentsOf: description.isEmpty ? Self.injuredOpening.dropFirst() : Self.injuredOpening[...])
                    CSV.appendInteger(injured, to: &f)
                    f.append(UInt8(ascii: "]"))
                }
            }
            r.int(s.toll.killed)                                               // fatalities
            r.composed { f in                                                  // tags: the attack wave it belongs to
                guard let attack = s.attackId else { return }
                f.append(contentsOf: "attack_id=".utf8)
                CSV.appendInteger(attack, to: &f)
            }
            r.int(s.updatedAt.seconds)                                         // timestamp: last change
        }
    }

    /// What precedes the injured count in ACLED's notes, after a description.
    static let injuredOpening = Array(" [injured: ".utf8)

    /// An RFC 7946 Feature: a Point at the strike's location or else its city's.
    public static func feature(_ e: ExportedStrike) -> [UInt8] {
        var out: [UInt8] = []
        appendFeature(e, to: &out)
        return out
    }

    /// Appends the strike's Feature to `out`, written in place.
    public static func appendFeature(_ e: ExportedStrike, to out: inout [UInt8]) {
        let s = e.strike
        let (point, fromStrike) = e.point
        JSONWriter.append(to: &out) { json in
            json.object { f in
                f.field("type", "Feature")
                f.field("id", s.id)
                f.key("geometry")
                f.object { g in
                    g.field("type", "Point")
                    g.key("coordinates")
                    g.array { c in c.double(point.longitude); c.double(point.latitude) }
                }
                f.key("properties")
                f.object { p in
                    p.field("id", s.id)
                    p.field("city", e.city.name)
                    p.field("city_id", e.city.id)
                    p.field("region", e.city.region)
                    p.field("country", e.city.country)
                    p.field("occurred_at", s.occurredAt)
                    p.field("local_date", s.localDate)
                    p.field("time_precision", s.timePrecision.rawValue)
                    p.field("location_source", fromStrike ? "strike" : "city")
                    p.key("weapons")
                    p.array { a in for w in s.weapons { w.write(to: &a) } }
                    p.field("description", s.description)
                    p.field("damage", s.damage)
                    p.field("killed", s.toll.killed)
                    p.field("injured", s.toll.injured)
                    p.field("toll_as_of", s.toll.asOf)
                    p.field("revisions", s.toll.revisions)
                    p.key("sources")
                    p.array { a in for name in e.sources { a.string(name) } }
                    p.field("merged_into", s.mergedInto)
                    p.field("attack_id", s.attackId)
                    p.field("created_at", s.createdAt)
                    p.field("updated_at", s.updatedAt)
                }
            }
        }
    }
}

/// The countries of the gazetteer, for ACLED's columns: ISO 3166 alpha-3, numeric, name.
public struct Country: Sendable, Equatable {
    public var alpha3: String
    public var numeric: Int
    public var name: String

    public init?(code: String) {
        // The gazetteer's codes are upper case already: no case mapping for them.
        guard let country = Self.named(code) ?? Self.named(code.uppercased()) else { return nil }
        self = country
    }

    private init(_ alpha3: String, _ numeric: Int, _ name: String) {
        self.alpha3 = alpha3; self.numeric = numeric; self.name = name
    }

    private static func named(_ code: String) -> Country? {
        switch code {
        case "UA", "UKR": Country("UKR", 804, "Ukraine")
        case "RU", "RUS": Country("RUS", 643, "Russia")
        case "BY", "BLR": Country("BLR", 112, "Belarus")
        case "MD", "MDA": Country("MDA", 498, "Moldova")
        case "PL", "POL": Country("POL", 616, "Poland")
        case "RO", "ROU": Country("ROU", 642, "Romania")
        default: nil
        }
    }
}
