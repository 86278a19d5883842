// Attack waves (issue 17): a night's attack as a whole, the weapons it launched and what
// became of them, as attributed append-only revisions; the weapon catalogue; and who says
// what about a strike.

// MARK: The weapon catalogue

/// What a catalogued weapon is.
public enum WeaponKind: String, Sendable, CaseIterable {
    case drone, decoy, cruise_missile, ballistic_missile, guided_bomb
}

/// One model of the catalogue (migration 0008 / pg 0006) with the spellings reports use.
public struct WeaponModel: Sendable, Equatable, JSONWritable {
    public var id: Int64
    public var model: String
    public var kind: WeaponKind
    public var aliases: [String]

    public init(id: Int64, model: String, kind: WeaponKind, aliases: [String] = []) {
        self.id = id; self.model = model; self.kind = kind; self.aliases = aliases
    }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("id", id)
            o.field("model", model)
            o.field("kind", kind.rawValue)
            o.key("aliases")
            o.array { a in for alias in aliases { a.string(alias) } }
        }
    }
}

/// Every model and spelling, folded as place names are ("Shahed-136", "shahed 136" and
/// "SHAHED‑136" are one key), for lookups and suggestions. A value.
public struct WeaponCatalogue: Sendable {
    public private(set) var models: [Int64: WeaponModel] = [:]
    private var byFolded: [String: Int64] = [:]

    public init(models list: [WeaponModel]) {
        for model in list.sorted(by: { $0.id < $1.id }) {
            models[model.id] = model
            for spelling in [model.model] + model.aliases {
                let key = WeaponCatalogue.fold(spelling)
                if byFolded[key] == nil { byFolded[key] = model.id }
            }
        }
    }

    /// Folds like a place name, and also ignores the space a hyphen became
    /// ("Kh-101" = "Kh 101" = "Kh101").
    static func fold(_ s: String) -> String { PlaceName.fold(s).replacingOccurrences(of: " ", with: "") }

    /// The model a spelling names, if any.
    public func model(named name: String) -> WeaponModel? { byFolded[Self.fold(name)].flatMap { models[$0] } }

    /// Up to `limit` model names closest to an unknown spelling, best first.
    public func suggestions(for text: String, limit: Int = 5) -> [String] {
        let key = Self.fold(text)
        guard !key.isEmpty else { return [] }
        var best: [Int64: Int] = [:]
        for (spelling, id) in byFolded {
            var d = PlaceName.distance(key, spelling)
            if spelling.hasPrefix(key), key.count >= 3 { d = min(d, 1) }
            if key.hasPrefix(spelling), spelling.count >= 4 { d = min(d, 1) }
            if d < best[id] ?? .max { best[id] = d }
        }
        let threshold = max(2, key.count / 2)
        return best.filter { $0.value <= threshold }
            .sorted { ($0.value, models[$0.key]!.model) < ($1.value, models[$1.key]!.model) }
            .prefix(limit)
            .map { models[$0.key]!.model }
    }

    /// Every model, by id.
    public var all: [WeaponModel] { models.values.sorted { $0.id < $1.id } }
}

// MARK: Who says what

/// The lowest and highest current statement of each figure (nil: nobody states it).
public struct TollRange: Sendable, Equatable, JSONWritable {
    public var killed: (low: Int64, high: Int64)?
    public var injured: (low: Int64, high: Int64)?

    public init(killed: (low: Int64, high: Int64)? = nil, injured: (low: Int64, high: Int64)? = nil) {
        self.killed = killed; self.injured = injured
    }

    public static func == (a: TollRange, b: TollRange) -> Bool {
        a.killed?.low == b.killed?.low && a.killed?.high == b.killed?.high
            && a.injured?.low == b.injured?.low && a.injured?.high == b.injured?.high
    }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            for (name, pair) in [("killed", killed), ("injured", injured)] {
                o.key(named: name)
                if let pair { o.array { a in a.int(pair.low); a.int(pair.high) } } else { o.null() }
            }
        }
    }
}

/// One source's current figures about a strike: for each figure, the one its latest
/// counting revision stating it gives (the toll rule over that source's revisions).
public struct Statement: Sendable, Equatable, JSONWritable {
    public var source: SourceRef
    public var killed: Int64?
    public var injured: Int64?
    /// The latest `reported_at` of the revisions the figures come from.
    public var reportedAt: Timestamp

