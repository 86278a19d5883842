/// How exactly `occurred_at` is known.
public enum TimePrecision: String, Sendable, CaseIterable {
    case minute, hour, day
}

/// What hit: a kind, optionally a model and a count.
public struct Weapon: Sendable, Equatable, JSONWritable {
    public enum Kind: String, Sendable, CaseIterable {
        case drone, missile, guided_bomb, rocket, artillery, other
    }
    public var kind: Kind
    public var model: String?
    public var count: Int64?

    public init(kind: Kind, model: String? = nil, count: Int64? = nil) {
        self.kind = kind; self.model = model; self.count = count
    }

    public func write(to json: inout JSONWriter) {
        json.object { o in o.field("kind", kind.rawValue); o.field("model", model); o.field("count", count) }
    }

    static func readList(_ key: String, from r: inout ObjectReader) -> [Weapon]? {
        guard let v = r.value(key), v != .null else { return nil }
        guard case .array(let items) = v, items.count <= 50 else {
            r.fail(key, "must be an array of at most 50 weapons"); return nil
        }
        var weapons: [Weapon] = []
        for (i, item) in items.enumerated() {
            guard var w = r.nested(item, prefix: "\(key)[\(i)]", allowed: ["kind", "model", "count"]) else { continue }
            let kind = w.enumeration("kind", Kind.self, required: true)
            let model = w.text("model", maxLength: 200)
            let count = w.int("count", range: 1...100_000)
            r.absorb(w)
            if let kind { weapons.append(Weapon(kind: kind, model: model, count: count)) }
        }
        return weapons
    }

    /// Encodes a weapon list for storage.
    public static func encode(_ weapons: [Weapon]) -> String {
        var w = JSONWriter()
        w.array { a in for weapon in weapons { weapon.write(to: &a) } }
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// Decodes a stored weapon list (as written by `encode`).
    public static func decode(_ text: String) -> [Weapon] {
        // Most strikes name no weapon: no parse for the empty list.
        if text == "[]" { return [] }
        guard case .array(let items)? = try? JSONValue.parse(Array(text.utf8)) else { return [] }
        return items.compactMap { item in
            guard case .string(let k)? = item["kind"], let kind = Kind(rawValue: k) else { return nil }
            var model: String?
            if case .string(let m)? = item["model"] { model = m }
            var count: Int64?
            if case .integer(let c)? = item["count"] { count = c }
            return Weapon(kind: kind, model: model, count: count)
        }
    }
}

/// A point, WGS 84 degrees.
public struct Location: Sendable, Equatable, JSONWritable {
    public var latitude: Double
    public var longitude: Double
    public init(latitude: Double, longitude: Double) { self.latitude = latitude; self.longitude = longitude }
    public func write(to json: inout JSONWriter) {
        json.object { o in o.field("latitude", latitude); o.field("longitude", longitude) }
    }

    static let fields: Set<String> = ["latitude", "longitude"]

    static func read(_ key: String, from r: inout ObjectReader) -> Location? {
        guard let v = r.value(key), v != .null else { return nil }
        guard var l = r.nested(v, prefix: key, allowed: fields) else { return nil }
        let lat = l.double("latitude", required: true, range: -90...90)
        let lon = l.double("longitude", required: true, range: -180...180)
        r.absorb(l)
        guard let lat, let lon else { return nil }
        return Location(latitude: lat, longitude: lon)
    }
}

/// One strike on one city at one time, with its derived toll.
public struct Strike: Sendable, Equatable, JSONWritable {
    public var id: Int64
    public var city: CityRef
    public var occurredAt: Timestamp
    public var timePrecision: TimePrecision
    /// The date of `occurredAt` in the city's time zone.
    public var localDate: CivilDate
    public var location: Location?
    public var weapons: [Weapon]
    public var description: String?
    public var damage: String?
    public var toll: Toll
    public var mergedInto: Int64?
    public var version: Int64
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// The attack (wave) the strike belongs to, if any.
    public var attackId: Int64?
    /// Who says what: each source's current figures, newest first. Only in a strike's own
    /// representation (`GET /v1/strikes/{id}`, an attack's strikes); nil in lists.
    public var statements: [Statement]?
    /// `toll.range`: the lowest and highest current statement of each figure.
    public var tollRange: TollRange

    public init(id: Int64, city: CityRef, occurredAt: Timestamp, timePrecision: TimePrecision, localDate: CivilDate,
                location: Location?, weapons: [Weapon], description: String?, damage: String?, toll: Toll,
                mergedInto: Int64?, version: Int64, createdAt: Timestamp, updatedAt: Timestamp,
                attackId: Int64? = nil, statements: [Statement]? = nil, tollRange: TollRange = TollRange()) {
        self.attackId = attackId; self.statements = statements; self.tollRange = tollRange
        self.id = id; self.city = city; self.occurredAt = occurredAt; self.timePrecision = timePrecision
        self.localDate = localDate; self.location = location; self.weapons = weapons
        self.description = description; self.damage = damage; self.toll = toll; self.mergedInto = mergedInto
        self.version = version; self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    /// The entity tag of this representation: it changes exactly when `version` does.
    public var etag: String { "\"v\(version)\"" }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("id", id)
            o.key("city"); city.write(to: &o)
            o.field("occurred_at", occurredAt)
            o.field("time_precision", timePrecision.rawValue)
            o.field("local_date", localDate)
            o.key("location")
            if let location { location.write(to: &o) } else { o.null() }
            o.key("weapons")
            o.array { a in for w in weapons { w.write(to: &a) } }
            o.field("description", description)
            o.field("damage", damage)
            o.key("toll"); toll.write(to: &o, range: tollRange)
            o.field("merged_into", mergedInto)
            o.field("attack_id", attackId)
            if let statements {
                o.key("statements")
                o.array { a in for s in statements { s.write(to: &a) } }
            }
            o.field("version", version)
            o.field("created_at", createdAt)
            o.field("updated_at", updatedAt)
        }
    }
}

