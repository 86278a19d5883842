import Dispatch
import HTTPTypes
import LedgerModel
import LedgerStore
import SocketHTTP
import Synchronization

/// The changes feed over HTTP: polls with a cursor and ETag, long-polls parked without a
/// thread until the change hub sees a matching commit, and server-sent event streams.
final class ChangeFeed: Sendable {
    let store: LedgerStore
    private let held = Atomic<Int>(0)
    /// Where woken long-polls and streams run their query, off the committing thread.
    private let queue = DispatchQueue(label: "strikeledger.feed", attributes: .concurrent)

    private let metrics: ServiceMetrics

    init(store: LedgerStore, metrics: ServiceMetrics) {
        self.store = store
        self.metrics = metrics
    }

    /// The last chunk of a stream whose reader fell more than its buffer behind: an SSE
    /// comment, after the last whole event it was sent.
    static let slowReaderNote = Array(": closed: reader too slow, resume with Last-Event-ID\n\n".utf8)

    var heldCount: Int { held.load(ordering: .relaxed) }

    struct Poll {
        var since: Int64
        var filter: FeedFilter
        var limit: Int
        var wait: Int64
    }

    private func parse(_ request: Request, allowed: Set<String>) throws -> Poll {
        let q = try QueryParameters(request.query, allowed: allowed)
        var filter = FeedFilter()
        if let name = q.string("city") { filter.cityId = try store.resolveCity(CityName(parsing: name)).id }
        filter.strikeId = try q.int("strike_id", in: 1...Int64.max)
        filter.attackId = try q.int("attack_id", in: 1...Int64.max)
        return Poll(since: try q.int("since", in: 0...Int64.max) ?? 0, filter: filter,
                    limit: Int(try q.int("limit", in: 1...1000) ?? 100), wait: try q.int("wait", in: 0...60) ?? 0)
    }

    private static func etag(_ seq: Int64) -> String { "\"\(seq)\"" }

    private static func conditionalOn(_ request: Request, since: Int64) -> Bool {
        request.head.headerFields[.ifNoneMatch].map { ETag.matches($0, etag(since)) } ?? false
    }

    /// A 304 answered from memory: `If-None-Match: "<since>"`, no wait, and the hub knows
    /// no matching event after `since`. Nil when that cannot be decided without a query.
    func notModifiedFromMemory(_ request: Request) -> Response? {
        guard request.head.headerFields[.ifNoneMatch] != nil,
              let poll = try? parse(request, allowed: ["since", "city", "strike_id", "attack_id", "limit", "wait"]),
              poll.wait == 0, Self.conditionalOn(request, since: poll.since),
              store.changes.hasEvent(after: poll.since, matching: poll.filter) == false else { return nil }
        return Answer.notModified(etag: Self.etag(poll.since))
    }

    /// `GET /v1/changes`. The `"<since>"` rule (304 while nothing matches after `since`) is
    /// decided here, before any query; RFC 9110's own rule (304 when `If-None-Match` names
    /// the ETag of the answer computed, now or when a parked poll wakes) is the server's,
    /// as for every answer (`OutputFilters`).
    func poll(_ x: Exchange) throws -> Reply {
        let poll = try parse(x.request, allowed: ["since", "city", "strike_id", "attack_id", "limit", "wait"])
        let conditional = Self.conditionalOn(x.request, since: poll.since)
        if store.changes.hasEvent(after: poll.since, matching: poll.filter) == false {
            if poll.wait > 0 { return .deferred(park(poll, conditional: conditional, adding: x.corsFields)) }
            if conditional { return .response(Answer.notModified(etag: Self.etag(poll.since))) }
        }
        let answer = try answer(poll)
        if answer.items.isEmpty && poll.wait > 0 { return .deferred(park(poll, conditional: conditional, adding: x.corsFields)) }
        // No matching event after `since`: 304 under the condition, whether the hub or the
        // database decided it (after a restart the hub knows no filtered history).
        if answer.items.isEmpty && conditional {
            return .response(Answer.notModified(etag: Self.etag(poll.since)))
        }
        return .response(answer.response)
    }

    struct FeedAnswer: JSONWritable {
        var items: [ChangeEvent]
        var nextSince: Int64
        func write(to json: inout JSONWriter) {
            json.object { o in
                o.key("items")
                o.array { a in for e in items { e.write(to: &a) } }
                o.field("next_since", nextSince)
            }
        }
        var response: Response { Answer.tagged(etag: ChangeFeed.etag(nextSince), jsonBytes) }
    }

    private func answer(_ poll: Poll) throws -> FeedAnswer {
        let (items, head) = try store.changes(since: poll.since, filter: poll.filter, limit: poll.limit)
        return FeedAnswer(items: items, nextSince: items.last?.seq ?? head)
    }

    /// Woken polls that asked the same question share one query: thousands of clients
    /// parked at the head, woken by one commit, cost one read.
    private let wokenAnswers = AnswerCache(capacity: 1024)

