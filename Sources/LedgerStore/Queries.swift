import LedgerModel

/// Filters of a strike list, and where the previous page ended.
public struct StrikeQuery: StrikeSelection, Sendable, Equatable {
    public var cityId: Int64?
    public var fromDate: CivilDate?
    public var toDate: CivilDate?
    public var fromInstant: Timestamp?
    public var toInstant: Timestamp?
    /// The `(occurred_at, id)` of the last strike of the previous page.
    public var after: (occurredAt: Int64, id: Int64)?
    public var limit: Int = 50

    public init() {}

    public static func == (a: StrikeQuery, b: StrikeQuery) -> Bool {
        a.cityId == b.cityId && a.fromDate == b.fromDate && a.toDate == b.toDate && a.fromInstant == b.fromInstant
            && a.toInstant == b.toInstant && a.after?.occurredAt == b.after?.occurredAt && a.after?.id == b.after?.id && a.limit == b.limit
    }
}

/// Which strikes a query covers: a city or all, and a range of local dates (in each
/// strike's own city) and/or of instants. Bounds are inclusive.
public protocol StrikeSelection {
    var cityId: Int64? { get }
    var fromDate: CivilDate? { get }
    var toDate: CivilDate? { get }
    var fromInstant: Timestamp? { get }
    var toInstant: Timestamp? { get }
}

/// A casualties question: which strikes (a city or all, a range of local dates or
/// instants), as known now or at `asOf`.
public struct CasualtyQuery: StrikeSelection, Sendable, Equatable {
    public var cityId: Int64?
    public var fromDate: CivilDate?
    public var toDate: CivilDate?
    public var fromInstant: Timestamp?
    public var toInstant: Timestamp?
    public var asOf: Timestamp?
    /// Only the strikes of this attack.
    public var attackId: Int64?
    public init() {}
}

/// Filters of an attack list (attacks whose span meets `from`...`to`), and where the
/// previous page ended.
public struct AttackQuery: Sendable, Equatable {
    public var country: String?
    public var from: Timestamp?
    public var to: Timestamp?
    /// The `(started_at, id)` of the last attack of the previous page.
    public var after: (startedAt: Int64, id: Int64)?
    public var limit: Int = 50

    public init() {}

    public static func == (a: AttackQuery, b: AttackQuery) -> Bool {
        a.country == b.country && a.from == b.from && a.to == b.to && a.after?.startedAt == b.after?.startedAt
            && a.after?.id == b.after?.id && a.limit == b.limit
    }
}

/// One strike's line in a casualties answer.
public struct CasualtyLine: Sendable, Equatable {
    public var id: Int64
    public var occurredAt: Timestamp
    public var localDate: CivilDate
    public var city: CityRef
    public var toll: Toll
    public init(id: Int64, occurredAt: Timestamp, localDate: CivilDate, city: CityRef, toll: Toll) {
        self.id = id; self.occurredAt = occurredAt; self.localDate = localDate; self.city = city; self.toll = toll
    }
}

/// The strikes of a casualties query, read a page at a time from one snapshot (see
/// `LedgerStore.readCasualties`). Valid only inside the closure it was handed to.
public struct CasualtyWalk {
    /// At most `limit` lines after the line `after` (nil: from the first).
    let page: (_ after: CasualtyLine?, _ limit: Int) throws -> [CasualtyLine]

    public init(page: @escaping (_ after: CasualtyLine?, _ limit: Int) throws -> [CasualtyLine]) { self.page = page }

    /// The first `limit` lines.
    public func first(_ limit: Int) throws -> [CasualtyLine] { try page(nil, limit) }

    /// Calls `each` with every line in order, a page of `pageSize` in memory at a time,
    /// until the lines run out or `each` returns false; returns false when stopped.
    @discardableResult
    public func forEachPage(pageSize: Int = 1000, _ each: ([CasualtyLine]) throws -> Bool) throws -> Bool {
        var last: CasualtyLine? = nil
        while true {
            let lines = try page(last, pageSize)
            if lines.isEmpty { return true }
            guard try each(lines) else { return false }
            if lines.count < pageSize { return true }
            last = lines.last
        }
    }
}

/// Which strikes (or revisions) an export covers: the casualties filters, as known now or
/// at `asOf`, and whether merged strikes are listed too.
public struct ExportQuery: StrikeSelection, Sendable, Equatable {
    public var cityId: Int64?
    public var fromDate: CivilDate?
    public var toDate: CivilDate?
    public var fromInstant: Timestamp?
    public var toInstant: Timestamp?
    public var asOf: Timestamp?
    public var includeMerged = false
    /// Rows read per query: the export holds one page in memory.
    public var pageSize = 1000
    public init() {}
}

/// One import row, checked and with its city resolved, as the store writes it.
public struct ImportItem: Sendable {
    public var line: Int
    /// The report; its city is given by id.
    public var report: Report
    /// The natural key (hex SHA-256 of the import's source and the row's content).
    public var key: String
    /// Never matched to an existing strike by time.
    public var alwaysNew: Bool
    public var moreSources: [NewSource]
    public init(line: Int, report: Report, key: String, alwaysNew: Bool, moreSources: [NewSource]) {
        self.line = line; self.report = report; self.key = key; self.alwaysNew = alwaysNew; self.moreSources = moreSources
    }
}

/// What an import row did.
public enum ImportOutcome: Sendable, Equatable {
    /// A new strike (and a revision when the row states figures).
    case created(strikeId: Int64, revision: Bool)
    /// Matched to an existing strike (and a revision when the row states figures).
    case matched(strikeId: Int64, revision: Bool)
    /// Its natural key was imported before: nothing written.
    case skipped
    /// Refused by the store (the reason names the field).
    case refused(field: String, message: String)
}
