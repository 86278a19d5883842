import HTTPTypes
import LedgerModel
import LedgerStore
import SocketHTTP

extension LedgerService {
    /// `GET /v1/casualties`: strikes and totals for a city (or all) over local dates or
    /// instants, optionally as known at `as_of`, optionally day by day.
    func casualties(_ x: Exchange) throws -> Response {
        let version = store.dataVersion
        let key = x.request.head.path ?? ""
        if let cached = casualtyCache.answer(for: key[...], at: version) { return cached.response }
        let q = try x.query(Self.casualtyParameters)
        let range = try DateRange(q)
        let asOf = try q.instant("as_of")
        let byDay = try q.enumeration("group_by", GroupBy.self) == .day
        let city = try q.string("city").map { name throws(StoreError) in try store.resolveCity(CityName(parsing: name)) }
        let zone = city.flatMap { Zone($0.timezone) } ?? Zone("UTC")!

        var query = CasualtyQuery()
        query.cityId = city?.id
        query.fromDate = range.fromDate; query.toDate = range.toDate
        query.fromInstant = range.fromInstant; query.toInstant = range.toInstant
        query.asOf = asOf
        query.attackId = try q.int("attack_id", in: 1...Int64.max)
        // The range as local dates, for the answer and for `days`.
        let from = range.fromDate ?? range.fromInstant.map { zone.localDate(of: $0) }
        let to = range.toDate ?? range.toInstant.map { zone.localDate(of: $0) }
        if let from, let to, from > to { throw APIError.badRequest("query parameter from lies after to") }
        var days: [CivilDate] = []
        if byDay {
            guard let from, let to else { throw APIError.badRequest("group_by=day needs both from and to (or date)") }
            let count = to.daysSinceEpoch - from.daysSinceEpoch + 1
            guard count <= 366 else { throw APIError.badRequest("group_by=day covers at most 366 days") }
            days = (0..<Int(max(count, 0))).map { from.adding(days: $0) }
        }
        let lines = try store.casualties(query)
        let body = CasualtiesAnswer(city: city?.ref, from: from, to: to, asOf: asOf, lines: lines, days: byDay ? days : nil).jsonBytes
        let entry = AnswerCache.Entry(version: version, etag: ETag.digest(body), body: body)
        casualtyCache.store(entry, for: key[...])
        return entry.response
    }

    /// The query parameters of `GET /v1/casualties`.
    static let casualtyParameters: Set<String> = ["city", "date", "from", "to", "as_of", "group_by", "attack_id"]

    /// The longest range, in days, of a casualties query answered on the event loop.
    static let shortReadDays: Int64 = 14

    /// Whether a casualties query is short enough to answer on the event loop: an
    /// in-process database (a PostgreSQL round trip would hold the loop), one city,
    /// a range of at most `shortReadDays` days, as the toll stands now (`as_of` reads
    /// each strike's history). Anything else, a malformed query included, goes to the
    /// worker pool.
    func isShortCasualtiesRead(_ request: Request) -> Bool {
        guard store.readsInProcess, let q = try? QueryParameters(request.query, allowed: Self.casualtyParameters),
              q.string("city") != nil, q.string("as_of") == nil,
              let range = try? DateRange(q) else { return false }
        if let from = range.fromDate, let to = range.toDate {
            return to.daysSinceEpoch - from.daysSinceEpoch < Self.shortReadDays
        }
        let from = range.fromInstant ?? range.fromDate.map { Timestamp(seconds: $0.daysSinceEpoch * 86_400) }
        let to = range.toInstant ?? range.toDate.map { Timestamp(seconds: ($0.daysSinceEpoch + 1) * 86_400) }
        guard let from, let to else { return false }
        return to.seconds - from.seconds <= (Self.shortReadDays + 1) * 86_400
    }

    /// A casualties answer from the cache, on the event loop: no query, no worker thread.
    /// (The server turns it into a 304 when `If-None-Match` names its ETag.)
    func cachedCasualties(_ request: Request) -> Response? {
        guard let key = request.head.path,
              let cached = casualtyCache.answer(for: key[...], at: store.dataVersion) else { return nil }
        return cached.response
    }
}

enum GroupBy: String, CaseIterable { case day }

struct CasualtiesAnswer: JSONWritable {
    var city: CityRef?
    var from: CivilDate?
    var to: CivilDate?
    var asOf: Timestamp?
    var lines: [CasualtyLine]
    var days: [CivilDate]?

    func write(to json: inout JSONWriter) {
        json.object { o in
            o.key("city")
            if let city { city.write(to: &o) } else { o.null() }
            o.field("from", from)
            o.field("to", to)
            o.field("as_of", asOf)
            o.key("totals")
            o.object { t in
                t.field("strikes", lines.count)
                t.field("killed", lines.reduce(Int64(0)) { $0 + ($1.toll.killed ?? 0) })
                t.field("injured", lines.reduce(Int64(0)) { $0 + ($1.toll.injured ?? 0) })
            }
            o.key("strikes")
            o.array { a in
                for line in lines {
                    a.object { s in
                        s.field("id", line.id)
                        s.field("occurred_at", line.occurredAt)
                        s.field("local_date", line.localDate)
                        s.key("city"); line.city.write(to: &s)
                        s.key("toll"); line.toll.write(to: &s)
                    }
                }
            }
            if let days {
                var perDay: [CivilDate: (Int, Int64, Int64)] = [:]
                for l in lines {
                    let v = perDay[l.localDate] ?? (0, 0, 0)
                    perDay[l.localDate] = (v.0 + 1, v.1 + (l.toll.killed ?? 0), v.2 + (l.toll.injured ?? 0))
                }
                o.key("days")
                o.array { a in
                    for d in days {
                        let v = perDay[d] ?? (0, 0, 0)
                        a.object { e in
                            e.field("date", d)
                            e.field("strikes", v.0)
                            e.field("killed", v.1)
                            e.field("injured", v.2)
                        }
                    }
                }
            }
        }
    }
}