/// How a request names a city: by id or by any spelling.
public enum CityName: Sendable, Equatable {
    case id(Int64)
    case name(String)

    /// Reads a `city` field that may be a name, an alias, or an id (number or digits).
    public static func read(_ key: String, from r: inout ObjectReader, required: Bool) -> CityName? {
        guard let v = r.value(key), v != .null else {
            if required { r.fail(key, "is required") }
            return nil
        }
        if let i = v.wholeNumber, i >= 1 { return .id(i) }
        switch v {
        case .string:
            guard let s = r.text(key, maxLength: 200) else { return nil }
            return CityName(parsing: s)
        default:
            r.fail(key, "must be a city name or id"); return nil
        }
    }

    /// Digits are an id; anything else a name.
    public init(parsing s: String) {
        if let i = Int64(s), i >= 1, s.allSatisfy(\.isASCII) { self = .id(i) } else { self = .name(s) }
    }
}

/// A strike to be created (`POST /v1/strikes`).
public struct NewStrike: Sendable, Equatable {
    public var city: CityName
    public var occurredAt: Timestamp
    public var timePrecision: TimePrecision
    public var location: Location?
    public var weapons: [Weapon]
    public var description: String?
    public var damage: String?
    /// The attack the new strike belongs to.
    public var attackId: Int64?

    public init(city: CityName, occurredAt: Timestamp, timePrecision: TimePrecision = .minute, location: Location? = nil,
                weapons: [Weapon] = [], description: String? = nil, damage: String? = nil, attackId: Int64? = nil) {
        self.attackId = attackId
        self.city = city; self.occurredAt = occurredAt; self.timePrecision = timePrecision
        self.location = location; self.weapons = weapons; self.description = description; self.damage = damage
    }

    public static func decode(_ body: JSONValue, now: Timestamp) throws(ValidationError) -> NewStrike {
        var r = try ObjectReader(body, allowed: ["city", "occurred_at", "time_precision", "location", "weapons", "description", "damage",
                                                 "attack_id"])
        let city = CityName.read("city", from: &r, required: true)
        let attackId = r.id("attack_id")
        let occurredAt = r.instant("occurred_at", required: true)
        if let occurredAt { checkNotFuture(occurredAt, "occurred_at", now: now, in: &r) }
        let precision = r.enumeration("time_precision", TimePrecision.self) ?? .minute
        let location = Location.read("location", from: &r)
        let weapons = Weapon.readList("weapons", from: &r) ?? []
        let description = r.text("description", maxLength: 10_000)
        let damage = r.text("damage", maxLength: 10_000)
        try r.finish()
        return NewStrike(city: city!, occurredAt: occurredAt!, timePrecision: precision, location: location,
                         weapons: weapons, description: description, damage: damage, attackId: attackId)
    }
}

/// How far in the future a stated time may lie (clock skew between sources and us).
public let allowedFutureSkew: Int64 = 5 * 60

func checkNotFuture(_ t: Timestamp, _ key: String, now: Timestamp, in r: inout ObjectReader) {
    if t.seconds > now.seconds + allowedFutureSkew { r.fail(key, "must not lie more than 5 minutes in the future") }
}

/// A JSON merge patch (RFC 7396) of a strike's descriptive fields.
/// Each field: nil = leave alone; `.some(nil)` = clear (where clearing is allowed). A null
/// `time_precision` puts back the default, `minute`; a null `weapons` leaves none; `occurred_at`
/// cannot be removed, so null there is refused.
public struct StrikePatch: Sendable, Equatable {
    public var occurredAt: Timestamp?
    public var timePrecision: TimePrecision?
    public var location: Location??
    public var weapons: [Weapon]?
    public var description: String??
    public var damage: String??

    public init() {}

    public var isEmpty: Bool {
        occurredAt == nil && timePrecision == nil && location == nil && weapons == nil && description == nil && damage == nil
    }

    public static func decode(_ body: JSONValue, now: Timestamp) throws(ValidationError) -> StrikePatch {
        var r = try ObjectReader(body, allowed: ["occurred_at", "time_precision", "location", "weapons", "description", "damage"])
        var p = StrikePatch()
        if r.contains("occurred_at") {
            p.occurredAt = r.instant("occurred_at", required: true)
            if let t = p.occurredAt { checkNotFuture(t, "occurred_at", now: now, in: &r) }
        }
        if r.contains("time_precision") {
            // null removes the field, and a strike without one is known to the minute (the default).
            p.timePrecision = r.value("time_precision") == .null
                ? .minute : r.enumeration("time_precision", TimePrecision.self, required: true)
        }
        if r.contains("location") { p.location = .some(Location.read("location", from: &r)) }
        if r.contains("weapons") { p.weapons = Weapon.readList("weapons", from: &r) ?? [] }
        if r.contains("description") { p.description = .some(r.text("description", maxLength: 10_000)) }
        if r.contains("damage") { p.damage = .some(r.text("damage", maxLength: 10_000)) }
        try r.finish()
        return p
    }
}
