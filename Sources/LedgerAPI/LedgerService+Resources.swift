import HTTPTypes
import LedgerModel
import LedgerStore
import SocketHTTP

/// Cities, sources, strikes, revisions and reports.
extension LedgerService {
    // MARK: Cities

    func listCities(_ x: Exchange) throws -> Response {
        let q = try x.query(["q", "limit", "after"])
        let limit = Int(try q.int("limit", in: 1...500) ?? 50)
        var search = q.string("q")
        var afterId: Int64 = 0
        if let after = q.string("after") {
            let c = try Cursor.decode(after)
            search = c["q"].flatMap { $0.isEmpty ? nil : $0 }
            guard let last = c["id"].flatMap(Int64.init) else { throw APIError.badRequest("query parameter after is not a cursor from this server") }
            afterId = last
        }
        let all = store.gazetteer.search(search ?? "").filter { $0.id > afterId }
        let page = Array(all.prefix(limit))
        let next = all.count > limit ? Cursor.encode([("q", search ?? ""), ("id", String(page.last!.id))]) : nil
        return Answer.json(.ok, Page(items: page, next: next))
    }

    func createCity(_ x: Exchange) throws -> Response {
        let build: @Sendable (City) -> Response = { Answer.created($0, location: "/v1/cities/\($0.id)") }
        return build(try store.addCity(try NewCity.decode(try x.jsonBody()), keeping: x.keeper(build)))
    }

    func getCity(_ x: Exchange, _ id: Int64) throws -> Response {
        _ = try x.query([])
        guard let city = store.gazetteer.cities[id] else { throw APIError.notFound("no city \(id)") }
        return Answer.json(.ok, city)
    }

    func addAlias(_ x: Exchange, _ id: Int64) throws -> Response {
        guard store.gazetteer.cities[id] != nil else { throw APIError.notFound("no city \(id)") }
        var r = try ObjectReader(try x.jsonBody(), allowed: ["alias"])
        let alias = r.text("alias", required: true, maxLength: 200)
        try r.finish()
        let build: @Sendable (City) -> Response = { Answer.created($0, location: "/v1/cities/\($0.id)") }
        return build(try store.addAlias(alias!, toCity: id, keeping: x.keeper(build)))
    }

    // MARK: Sources

    func listSources(_ x: Exchange) throws -> Response {
        let q = try x.query(["q", "kind", "limit", "after"])
        let limit = Int(try q.int("limit", in: 1...500) ?? 50)
        var search = q.string("q")
        var kind = try q.enumeration("kind", Source.Kind.self)
        var afterId: Int64?
        if let after = q.string("after") {
            let c = try Cursor.decode(after)
            search = c["q"].flatMap { $0.isEmpty ? nil : $0 }
            kind = c["kind"].flatMap(Source.Kind.init(rawValue:))
            afterId = c["id"].flatMap(Int64.init)
            if afterId == nil { throw APIError.badRequest("query parameter after is not a cursor from this server") }
        }
        let rows = try store.sources(query: search, kind: kind, after: afterId, limit: limit + 1)
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit
            ? Cursor.encode([("q", search ?? ""), ("kind", kind?.rawValue ?? ""), ("id", String(page.last!.id))]) : nil
        return Answer.json(.ok, Page(items: page, next: next))
    }

    func createSource(_ x: Exchange) throws -> Response {
        let build: @Sendable ((Source, created: Bool)) -> Response = { result in
            result.created ? Answer.created(result.0, location: "/v1/sources/\(result.0.id)") : Answer.json(.ok, result.0)
        }
        return build(try store.findOrCreateSource(try NewSource.decode(try x.jsonBody()), keeping: x.keeper(build)))
    }

    func getSource(_ x: Exchange, _ id: Int64) throws -> Response {
        _ = try x.query([])
        return Answer.json(.ok, try store.source(id: id))
    }

    // MARK: Strikes

