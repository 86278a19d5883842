import Foundation
import HTTPTypes
import LedgerModel
import LedgerStore
import SocketHTTP
import Synchronization

extension LedgerService {
    /// `GET /v1/casualties`: strikes and totals for a city (or all) over local dates or
    /// instants, optionally as known at `as_of`, optionally day by day.
    ///
    /// An answer of up to `inlineCasualtyStrikes` (configuration) strikes is built whole and kept in the answer
    /// cache. A larger one (a year of every city) is streamed: one walk over the strikes
    /// adds up the totals and digests the strike list for the ETag, a second walk in the
    /// same snapshot sends it, a page of strikes in memory at a time.
    func casualties(_ x: Exchange) throws -> Reply {
        let version = store.dataVersion
        let key = x.request.head.path ?? ""
        // (A short read parsed on the event loop has just missed the cache there.)
        if x.casualtyQuery == nil, let cached = casualtyCache.answer(for: key[...], at: version) { return .response(cached.response) }
        let parsed = try x.casualtyQuery ?? CasualtyQueryText(x.request.query)
        let q = parsed.parameters, range = parsed.range
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
        var days: [CivilDate]? = nil
        if byDay {
            guard let from, let to else { throw APIError.badRequest("group_by=day needs both from and to (or date)") }
            let count = to.daysSinceEpoch - from.daysSinceEpoch + 1
            guard count <= 366 else { throw APIError.badRequest("group_by=day covers at most 366 days") }
            days = (0..<Int(max(count, 0))).map { from.adding(days: $0) }
        }
        let frame = CasualtiesFrame(city: city?.ref, from: from, to: to, asOf: asOf, days: days)
        let limit = configuration.inlineCasualtyStrikes
        let lines = try store.readCasualties(query) { walk in
            let lines = try walk.first(limit + 1)
            return lines.count <= limit ? lines : nil
        }
        guard let lines else { return try streamCasualties(query, frame, request: x.request.head) }
        let body = frame.answer(lines)
        let entry = AnswerCache.Entry(version: version, etag: ETag.digest(body), body: body)
        casualtyCache.store(entry, for: key[...])
        return .response(entry.response)
    }

    /// A large casualties answer, streamed with chunked encoding from its own thread. The
    /// calling worker waits only for the first walk (totals and ETag); a matching
    /// `If-None-Match` gets its 304 without the second.
    private func streamCasualties(_ query: CasualtyQuery, _ frame: CasualtiesFrame, request: HTTPRequest) throws -> Reply {
        let ifNoneMatch = request.headerFields[.ifNoneMatch]
        enum Start { case stream(etag: String), notModified(etag: String), failed(any Error) }
        let start = Mutex<Start?>(nil)
        let started = DispatchSemaphore(value: 0)
        guard streamPermits.take() else { throw streamPermits.refusal }
        let stream = ResponseStream(maxBufferedBytes: 1 << 20, blocking: true)
        // Decided before the first byte is written: whether the stream gzips.
        var prepared = Answer.tagged(etag: "", []).head
        prepared.headerFields[.eTag] = nil
        OutputFilters().prepare(&prepared, stream, for: request)
        let store = self.store, logger = self.logger, permits = streamPermits
        let thread = Thread {
            defer { permits.giveBack() }
            do {
                try store.readCasualties(query) { walk in
                    var tally = CasualtyTally(byDay: frame.days != nil)
                    var strikes = ETag.Hasher()
                    // The first walk digests the lines' fields, not their JSON: the JSON
                    // is a function of those fields, and a fraction of the work to hash.
                    try walk.forEachPage { page in
                        tally.add(page)
                        strikes.add(CasualtiesFrame.digestFields(page))
                        return true
                    }
                    let (opening, closing) = frame.halves(tally)
                    var whole = ETag.Hasher()
                    whole.add(opening); whole.add(strikes.digestBytes); whole.add(closing)
                    let etag = whole.tag
                    var first = true
                    if let ifNoneMatch, ETag.matches(ifNoneMatch, etag) {
                        start.withLock { $0 = .notModified(etag: etag) }
                        started.signal()
                        return
                    }
                    start.withLock { $0 = .stream(etag: etag) }
                    started.signal()
                    guard stream.write(opening) else { return }
                    let whole2 = try walk.forEachPage { page in
                        defer { first = false }
                        return stream.write(CasualtiesFrame.strikeList(page, first: first))
                    }
                    if whole2, stream.write(closing) { stream.finish() }
                }
            } catch {
                let unanswered = start.withLock { s -> Bool in
                    guard s == nil else { return false }
                    s = .failed(error)
                    return true
                }
                if unanswered { started.signal() } else {
                    logger.error("casualties answer failed midway: \(error)")
                    stream.abort()
                }
            }
        }
        thread.name = "strikeledger-casualties"
        thread.start()
        started.wait()
        switch start.withLock({ $0 })! {
        case .failed(let error): throw error
        case .notModified(let etag): return .response(Answer.notModified(etag: etag))
        case .stream(let etag):
            var head = prepared
            // A gzipped body carries the weak form of the tag, as a whole one would.
            head.headerFields[.eTag] = prepared.headerFields[.contentEncoding] == nil ? etag : EntityTag.weak(etag)
            return .stream(head, stream)
        }
    }

