/// One source's statement about a strike that may or may not be known yet
/// (`POST /v1/reports`, the ingest endpoint).
public struct Report: Sendable, Equatable {
    public var city: CityName?
    public var occurredAt: Timestamp?
    public var timePrecision: TimePrecision?
    public var strikeId: Int64?
    public var source: SourceSpec
    public var killed: Int64?
    public var injured: Int64?
    public var reportedAt: Timestamp?
    public var weapons: [Weapon]?
    public var description: String?
    public var damage: String?
    public var location: Location?
    public var note: String?
    /// The attack the report's strike belongs to.
    public var attackId: Int64?

    public init(city: CityName?, occurredAt: Timestamp?, timePrecision: TimePrecision? = nil, strikeId: Int64? = nil,
                source: SourceSpec, killed: Int64? = nil, injured: Int64? = nil, reportedAt: Timestamp? = nil,
                weapons: [Weapon]? = nil, description: String? = nil, damage: String? = nil,
                location: Location? = nil, note: String? = nil, attackId: Int64? = nil) {
        self.attackId = attackId
        self.city = city; self.occurredAt = occurredAt; self.timePrecision = timePrecision; self.strikeId = strikeId
        self.source = source; self.killed = killed; self.injured = injured; self.reportedAt = reportedAt
        self.weapons = weapons; self.description = description; self.damage = damage
        self.location = location; self.note = note
    }

    /// True when the report states a figure, so it appends a revision.
    public var hasFigures: Bool { killed != nil || injured != nil }

    /// The fields a report may have (made once: an import checks a report per row).
    static let fields: Set<String> = ["city", "occurred_at", "time_precision", "strike_id", "source", "source_id",
                                      "killed", "injured", "reported_at", "weapons", "description", "damage",
                                      "location", "note", "attack_id"]

    public static func decode(_ body: JSONValue, now: Timestamp) throws(ValidationError) -> Report {
        var r = try ObjectReader(body, allowed: fields)
        let strikeId = r.id("strike_id")
        let city = CityName.read("city", from: &r, required: false)
        let occurredAt = r.instant("occurred_at")
        if strikeId == nil && (r.value("strike_id") ?? .null) == .null {
            // Without a strike named outright, the report must say where and when.
            if city == nil && (r.value("city") ?? .null) == .null { r.fail("city", "is required unless strike_id names the strike") }
            if occurredAt == nil && (r.value("occurred_at") ?? .null) == .null {
                r.fail("occurred_at", "is required unless strike_id names the strike")
            }
        }
        if let occurredAt { checkNotFuture(occurredAt, "occurred_at", now: now, in: &r) }
        let precision = r.enumeration("time_precision", TimePrecision.self)
        let source = Figures.readSource(from: &r)
        let killed = r.int("killed", range: 0...Figures.maximum)
        let injured = r.int("injured", range: 0...Figures.maximum)
        let reportedAt = r.instant("reported_at")
        if let reportedAt { checkNotFuture(reportedAt, "reported_at", now: now, in: &r) }
        let weapons = Weapon.readList("weapons", from: &r)
        let description = r.text("description", maxLength: 10_000)
        let damage = r.text("damage", maxLength: 10_000)
        let location = Location.read("location", from: &r)
        let note = r.text("note", maxLength: 2000)
        let attackId = r.id("attack_id")
        try r.finish()
        return Report(city: city, occurredAt: occurredAt, timePrecision: precision, strikeId: strikeId, source: source!,
                      killed: killed, injured: injured, reportedAt: reportedAt, weapons: weapons,
                      description: description, damage: damage, location: location, note: note,
                      attackId: attackId)
    }
}