    public init(source: SourceRef, killed: Int64?, injured: Int64?, reportedAt: Timestamp) {
        self.source = source; self.killed = killed; self.injured = injured; self.reportedAt = reportedAt
    }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.key("source"); source.write(to: &o)
            o.field("killed", killed)
            o.field("injured", injured)
            o.field("reported_at", reportedAt)
        }
    }
}

// MARK: Attacks

/// The figures of one weapon model in an attack. Each is optional: a source may state
/// only what was shot down.
public struct WeaponFigures: Sendable, Equatable {
    public var launched: Int64?
    public var intercepted: Int64?
    public var suppressed: Int64?
    public var hit: Int64?

    public init(launched: Int64? = nil, intercepted: Int64? = nil, suppressed: Int64? = nil, hit: Int64? = nil) {
        self.launched = launched; self.intercepted = intercepted; self.suppressed = suppressed; self.hit = hit
    }

    public static let names = ["launched", "intercepted", "suppressed", "hit"]

    public var values: [Int64?] { [launched, intercepted, suppressed, hit] }

    public init(values v: [Int64?]) { self.init(launched: v[0], intercepted: v[1], suppressed: v[2], hit: v[3]) }

    public var isEmpty: Bool { values.allSatisfy { $0 == nil } }

    func writeFields(_ o: inout JSONWriter) {
        for (name, value) in zip(Self.names, values) { o.key(named: name); o.int(value) }
    }
}

/// An attack's current count of one model: per figure, the latest counting revision
/// stating it (the toll rule, field by field).
public struct WeaponCount: Sendable, Equatable, JSONWritable {
    public var model: String
    public var kind: WeaponKind
    public var figures: WeaponFigures
    /// True when a current figure comes from a revision that called it approximate.
    public var approximate: Bool
    /// The latest `reported_at` of the revisions the figures come from.
    public var asOf: Timestamp?

    public init(model: String, kind: WeaponKind, figures: WeaponFigures, approximate: Bool, asOf: Timestamp?) {
        self.model = model; self.kind = kind; self.figures = figures; self.approximate = approximate; self.asOf = asOf
    }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("model", model)
            o.field("kind", kind.rawValue)
            figures.writeFields(&o)
            o.field("approximate", approximate)
            o.field("as_of", asOf)
        }
    }

    /// A list as the feed stores it with each attack event.
    public static func encode(_ counts: [WeaponCount]) -> String {
        var w = JSONWriter()
        w.array { a in for c in counts { c.write(to: &a) } }
        return String(decoding: w.bytes, as: UTF8.self)
    }
}

/// The sum of an attack's strikes' tolls (the strikes groups are merged into).
public struct AttackToll: Sendable, Equatable, JSONWritable {
    public var killed: Int64?
    public var injured: Int64?
    public var strikes: Int

    public init(strikes list: [Strike]) {
        let k = list.compactMap(\.toll.killed), i = list.compactMap(\.toll.injured)
        killed = k.isEmpty ? nil : k.reduce(0, +)
        injured = i.isEmpty ? nil : i.reduce(0, +)
        strikes = list.count
    }

    public func write(to json: inout JSONWriter) {
        json.object { o in o.field("killed", killed); o.field("injured", injured); o.field("strikes", strikes) }
    }
}

/// One wave: an id, when, which country it aimed at, its weapon counts; in the full
/// representation also its strikes (with their statements) and their summed toll.
public struct Attack: Sendable, Equatable, JSONWritable {
    public var id: Int64
    public var country: String
    public var startedAt: Timestamp
    public var endedAt: Timestamp?
    public var description: String?
    public var weapons: [WeaponCount]
    /// How many of its revisions count (not voided).
    public var revisions: Int64
    public var version: Int64
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// The full representation only (`GET /v1/attacks/{id}`): its strikes, newest last.
    public var strikes: [Strike]?

    public init(id: Int64, country: String, startedAt: Timestamp, endedAt: Timestamp?, description: String?,
                weapons: [WeaponCount], revisions: Int64, version: Int64, createdAt: Timestamp, updatedAt: Timestamp,
                strikes: [Strike]? = nil) {
        self.id = id; self.country = country; self.startedAt = startedAt; self.endedAt = endedAt
        self.description = description; self.weapons = weapons; self.revisions = revisions; self.version = version
        self.createdAt = createdAt; self.updatedAt = updatedAt; self.strikes = strikes
    }

