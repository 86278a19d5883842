import Foundation
import HTTPTypes
import LedgerModel
import LedgerStore
import Logging
import SocketHTTP
import Synchronization

/// Settings of the API that an operator may change.
public struct APIConfiguration: Sendable {
    /// How far apart a report's `occurred_at` and a strike's may lie for the report to
    /// match that strike, in seconds.
    public var matchWindow: Int64 = 6 * 3600
    /// When true, every GET but /healthz and /readyz needs a valid key.
    public var privateReads = false
    /// Writes per second allowed to one key (bursts up to ten times that); 0 for no limit.
    public var writesPerSecondPerKey: Double = 0
    /// Origins whose pages may read the API (`https://news.example`, each as a browser
    /// sends `Origin`), or `["*"]` for any; empty: no CORS field is ever sent.
    public var corsOrigins: [String] = []
    /// The most strikes a casualties answer built whole (and kept in the answer cache)
    /// holds; a larger answer is streamed, a page of strikes in memory at a time.
    public var inlineCasualtyStrikes = 5_000
    /// How many exports and large casualties answers may stream at once, each from a
    /// database connection of its own; past it, 503 with `Retry-After`.
    public var concurrentStreams = 4
    public init() {}
}

/// The HTTP API of StrikeLedger: routes each request to its handler, authenticates,
/// keeps idempotent answers, and turns every error into a problem.
public final class LedgerService: HTTPHandler {
    let store: LedgerStore
    let configuration: APIConfiguration
    let logger: Logger
    let metrics: ServiceMetrics
    let idempotency = Mutex<Set<String>>([])
    let feed: ChangeFeed
    let casualtyCache = AnswerCache()
    let streamPermits: StreamPermits
    let writeLimit: RateLimiter?
    let cors: CORSPolicy
    /// The webhook courier, once `deliverWebhooks` started it.
    let courier = Mutex<WebhookCourier?>(nil)
    /// `/openapi.json` is static: its gzip form is made once.
    private let openAPIGzip = GzipCache()