    /// The query parameters of `GET /v1/casualties`.
    static let casualtyParameters: Set<String> = ["city", "date", "from", "to", "as_of", "group_by", "attack_id"]

    /// The longest range, in days, of a casualties query answered on the event loop.
    static let shortReadDays: Int64 = 14

    /// A casualties query short enough to answer on the event loop, parsed; nil for any
    /// other: an in-process database (a PostgreSQL round trip would hold the loop), one
    /// city, a range of at most `shortReadDays` days, as the toll stands now (`as_of` reads
    /// each strike's history). Anything else, a malformed query included, goes to the
    /// worker pool.
    func shortCasualtiesRead(_ request: Request) -> CasualtyQueryText? {
        guard store.readsInProcess, let parsed = try? CasualtyQueryText(request.query),
              parsed.parameters.string("city") != nil, parsed.parameters.string("as_of") == nil else { return nil }
        let range = parsed.range
        if let from = range.fromDate, let to = range.toDate {
            return to.daysSinceEpoch - from.daysSinceEpoch < Self.shortReadDays ? parsed : nil
        }
        let from = range.fromInstant ?? range.fromDate.map { Timestamp(seconds: $0.daysSinceEpoch * 86_400) }
        let to = range.toInstant ?? range.toDate.map { Timestamp(seconds: ($0.daysSinceEpoch + 1) * 86_400) }
        guard let from, let to else { return nil }
        return to.seconds - from.seconds <= (Self.shortReadDays + 1) * 86_400 ? parsed : nil
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

/// A casualties query string, parsed: its parameters and its range.
struct CasualtyQueryText {
    let parameters: QueryParameters
    let range: DateRange

    init(_ raw: Substring) throws(APIError) {
        parameters = try QueryParameters(raw, allowed: LedgerService.casualtyParameters)
        range = try DateRange(parameters)
    }
}

/// A casualties answer around its strike list: the city, the range, the totals and the
/// days. Its bytes are the same whether the answer is built whole or streamed.
struct CasualtiesFrame {
    var city: CityRef?
    var from: CivilDate?
    var to: CivilDate?
    var asOf: Timestamp?
    /// Every date of the range, with `group_by=day`; else nil.
    var days: [CivilDate]?

    /// The whole answer for these strikes, written into one buffer.
    func answer(_ lines: [CasualtyLine]) -> [UInt8] {
        var tally = CasualtyTally(byDay: days != nil)
        tally.add(lines)
        var json = JSONWriter(capacity: 320 + Self.bytesPerStrike * lines.count + 64 * (days?.count ?? 0))
        write(to: &json, tally) { a in Self.writeStrikes(lines, to: &a) }
        return json.finish()
    }

    /// The answer's bytes before its first strike, and from the strike list's closing
    /// bracket on, for these totals.
    func halves(_ tally: CasualtyTally) -> (opening: [UInt8], closing: [UInt8]) {
        var split = 0
        var json = JSONWriter()
        write(to: &json, tally) { a in split = a.byteCount }
        let bytes = json.bytes
        return (Array(bytes[..<split]), Array(bytes[split...]))
    }

    /// The answer for `tally`, its strike list's elements written by `strikes`.
    private func write(to json: inout JSONWriter, _ tally: CasualtyTally, strikes: (inout JSONWriter) -> Void) {
        json.object { o in
            o.key("city")
            if let city { city.write(to: &o) } else { o.null() }
            o.field("from", from)
            o.field("to", to)
            o.field("as_of", asOf)
            o.key("totals")
            o.object { t in
                t.field("strikes", tally.strikes)
                t.field("killed", tally.killed)
                t.field("injured", tally.injured)
            }
            o.key("strikes")
            o.array(strikes)
            if let days {
                o.key("days")
                o.array { a in
                    for d in days {
                        let v = tally.perDay[d] ?? CasualtyTally.Day()
                        a.object { e in
                            e.field("date", d)
                            e.field("strikes", v.strikes)
                            e.field("killed", v.killed)
                            e.field("injured", v.injured)
                        }
                    }
                }
            }
        }
    }

    /// Every field a strike's element of the list shows, as bytes to digest: equal
    /// bytes, equal JSON (each field at a fixed width or with its length).
    static func digestFields(_ lines: [CasualtyLine]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(96 * lines.count)
        func put(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        func put(_ v: Int64?) { if let v { bytes.append(1); put(v) } else { bytes.append(0) } }
        for line in lines {
            put(line.id); put(line.occurredAt.seconds); put(line.localDate.daysSinceEpoch)
            put(line.city.id); put(Int64(line.city.name.utf8.count)); bytes.append(contentsOf: line.city.name.utf8)
            put(line.toll.killed); put(line.toll.injured); put(line.toll.asOf?.seconds); put(line.toll.revisions)
        }
        return bytes
    }

    /// A run of the strike list's elements, with the comma before them unless `first`.
    static func strikeList(_ lines: [CasualtyLine], first: Bool) -> [UInt8] {
        var json = JSONWriter(capacity: bytesPerStrike * lines.count + 2)
        json.array { a in writeStrikes(lines, to: &a) }
        // Without the brackets: the elements alone.
        var bytes = Array(json.bytes.dropFirst().dropLast())
        if !first, !bytes.isEmpty { bytes.insert(UInt8(ascii: ","), at: 0) }
        return bytes
    }

    /// Room for one strike's element of the list; more is made as needed.
    static let bytesPerStrike = 200

    /// The strike list's elements, inside its brackets.
    private static func writeStrikes(_ lines: [CasualtyLine], to a: inout JSONWriter) {
        // Strikes in a row mostly share their city (one city's answer: all of them): its
        // JSON is written once and copied.
        var city = (ref: CityRef(id: 0, name: ""), json: [UInt8]())
        for line in lines {
            if line.city != city.ref || city.json.isEmpty { city = (line.city, line.city.jsonBytes) }
            a.object { s in
                s.field("id", line.id)
                s.field("occurred_at", line.occurredAt)
                s.field("local_date", line.localDate)
                s.key("city"); s.raw(city.json)
                s.key("toll"); line.toll.write(to: &s)
            }
        }
    }
}

/// The totals of the strikes seen so far, whole and, when asked, day by day (null
/// counts as 0).
struct CasualtyTally {
    struct Day { var strikes = 0; var killed: Int64 = 0; var injured: Int64 = 0 }
    var strikes = 0
    var killed: Int64 = 0
    var injured: Int64 = 0
    /// Filled only when the tally was made `byDay`.
    private(set) var perDay: [CivilDate: Day] = [:]
    let byDay: Bool

    init(byDay: Bool) { self.byDay = byDay }

    mutating func add(_ lines: [CasualtyLine]) {
        for l in lines {
            let k = l.toll.killed ?? 0, i = l.toll.injured ?? 0
            strikes += 1; killed += k; injured += i
            if byDay { Self.count(&perDay[l.localDate, default: Day()], killed: k, injured: i) }
        }
    }

    private static func count(_ day: inout Day, killed: Int64, injured: Int64) {
        day.strikes += 1; day.killed += killed; day.injured += injured
    }
}