    /// Launched, intercepted, suppressed and hit summed over the models of each kind.
    public var totals: [(WeaponKind, WeaponFigures)] {
        WeaponKind.allCases.compactMap { kind in
            let of = weapons.filter { $0.kind == kind }
            guard !of.isEmpty else { return nil }
            var sums: [Int64?] = [nil, nil, nil, nil]
            for c in of {
                for (i, v) in c.figures.values.enumerated() where v != nil { sums[i] = (sums[i] ?? 0) + v! }
            }
            return (kind, WeaponFigures(values: sums))
        }
    }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("id", id)
            o.field("country", country)
            o.field("started_at", startedAt)
            o.field("ended_at", endedAt)
            o.field("description", description)
            o.key("weapons")
            o.array { a in for w in weapons { w.write(to: &a) } }
            o.key("totals")
            o.array { a in
                for (kind, figures) in totals {
                    a.object { t in t.field("kind", kind.rawValue); figures.writeFields(&t) }
                }
            }
            o.field("revisions", revisions)
            if let strikes {
                o.key("strikes")
                o.array { a in for s in strikes { s.write(to: &a) } }
                o.key("toll"); AttackToll(strikes: strikes).write(to: &o)
            }
            o.field("version", version)
            o.field("created_at", createdAt)
            o.field("updated_at", updatedAt)
        }
    }
}

/// An attack to be recorded (`POST /v1/attacks`).
public struct NewAttack: Sendable, Equatable {
    public var country: String
    public var startedAt: Timestamp
    public var endedAt: Timestamp?
    public var description: String?

    public init(country: String, startedAt: Timestamp, endedAt: Timestamp? = nil, description: String? = nil) {
        self.country = country; self.startedAt = startedAt; self.endedAt = endedAt; self.description = description
    }

    public static func decode(_ body: JSONValue, now: Timestamp) throws(ValidationError) -> NewAttack {
        var r = try ObjectReader(body, allowed: ["country", "started_at", "ended_at", "description"])
        let country = r.text("country", required: true, maxLength: 2)
        if let country, !(country.count == 2 && country.allSatisfy({ $0.isASCII && $0.isUppercase })) {
            r.fail("country", "must be an ISO 3166-1 alpha-2 code such as UA")
        }
        let startedAt = r.instant("started_at", required: true)
        if let startedAt { checkNotFuture(startedAt, "started_at", now: now, in: &r) }
        let endedAt = r.instant("ended_at")
        if let endedAt {
            checkNotFuture(endedAt, "ended_at", now: now, in: &r)
            if let startedAt, endedAt < startedAt { r.fail("ended_at", "must not lie before started_at") }
        }
        let description = r.text("description", maxLength: 10_000)
        try r.finish()
        return NewAttack(country: country!, startedAt: startedAt!, endedAt: endedAt, description: description)
    }
}

/// One model's figures as a source states them, before the model is looked up.
public struct StatedWeapon: Sendable, Equatable {
    public var model: String
    public var figures: WeaponFigures
    public var approximate: Bool
    public init(model: String, figures: WeaponFigures, approximate: Bool = false) {
        self.model = model; self.figures = figures; self.approximate = approximate
    }
}

/// Weapon counts as stated by a source (`POST /v1/attacks/{id}/revisions`).
public struct AttackFigures: Sendable, Equatable {
    public var weapons: [StatedWeapon]
    public var reportedAt: Timestamp?
    public var note: String?
    public var source: SourceSpec

    public init(weapons: [StatedWeapon], reportedAt: Timestamp? = nil, note: String? = nil, source: SourceSpec) {
        self.weapons = weapons; self.reportedAt = reportedAt; self.note = note; self.source = source
    }

    /// The largest count a revision may state.
    public static let maximum: Int64 = 100_000