    public init(store: LedgerStore, configuration: APIConfiguration = APIConfiguration(),
                logger: Logger = Logger(label: "strikeledger.api")) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.metrics = ServiceMetrics()
        self.feed = ChangeFeed(store: store, metrics: metrics)
        self.writeLimit = configuration.writesPerSecondPerKey > 0
            ? RateLimiter(perSecond: configuration.writesPerSecondPerKey, burst: configuration.writesPerSecondPerKey * 10) : nil
        self.cors = CORSPolicy(origins: configuration.corsOrigins)
        self.streamPermits = StreamPermits(limit: max(1, configuration.concurrentStreams))
    }

    /// Tells the metrics how to count open connections (the server knows).
    public func observeConnections(_ count: @escaping @Sendable () -> Int) {
        metrics.connectionCount.withLock { $0 = count }
    }

    /// The wall clock, for the "not more than 5 minutes in the future" rule. (The store
    /// keeps its own clock for `recorded_at`; tests may set that one.)
    var now: Timestamp { Timestamp(seconds: Int64(Date().timeIntervalSince1970)) }

    public func handleInline(_ request: Request) -> Reply? {
        // Answers from memory: liveness, CORS preflights, a conditional poll of the feed with
        // nothing new, and cached casualties.
        let path = request.path
        if path == "/healthz", request.query.isEmpty, request.head.method == .get || request.head.method == .head {
            return .response(Answer.json(.ok, Array(#"{"status":"ok"}"#.utf8)).adding(cors.fields(for: request.head)))
        }
        if request.head.method == .options, let preflight = cors.preflight(request) {
            // Before any key: a browser never sends one with a preflight.
            metrics.record(route: Route(path: path)?.pattern ?? "unmatched", status: 204, since: nil)
            return .response(preflight)
        }
        guard request.head.method == .get || request.head.method == .head, !configuration.privateReads else { return nil }
        if path == "/v1/changes", let response = feed.notModifiedFromMemory(request) {
            metrics.record(route: Route.changes.pattern, status: 304, since: nil)
            return .response(response.adding(cors.fields(for: request.head)))
        }
        if path == "/v1/casualties" {
            if let response = cachedCasualties(request) {
                metrics.record(route: Route.casualties.pattern, status: Self.status(response, request), since: nil)
                return .response(response.adding(cors.fields(for: request.head)))
            }
            // A short read (one city, a few days) costs less than the hand-off to a
            // worker and back; a long one goes to the pool, so the loop never stalls.
            if let parsed = shortCasualtiesRead(request) {
                // The turn's short reads share one snapshot (`turnEnded` lets it go).
                store.startReadTurn()
                return handle(request, casualtyQuery: parsed)
            }
        }
        return nil
    }

    public func turnEnded() { store.endReadTurn() }

    /// The status the client gets: the server answers 304 for a matching `If-None-Match`.
    private static func status(_ response: Response, _ request: Request) -> Int {
        OutputFilters.answersNotModified(response, to: request.head) ? 304 : response.head.status.code
    }

    /// Refuses a request with a body before the body is read, in the contract's order:
    /// route and method (404, 405), key (401, 403), an unknown id in the path (404), a stale
    /// `If-Match` (412). The server applies the body-size limit (413) only after this.
    public func screen(_ head: HTTPRequest) -> Response? {
        var found: (any Sendable)?
        return screen(head, found: &found)
    }

    /// `screen`, keeping the caller's key in `found`: the request's `screened`, so that the
    /// key is looked up once per request, not again once the body is in. (A key revoked
    /// while the body arrives still serves this request: it was valid when it began.)
    public func screen(_ head: HTTPRequest, found: inout (any Sendable)?) -> Response? {
        let request = Request(head: head, body: [])
        guard let route = Route(path: request.path) else {
            metrics.record(route: "unmatched", status: 404, since: nil)
            return APIError.notFound("no resource at this path").response.adding(cors.fields(for: head))
        }
        do {
            guard route.methods.contains(head.method) else { throw APIError.methodNotAllowed(allow: route.methods) }
            let x = Exchange(request: request, route: route, key: nil, now: now)
            // The rate limit is taken once per request, when it runs, not here as well.
            found = try authenticate(x, method: head.method == .head ? .get : head.method, takingRateLimit: false)
            try requireResource(of: route)
            if case .strike(let id) = route, head.method == .patch {
                _ = try Self.versionNamed(byIfMatch: head.headerFields[.ifMatch], current: try store.strike(id: id))
            }
            return nil
        } catch {
            let response = APIError.from(error).response
            metrics.record(route: route.pattern, status: response.head.status.code, since: nil)
            return response.adding(cors.fields(for: head))
        }
    }

    /// 404 when the id in the path names nothing.
    private func requireResource(of route: Route) throws {
        switch route {
        case .city(let id), .cityAliases(let id):
            guard store.gazetteer.cities[id] != nil else { throw APIError.notFound("no city \(id)") }
        case .source(let id): _ = try store.source(id: id)
        case .strike(let id), .strikeMerge(let id), .strikeRevisions(let id): _ = try store.strike(id: id)
        case .revisionVoid(let seq):
            guard try store.revisionExists(seq: seq) else { throw APIError.notFound("no revision \(seq)") }
        case .attack(let id), .attackRevisions(let id), .attackStrikes(let id): _ = try store.attack(id: id)
        case .attackRevisionVoid(let seq):
            guard try store.attackRevisionExists(seq: seq) else { throw APIError.notFound("no attack revision \(seq)") }
        case _ where route.subscriptionId != nil: _ = try store.subscription(id: route.subscriptionId!)
        default: break
        }
    }

    public func handle(_ request: Request) -> Reply { handle(request, casualtyQuery: nil) }

    /// `casualtyQuery`: the query string of a casualties read, when already parsed.
    private func handle(_ request: Request, casualtyQuery: CasualtyQueryText?) -> Reply {
        let started = ContinuousClock.now
        let corsFields = cors.fields(for: request.head)
        guard let route = Route(path: request.path) else {
            let r = APIError.notFound("no resource at this path").response
            metrics.record(route: "unmatched", status: 404, since: started)
            return .response(r.adding(corsFields))
        }
        var reply: Reply
        do {
            reply = try dispatch(request, route: route, corsFields: corsFields, casualtyQuery: casualtyQuery)
        } catch {
            let e = APIError.from(error)
            if case .internalError = e { logger.error("unexpected error: \(error)") }
            if case StoreError.database(let m)? = error as? StoreError { logger.error("store failed: \(m)") }
            reply = .response(e.response)
        }
        let status: Int
        switch reply {
        case .response(let r):
            status = Self.status(r, request)
            reply = .response(r.adding(corsFields))
        case .deferred:
            status = 200  // the feed adds the CORS fields to whatever completes it
        case .stream(let head, let stream):
            status = head.status.code
            reply = .stream(head.adding(corsFields), stream)
        }
        metrics.record(route: route.pattern, status: status, since: started)
        return reply
    }

    private func dispatch(_ request: Request, route: Route, corsFields: [HTTPField]?, casualtyQuery: CasualtyQueryText?) throws -> Reply {
        var method = request.head.method
        guard route.methods.contains(method) else {
            throw APIError.methodNotAllowed(allow: route.methods)
        }
        if method == .head { method = .get }
        var exchange = Exchange(request: request, route: route, key: nil, now: now)
        exchange.corsFields = corsFields
        exchange.casualtyQuery = casualtyQuery
        exchange.key = try authenticate(exchange, method: method)

        if method == .post, let idempotencyKey = request.head.headerFields[.idempotencyKey] {
            return .response(try idempotent(exchange, key: idempotencyKey) { claimed in try self.respond(claimed, method: method) })
        }
        switch try respondOrReply(exchange, method: method) {
        case .left(let r): return .response(r)
        case .right(let reply): return reply
        }
    }

    private enum Either { case left(Response), right(Reply) }

    private func respondOrReply(_ x: Exchange, method: HTTPRequest.Method) throws -> Either {
        switch x.route {
        case .changes: return .right(try feed.poll(x))
        case .changesStream: return .right(try feed.stream(x))
        case .export(let format): return .right(try export(x, format))
        case .casualties: return .right(try casualties(x))
        default: return .left(try respond(x, method: method))
        }
    }

    /// The write routes and the plain reads.
    func respond(_ x: Exchange, method: HTTPRequest.Method) throws -> Response {
        switch x.route {
        case .health, .readiness, .metrics, .openAPI, .page, .pageAsset: _ = try x.query([])
        default:
            // No write takes a query parameter: one there is a typo, never silently ignored.
            if method != .get && x.route != .imports { _ = try x.query([]) }
        }
        switch (x.route, method) {
        case (.health, _): return Answer.json(.ok, Array(#"{"status":"ok"}"#.utf8))
        case (.readiness, _):
            if case .unavailable(let cause) = store.readiness() { throw APIError(cause) }
            return Answer.json(.ok, Array(#"{"status":"ok"}"#.utf8))
        case (.metrics, _):
            return metrics.exposition(heldPolls: feed.heldCount, database: store.timing,
                                      webhooks: webhookFigures())
        case (.openAPI, _):
            var document = Answer.json(.ok, OpenAPIDocument.bytes)
            document.gzipCache = openAPIGzip
            return document
        case (.page, _): return LivePage.response(LivePage.html)
        case (.pageAsset(let name), _):
            guard let file = LivePage.assets[name] else { throw APIError.notFound("no file \(name) in the page's assets") }
            return LivePage.response(file)
        case (.cities, .get): return try listCities(x)
        case (.cities, _): return try createCity(x)
        case (.city(let id), _): return try getCity(x, id)
        case (.cityAliases(let id), _): return try addAlias(x, id)
        case (.sources, .get): return try listSources(x)
        case (.sources, _): return try createSource(x)
        case (.source(let id), _): return try getSource(x, id)
        case (.strikes, .get): return try listStrikes(x)
        case (.strikes, _): return try createStrike(x)
        case (.strike(let id), .get): return try getStrike(x, id)
        case (.strike(let id), _): return try patchStrike(x, id)
        case (.strikeMerge(let id), _): return try mergeStrike(x, id)
        case (.strikeRevisions(let id), .get): return try listRevisions(x, id)
        case (.strikeRevisions(let id), _): return try appendRevision(x, id)
        case (.revisionVoid(let seq), _): return try voidRevision(x, seq)
        case (.reports, _): return try ingestReport(x)
        case (.weapons, _): return try listWeapons(x)
        case (.attacks, .get): return try listAttacks(x)
        case (.attacks, _): return try createAttack(x)
        case (.attack(let id), _): return try getAttack(x, id)
        case (.attackRevisions(let id), .get): return try listAttackRevisions(x, id)
        case (.attackRevisions(let id), _): return try appendAttackRevision(x, id)
        case (.attackStrikes(let id), _): return try linkStrikes(x, id)
        case (.attackRevisionVoid(let seq), _): return try voidAttackRevision(x, seq)
        case (.imports, _): return try importFile(x)
        case (.subscriptions, .get): return try listSubscriptions(x)
        case (.subscriptions, _): return try createSubscription(x)
        case (.subscription(let id), .get): return try getSubscription(x, id)
        case (.subscription(let id), .delete): return try deleteSubscription(x, id)
        case (.subscription(let id), _): return try patchSubscription(x, id)
        case (.subscriptionSecret(let id), _): return try rotateSecret(x, id)
        case (.subscriptionDeliveries(let id), _): return try listDeliveries(x, id)
        case (.deliveryRetry(let id, let event), _): return try retryDelivery(x, id, event)
        case (.changes, _), (.changesStream, _), (.export, _), (.casualties, _):
            throw APIError.badRequest("idempotency keys apply to POST only")
        }
    }

    /// The role each write needs.
    private func requiredRole(_ route: Route) -> Role {
        switch route {
        case .cities, .subscriptions, .subscription, .subscriptionSecret, .subscriptionDeliveries, .deliveryRetry: .admin
        case .cityAliases, .strike, .strikeMerge, .revisionVoid, .attackStrikes, .attackRevisionVoid, .imports: .editor
        default: .reporter
        }
    }

    private func authenticate(_ x: Exchange, method: HTTPRequest.Method, takingRateLimit: Bool = true) throws(APIError) -> APIKey? {
        let isWrite = method != .get
        let needsKey = isWrite || x.route.isAdminOnly || (configuration.privateReads && !x.route.isPublic)
        guard let header = x.header(.authorization) else {
            if needsKey {
                throw .unauthorized(isWrite ? "writes need Authorization: Bearer <key>"
                                    : x.route.isAdminOnly ? "subscriptions need an admin key" : "this server's reads need a key")
            }
            return nil
        }
        let found: APIKey?
        if let screened = x.request.screened as? APIKey {
            found = screened  // looked up by `screen`, for this very request
        } else {
            let parts = header.split(separator: " ", maxSplits: 1)
            do {
                found = parts.count == 2 && parts[0].lowercased() == "bearer"
                    ? try store.authenticate(String(parts[1].trimmingOWS())) : nil
            } catch {
                // The database is down: a key it cannot look up is not an unknown key (401, which
                // clients take as final) but a request to try again (503 with Retry-After).
                if needsKey { throw APIError(error) }
                return nil
            }
        }
        guard let key = found else {
            if needsKey { throw .unauthorized("the key is unknown or revoked") }
            return nil
        }
        if (isWrite || x.route.isAdminOnly) && key.role < requiredRole(x.route) {
            throw .forbidden("this needs the \(requiredRole(x.route).rawValue) role; the key has \(key.role.rawValue)")
        }
        if isWrite, takingRateLimit, let writeLimit, let wait = writeLimit.take(for: key.id) {
            throw .tooManyRequests(retryAfter: wait)
        }
        return key
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