    func listStrikes(_ x: Exchange) throws -> Response {
        let q = try x.query(["city", "date", "from", "to", "limit", "after"])
        let limit = Int(try q.int("limit", in: 1...500) ?? 50)
        var query = StrikeQuery()
        if let after = q.string("after") {
            let c = try Cursor.decode(after)
            guard let at = c["at"].flatMap(Int64.init), let id = c["id"].flatMap(Int64.init) else {
                throw APIError.badRequest("query parameter after is not a cursor from this server")
            }
            query.cityId = c["city"].flatMap(Int64.init)
            query.fromDate = c["from_date"].flatMap(CivilDate.init)
            query.toDate = c["to_date"].flatMap(CivilDate.init)
            query.fromInstant = c["from_at"].flatMap(Int64.init).map(Timestamp.init(seconds:))
            query.toInstant = c["to_at"].flatMap(Int64.init).map(Timestamp.init(seconds:))
            query.after = (at, id)
        } else {
            if let name = q.string("city") { query.cityId = try store.resolveCity(CityName(parsing: name)).id }
            let range = try DateRange(q)
            query.fromDate = range.fromDate; query.toDate = range.toDate
            query.fromInstant = range.fromInstant; query.toInstant = range.toInstant
        }
        query.limit = limit + 1
        let rows = try store.strikes(query)
        let page = Array(rows.prefix(limit))
        var next: String?
        if rows.count > limit, let last = page.last {
            next = Cursor.encode([
                ("city", query.cityId.map(String.init) ?? ""),
                ("from_date", query.fromDate?.description ?? ""), ("to_date", query.toDate?.description ?? ""),
                ("from_at", query.fromInstant.map { String($0.seconds) } ?? ""),
                ("to_at", query.toInstant.map { String($0.seconds) } ?? ""),
                ("at", String(last.occurredAt.seconds)), ("id", String(last.id)),
            ])
        }
        return Answer.json(.ok, Page(items: page, next: next))
    }

    func createStrike(_ x: Exchange) throws -> Response {
        let build: @Sendable (Strike) -> Response = { strike in
            var h = HTTPFields()
            h[.location] = "/v1/strikes/\(strike.id)"
            h[.eTag] = strike.etag
            return Answer.json(.created, strike, headers: h)
        }
        return build(try store.createStrike(try NewStrike.decode(try x.jsonBody(), now: x.now), keeping: x.keeper(build)))
    }

    func getStrike(_ x: Exchange, _ id: Int64) throws -> Response {
        _ = try x.query([])
        let strike = try store.strike(id: id)
        return Answer.tagged(etag: strike.etag, strike.jsonBytes)
    }

    func patchStrike(_ x: Exchange, _ id: Int64) throws -> Response {
        let current = try store.strike(id: id)
        let expected = try Self.versionNamed(byIfMatch: x.header(.ifMatch), current: current)
        let body = Self.mergeNestedLocation(try x.jsonBody(allowMergePatch: true), current: current.location)
        let patch = try StrikePatch.decode(body, now: x.now)
        let strike = try store.patchStrike(id: id, patch, ifMatch: expected)
        var h = HTTPFields()
        h[.eTag] = strike.etag
        return Answer.json(.ok, strike, headers: h)
    }

    /// The version an `If-Match` names, 412 when it names another than the current one,
    /// nil without the header or for `*`. Weakly: `W/"v3"`, the tag of a gzipped answer,
    /// names version 3 as `"v3"` does (API.md), since the version, not the bytes, is what
    /// the tag stands for.
    static func versionNamed(byIfMatch ifMatch: String?, current: Strike) throws(APIError) -> Int64? {
        guard let ifMatch, ifMatch.trimmingOWS() != "*" else { return nil }
        guard ETag.matches(ifMatch, current.etag) else {
            throw .preconditionFailed("If-Match does not match the current version \(current.etag)")
        }
        return current.version
    }

    /// RFC 7396 merges a nested object: `{"location": {"latitude": 50.45}}` keeps the
    /// current longitude. Fills the members the patch leaves out from the current location.
    static func mergeNestedLocation(_ body: JSONValue, current: Location?) -> JSONValue {
        guard let current, case .object(var members) = body,
              let i = members.firstIndex(where: { $0.key == "location" }),
              case .object(var location) = members[i].value else { return body }
        for (key, value) in [("latitude", current.latitude), ("longitude", current.longitude)]
        where !location.contains(where: { $0.key == key }) {
            location.append((key: key, value: .number(value)))
        }
        members[i].value = .object(location)
        return .object(members)
    }

    func mergeStrike(_ x: Exchange, _ id: Int64) throws -> Response {
        _ = try store.strike(id: id)
        var r = try ObjectReader(try x.jsonBody(), allowed: ["into"])
        let into = r.id("into", required: true)
        try r.finish()
        let build: @Sendable (Strike) -> Response = { strike in
            var h = HTTPFields()
            h[.eTag] = strike.etag
            return Answer.json(.ok, strike, headers: h)
        }
        return build(try store.merge(strike: id, into: into!, keeping: x.keeper(build)))
    }

    // MARK: Revisions