    public static func decode(_ body: JSONValue, now: Timestamp) throws(ValidationError) -> AttackFigures {
        var r = try ObjectReader(body, allowed: ["weapons", "approximate", "reported_at", "note", "source_id", "source"])
        var approximate = false
        if let v = r.value("approximate"), v != .null {
            if case .bool(let b) = v { approximate = b } else { r.fail("approximate", "must be true or false") }
        }
        var weapons: [StatedWeapon] = []
        if let v = r.value("weapons"), v != .null {
            if case .array(let items) = v, (1...50).contains(items.count) {
                for (i, item) in items.enumerated() {
                    let prefix = "weapons[\(i)]"
                    guard var w = r.nested(item, prefix: prefix, allowed: Set(["model", "approximate"] + WeaponFigures.names)) else { continue }
                    let model = w.text("model", required: true, maxLength: 200)
                    let values = WeaponFigures.names.map { w.int($0, range: 0...maximum) }
                    var lineApproximate = approximate
                    if let a = w.value("approximate"), a != JSONValue.null {
                        if case .bool(let b) = a { lineApproximate = b } else { w.fail("approximate", "must be true or false") }
                    }
                    let figures = WeaponFigures(values: values)
                    if figures.isEmpty && WeaponFigures.names.allSatisfy({ (w.value($0) ?? .null) == .null }) {
                        w.fail("launched", "at least one of launched, intercepted, suppressed and hit is required")
                    }
                    r.absorb(w)
                    if let model { weapons.append(StatedWeapon(model: model, figures: figures, approximate: lineApproximate)) }
                }
            } else {
                r.fail("weapons", "must be an array of 1 to 50 weapon models with their figures")
            }
        } else {
            r.fail("weapons", "is required")
        }
        let reportedAt = r.instant("reported_at")
        if let reportedAt { checkNotFuture(reportedAt, "reported_at", now: now, in: &r) }
        let note = r.text("note", maxLength: 2000)
        let source = Figures.readSource(from: &r)
        try r.finish()
        return AttackFigures(weapons: weapons, reportedAt: reportedAt, note: note, source: source!)
    }
}

/// One model's figures in a stored attack revision.
public struct AttackRevisionLine: Sendable, Equatable, JSONWritable {
    public var model: String
    public var kind: WeaponKind
    public var figures: WeaponFigures
    public var approximate: Bool

    public init(model: String, kind: WeaponKind, figures: WeaponFigures, approximate: Bool) {
        self.model = model; self.kind = kind; self.figures = figures; self.approximate = approximate
    }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("model", model)
            o.field("kind", kind.rawValue)
            figures.writeFields(&o)
            o.field("approximate", approximate)
        }
    }
}

/// One source's statement of weapon counts about an attack. Never changed once stored;
/// a mistake is corrected by voiding it.
public struct AttackRevision: Sendable, Equatable, JSONWritable {
    /// The `seq` of the feed event that recorded it.
    public var seq: Int64
    public var attackId: Int64
    public var weapons: [AttackRevisionLine]
    public var reportedAt: Timestamp
    public var recordedAt: Timestamp
    public var source: SourceRef
    public var note: String?
    public var voided: Voiding?

    public init(seq: Int64, attackId: Int64, weapons: [AttackRevisionLine], reportedAt: Timestamp, recordedAt: Timestamp,
                source: SourceRef, note: String?, voided: Voiding?) {
        self.seq = seq; self.attackId = attackId; self.weapons = weapons; self.reportedAt = reportedAt
        self.recordedAt = recordedAt; self.source = source; self.note = note; self.voided = voided
    }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("seq", seq)
            o.field("attack_id", attackId)
            o.key("weapons")
            o.array { a in for w in weapons { w.write(to: &a) } }
            o.field("reported_at", reportedAt)
            o.field("recorded_at", recordedAt)
            o.key("source"); source.write(to: &o)
            o.field("note", note)
            o.key("voided")
            if let voided { voided.write(to: &o) } else { o.null() }
        }
    }
}

/// `POST /v1/attacks/{id}/strikes`: the strikes to link.
public struct AttackLinks: Sendable, Equatable {
    public var strikeIds: [Int64]
    public init(strikeIds: [Int64]) { self.strikeIds = strikeIds }

    public static func decode(_ body: JSONValue) throws(ValidationError) -> AttackLinks {
        var r = try ObjectReader(body, allowed: ["strike_ids"])
        var ids: [Int64] = []
        if let v = r.value("strike_ids"), v != .null {
            if case .array(let items) = v, (1...500).contains(items.count) {
                for (i, item) in items.enumerated() {
                    if let n = item.wholeNumber, n >= 1 { ids.append(n) } else { r.fail("strike_ids[\(i)]", "must be a positive integer id") }
                }
            } else {
                r.fail("strike_ids", "must be an array of 1 to 500 strike ids")
            }
        } else {
            r.fail("strike_ids", "is required")
        }
        try r.finish()
        return AttackLinks(strikeIds: ids)
    }
}