    private func sharedAnswer(_ poll: Poll) -> Response {
        let key = "\(poll.since) \(poll.filter.cityId ?? 0) \(poll.filter.strikeId ?? 0) \(poll.filter.attackId ?? 0) \(poll.limit)"
        let version = store.dataVersion
        if let cached = wokenAnswers.answer(for: key[...], at: version) { return cached.response }
        guard let answer = try? answer(poll) else { return APIError.unavailable("the database did not answer").response }
        let entry = AnswerCache.Entry(version: version, etag: ChangeFeed.etag(answer.nextSince), body: answer.jsonBytes)
        wokenAnswers.store(entry, for: key[...])
        return entry.response
    }

    /// The answer for a poll that waited in vain: no items; the head when no matching
    /// event can have slipped in, else `since` (the client asks again and gets it).
    private func emptyAnswer(_ poll: Poll, conditional: Bool) -> Response {
        let hub = store.changes
        let head = hub.head
        let quiet = hub.hasEvent(after: poll.since, matching: poll.filter) == false
        if conditional && quiet { return Answer.notModified(etag: Self.etag(poll.since)) }
        let next = quiet ? head : poll.since
        return FeedAnswer(items: [], nextSince: next).response
    }

    /// Parks a poll until a matching commit (then the shared answer) or its wait runs out
    /// (then `emptyAnswer`). Either answer gets `fields` (CORS) added; the server answers
    /// 304 in place of either when the client's `If-None-Match` names its ETag.
    private func park(_ poll: Poll, conditional: Bool, adding fields: [HTTPField]?) -> DeferredResponse {
        let deferred = DeferredResponse(timeout: .seconds(poll.wait)) { [self] in
            emptyAnswer(poll, conditional: conditional).adding(fields)
        }
        held.add(1, ordering: .relaxed)
        let token = store.changes.wait(after: poll.since, matching: poll.filter) { [self] _ in
            queue.async { deferred.complete(self.sharedAnswer(poll).adding(fields)) }
        }
        deferred.onFinish { [self] in
            store.changes.cancel(token)
            held.subtract(1, ordering: .relaxed)
        }
        return deferred
    }

    /// `GET /v1/changes/stream`: server-sent events, resumable with `Last-Event-ID`.
    func stream(_ x: Exchange) throws -> Reply {
        var poll = try parse(x.request, allowed: ["since", "city", "strike_id", "attack_id"])
        if let last = x.header(.lastEventID) {
            guard let seq = Int64(last.trimmingOWS()), seq >= 0 else {
                throw APIError.badRequest("Last-Event-ID must be a seq")
            }
            poll.since = seq
        }
        poll.limit = 500
        let stream = ResponseStream(heartbeat: Array(": keep-alive\n\n".utf8), heartbeatInterval: .seconds(15),
                                    maxBufferedBytes: 1 << 20, closingNote: Self.slowReaderNote)
        let pump = StreamPump(feed: self, stream: stream, poll: poll)
        held.add(1, ordering: .relaxed)
        stream.onFinish { [self] in
            pump.stop()
            held.subtract(1, ordering: .relaxed)
            if stream.endedTooSlow { metrics.recordSlowReaderClosed() }
        }
        var head = HTTPResponse(status: .ok)
        head.headerFields[.contentType] = "text/event-stream"
        head.headerFields[.cacheControl] = "no-store"
        queue.async { pump.run() }
        return .stream(head, stream)
    }

    /// Writes events to one stream as they are committed.
    final class StreamPump: Sendable {
        let feed: ChangeFeed
        let stream: ResponseStream
        let state: Mutex<(cursor: Int64, token: UInt64?, stopped: Bool)>
        let poll: Poll

        init(feed: ChangeFeed, stream: ResponseStream, poll: Poll) {
            self.feed = feed; self.stream = stream; self.poll = poll
            self.state = Mutex((poll.since, nil, false))
        }

        func stop() {
            let token = state.withLock { s -> UInt64? in s.stopped = true; return s.token }
            if let token { feed.store.changes.cancel(token) }
        }

        func run() {
            while true {
                let cursor = state.withLock { $0.cursor }
                guard let (items, _) = try? feed.store.changes(since: cursor, filter: poll.filter, limit: poll.limit) else {
                    stream.finish(); return
                }
                for item in items {
                    var bytes = Array("id: \(item.seq)\nevent: \(item.kind.rawValue)\ndata: ".utf8)
                    bytes += item.jsonBytes
                    bytes += Array("\n\n".utf8)
                    guard stream.write(bytes) else { return }
                }
                if let last = items.last { state.withLock { $0.cursor = last.seq } }
                if items.count == poll.limit { continue }
                // Park until a matching commit, then run again.
                let newCursor = state.withLock { $0.cursor }
                let token = feed.store.changes.wait(after: newCursor, matching: poll.filter) { [self] _ in
                    feed.queue.async { self.run() }
                }
                let stopped = state.withLock { s -> Bool in s.token = token; return s.stopped }
                if stopped { feed.store.changes.cancel(token) }
                return
            }
        }
    }
}