    func listRevisions(_ x: Exchange, _ id: Int64) throws -> Response {
        try historyPage(x, owner: "strike", id, seq: \.seq) { after, limit in
            try store.revisions(ofStrike: id, after: after, limit: limit)
        }
    }

    /// A page of a history in `seq` order (a strike's revisions, an attack's): `limit`
    /// and an opaque `after` cursor that names the owner, so a cursor of one history is
    /// refused by another.
    func historyPage<Item: JSONWritable>(_ x: Exchange, owner: String, _ id: Int64, seq: (Item) -> Int64,
                                         fetch: (_ after: Int64?, _ limit: Int) throws -> [Item]) throws -> Response {
        let q = try x.query(["limit", "after"])
        let limit = Int(try q.int("limit", in: 1...500) ?? 50)
        var after: Int64?
        if let a = q.string("after") {
            let c = try Cursor.decode(a)
            guard c[owner] == String(id), let s = c["seq"].flatMap(Int64.init) else {
                throw APIError.badRequest("query parameter after is not a cursor of this list")
            }
            after = s
        }
        let rows = try fetch(after, limit + 1)
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? Cursor.encode([(owner, String(id)), ("seq", String(seq(page.last!)))]) : nil
        return Answer.json(.ok, Page(items: page, next: next))
    }

    func appendRevision(_ x: Exchange, _ id: Int64) throws -> Response {
        _ = try store.strike(id: id)
        let build: @Sendable (RevisionWrite) -> Response = { written in
            var h = HTTPFields()
            h[.location] = "/v1/strikes/\(written.revision.strikeId)/revisions"
            return Answer.json(.created, RevisionWithToll(written), headers: h)
        }
        return build(try store.appendRevision(toStrike: id, try Figures.decode(try x.jsonBody(), now: x.now), keeping: x.keeper(build)))
    }

    func voidRevision(_ x: Exchange, _ seq: Int64) throws -> Response {
        guard try store.revisionExists(seq: seq) else { throw APIError.notFound("no revision \(seq)") }
        let request = try VoidRequest.decode(try x.jsonBody())
        let build: @Sendable (RevisionWrite) -> Response = { Answer.json(.ok, RevisionWithToll($0)) }
        return build(try store.voidRevision(seq: seq, reason: request.reason, keeping: x.keeper(build)))
    }

    // MARK: Reports

    func ingestReport(_ x: Exchange) throws -> Response {
        let report = try Report.decode(try x.jsonBody(), now: x.now)
        let build: @Sendable (ReportOutcome) -> Response = { outcome in
            var h = HTTPFields()
            h[.location] = "/v1/strikes/\(outcome.strike.id)"
            return Answer.json(.created, ReportAnswer(outcome), headers: h)
        }
        return build(try store.ingest(report, window: configuration.matchWindow, keeping: x.keeper(build)))
    }
}

struct RevisionWithToll: JSONWritable {
    let written: RevisionWrite
    init(_ w: RevisionWrite) { written = w }
    func write(to json: inout JSONWriter) {
        json.object { o in
            o.key("revision"); written.revision.write(to: &o)
            o.key("toll"); written.toll.write(to: &o)
        }
    }
}

struct ReportAnswer: JSONWritable {
    let outcome: ReportOutcome
    init(_ o: ReportOutcome) { outcome = o }
    func write(to json: inout JSONWriter) {
        json.object { o in
            o.key("strike"); outcome.strike.write(to: &o)
            o.key("revision")
            if let r = outcome.revision { r.write(to: &o) } else { o.null() }
            o.field("matched", outcome.matched)
        }
    }
}

/// `date`, or `from` and `to` (local dates or instants), as one range.
struct DateRange {
    var fromDate: CivilDate?
    var toDate: CivilDate?
    var fromInstant: Timestamp?
    var toInstant: Timestamp?

    init(_ q: QueryParameters) throws(APIError) {
        if let d = try q.date("date") {
            if q.string("from") != nil || q.string("to") != nil {
                throw .badRequest("query parameter date cannot be combined with from or to")
            }
            fromDate = d; toDate = d
            return
        }
        switch try q.bound("from") {
        case .date(let d)?: fromDate = d
        case .instant(let t)?: fromInstant = t
        case nil: break
        }
        switch try q.bound("to") {
        case .date(let d)?: toDate = d
        case .instant(let t)?: toInstant = t
        case nil: break
        }
        if let a = fromDate, let b = toDate, a > b { throw .badRequest("query parameter from lies after to") }
        if let a = fromInstant, let b = toInstant, a > b { throw .badRequest("query parameter from lies after to") }
    }
}
