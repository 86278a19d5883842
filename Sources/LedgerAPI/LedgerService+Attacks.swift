import HTTPTypes
import LedgerModel
import LedgerStore
import SocketHTTP

/// Attacks (waves), their weapon counts, the strikes linked to them, and the weapon catalogue.
extension LedgerService {
    /// `GET /v1/weapons`: the catalogue, by id.
    func listWeapons(_ x: Exchange) throws -> Response {
        _ = try x.query([])
        return Answer.json(.ok, Page(items: store.weaponCatalogue.all, next: nil))
    }

    func listAttacks(_ x: Exchange) throws -> Response {
        let q = try x.query(["from", "to", "country", "limit", "after"])
        let limit = Int(try q.int("limit", in: 1...500) ?? 50)
        var query = AttackQuery()
        if let after = q.string("after") {
            let c = try Cursor.decode(after)
            guard let at = c["at"].flatMap(Int64.init), let id = c["id"].flatMap(Int64.init) else {
                throw APIError.badRequest("query parameter after is not a cursor from this server")
            }
            query.country = c["country"].flatMap { $0.isEmpty ? nil : $0 }
            query.from = c["from"].flatMap(Int64.init).map(Timestamp.init(seconds:))
            query.to = c["to"].flatMap(Int64.init).map(Timestamp.init(seconds:))
            query.after = (at, id)
        } else {
            if let country = q.string("country") {
                guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                    throw APIError.badRequest("query parameter country must be an ISO 3166-1 alpha-2 code such as UA")
                }
                query.country = country
            }
            // A date bound is the whole UTC day.
            switch try q.bound("from") {
            case .date(let d)?: query.from = Timestamp(seconds: d.daysSinceEpoch * 86_400)
            case .instant(let t)?: query.from = t
            case nil: break
            }
            switch try q.bound("to") {
            case .date(let d)?: query.to = Timestamp(seconds: d.daysSinceEpoch * 86_400 + 86_399)
            case .instant(let t)?: query.to = t
            case nil: break
            }
            if let a = query.from, let b = query.to, a > b { throw APIError.badRequest("query parameter from lies after to") }
        }
        query.limit = limit + 1
        let rows = try store.attacks(query)
        let page = Array(rows.prefix(limit))
        var next: String?
        if rows.count > limit, let last = page.last {
            next = Cursor.encode([
                ("country", query.country ?? ""),
                ("from", query.from.map { String($0.seconds) } ?? ""), ("to", query.to.map { String($0.seconds) } ?? ""),
                ("at", String(last.startedAt.seconds)), ("id", String(last.id)),
            ])
        }
        return Answer.json(.ok, Page(items: page, next: next))
    }

    func createAttack(_ x: Exchange) throws -> Response {
        let build: @Sendable (Attack) -> Response = { Answer.created($0, location: "/v1/attacks/\($0.id)") }
        return build(try store.createAttack(try NewAttack.decode(try x.jsonBody(), now: x.now), keeping: x.keeper(build)))
    }

    func getAttack(_ x: Exchange, _ id: Int64) throws -> Response {
        _ = try x.query([])
        return Answer.json(.ok, try store.attack(id: id))
    }

    func listAttackRevisions(_ x: Exchange, _ id: Int64) throws -> Response {
        try historyPage(x, owner: "attack", id, seq: \.seq) { after, limit in
            try store.attackRevisions(ofAttack: id, after: after, limit: limit)
        }
    }

    func appendAttackRevision(_ x: Exchange, _ id: Int64) throws -> Response {
        _ = try store.attack(id: id)
        let build: @Sendable (AttackRevisionWrite) -> Response = { written in
            var h = HTTPFields()
            h[.location] = "/v1/attacks/\(written.revision.attackId)/revisions"
            return Answer.json(.created, AttackRevisionAnswer(written), headers: h)
        }
        return build(try store.appendAttackRevision(toAttack: id, try AttackFigures.decode(try x.jsonBody(), now: x.now),
                                                    keeping: x.keeper(build)))
    }

    func voidAttackRevision(_ x: Exchange, _ seq: Int64) throws -> Response {
        guard try store.attackRevisionExists(seq: seq) else { throw APIError.notFound("no attack revision \(seq)") }
        let request = try VoidRequest.decode(try x.jsonBody())
        let build: @Sendable (AttackRevisionWrite) -> Response = { Answer.json(.ok, AttackRevisionAnswer($0)) }
        return build(try store.voidAttackRevision(seq: seq, reason: request.reason, keeping: x.keeper(build)))
    }

    func linkStrikes(_ x: Exchange, _ id: Int64) throws -> Response {
        _ = try store.attack(id: id)
        let links = try AttackLinks.decode(try x.jsonBody())
        let build: @Sendable (Attack) -> Response = { Answer.json(.ok, $0) }
        return build(try store.link(strikes: links.strikeIds, toAttack: id, keeping: x.keeper(build)))
    }
}

/// An attack revision as written, and the attack's counts right after.
struct AttackRevisionAnswer: JSONWritable {
    let written: AttackRevisionWrite
    init(_ w: AttackRevisionWrite) { written = w }
    func write(to json: inout JSONWriter) {
        json.object { o in
            o.key("revision"); written.revision.write(to: &o)
            o.key("weapons")
            o.array { a in for w in written.weapons { w.write(to: &a) } }
            o.field("revisions", written.revisions)
        }
    }
}
