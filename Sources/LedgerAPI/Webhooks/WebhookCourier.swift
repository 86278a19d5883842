import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerModel
import LedgerStore
import Logging
import Synchronization

/// Settings of webhook delivery. The defaults are the issue's; tests shorten the delays.
public struct WebhookConfiguration: Sendable {
    /// Lifts the guard against server-side request forgery (`--allow-private-webhooks`):
    /// deliveries then bypass the guard's proxy. The route through that proxy is the
    /// process's (GuardedRoute): once a guarded courier has sent, every URLSession request
    /// of the process goes through the guard, whatever this says.
    public var allowPrivateAddresses = false
    /// The wait before each retry; the last one repeats for good.
    public var retryDelays: [Duration] = [.seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(3600), .seconds(21_600)]
    /// Each delay is stretched or shrunk at random by up to this fraction of itself.
    public var jitter = 0.2
    /// A subscription that has failed for this long is disabled.
    public var disableAfter: Duration = .seconds(3 * 86_400)
    /// One request's whole budget, connect to last byte.
    public var timeout: Duration = .seconds(10)
    /// Sends at once (each to a different subscription): the pool of the courier's own.
    public var senders = 8
    /// How often the outbox is asked for due deliveries (other processes' writes, retries
    /// falling due).
    public var pollInterval: Duration = .milliseconds(250)
    /// How long a claim on a subscription lasts without renewal (past one send's timeout).
    public var lease: Duration = .seconds(60)
    /// Forget every lease at start: right for a process alone on its database (SQLite),
    /// whose earlier life may have died holding some; wrong beside other live processes.
    public var releaseLeasesAtStart = false
    public init() {}
}

/// Delivers the webhook outbox: per subscription in seq order, one delivery in flight at a
/// time, on a bounded pool of senders of its own, so that a slow or failing receiver
/// delays only its own subscription. A subscription is leased in the database while it
/// is being served, so several processes on one PostgreSQL never send to it at once.
public final class WebhookCourier: Sendable {
    let store: LedgerStore
    let configuration: WebhookConfiguration
    let logger: Logger
    /// This process's name on the leases it takes.
    let owner = UUID().uuidString
    private let session: URLSession
    /// False once `stop` invalidated the session: a task asked of an invalidated session
    /// stops the process ("Session invalidated"), so tasks are made under this lock, and
    /// `stop` takes it to close the session.
    private let sessionOpen = Mutex<Bool>(true)
    private let serving = Mutex<Set<Int64>>([])
    private let wake = DispatchSemaphore(value: 0)
    private let running = Atomic<Bool>(false)
    private let senders: DispatchQueue
    let delivered = Atomic<Int>(0)
    let failed = Atomic<Int>(0)

    public init(store: LedgerStore, configuration: WebhookConfiguration = WebhookConfiguration(),
                logger: Logger = Logger(label: "strikeledger.webhooks")) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        let c = URLSessionConfiguration.ephemeral
        let seconds = configuration.timeout.seconds
        c.timeoutIntervalForRequest = seconds
        c.timeoutIntervalForResource = seconds
        c.httpMaximumConnectionsPerHost = max(1, configuration.senders)
        c.httpCookieAcceptPolicy = .never
        c.httpShouldSetCookies = false
        c.urlCache = nil
        c.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: c, delegate: RedirectRefusal(), delegateQueue: nil)
        senders = DispatchQueue(label: "strikeledger.webhooks.senders", attributes: .concurrent)
    }

    /// Starts the courier's thread.
    public func start() {
        guard running.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged else { return }
        if configuration.releaseLeasesAtStart {
            do { try store.releaseAllWebhookLeases() } catch { logger.warning("could not release webhook leases: \(error)") }
        }
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                let wait = tick()
                _ = wake.wait(timeout: .now() + .milliseconds(Int(wait.milliseconds)))
            }
        }
        thread.name = "strikeledger-webhooks"
        thread.start()
    }

    /// Starts the guard's proxy and points libcurl at it now, rather than at the first
    /// delivery: the route is the process's environment, best set before other threads run.
    public static func routeThroughGuard(_ configuration: WebhookConfiguration) throws {
        guard !configuration.allowPrivateAddresses else { return }
        _ = try GuardedRoute.proxy(senders: configuration.senders, timeout: configuration.timeout)
    }

    /// Stops taking new deliveries; sends in flight finish (their leases lapse if not).
    public func stop() {
        running.store(false, ordering: .sequentiallyConsistent)
        wake.signal()
        // A sender past its check of `running` may be about to make a task: it makes it
        // before this (and the task is cancelled here) or finds the session closed.
        let wasOpen = sessionOpen.withLock { open -> Bool in
            defer { open = false }
            return open
        }
        if wasOpen { session.invalidateAndCancel() }
    }

    /// Looks at the outbox now (after a retry was asked for, or a send ended).
    func nudge() { wake.signal() }

    static var nowMilliseconds: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// One look at the outbox: serves every due subscription there is a sender for; returns
    /// how long to wait before the next look.
    private func tick() -> Duration {
        let now = Self.nowMilliseconds
        let due: [Int64], next: Int64?
        do {
            (due, next) = try store.dueSubscriptions(nowMilliseconds: now)
        } catch {
            logger.warning("could not read the webhook outbox: \(error)")
            return configuration.pollInterval
        }
        for id in due {
            let taken = serving.withLock { s -> Bool in
                guard s.count < configuration.senders, !s.contains(id) else { return false }
                s.insert(id)
                return true
            }
            guard taken else { continue }
            let claimed = (try? store.claimSubscription(id, owner: owner, nowMilliseconds: now,
                                                        untilMilliseconds: now + configuration.lease.milliseconds)) ?? false
            guard claimed else { serving.withLock { _ = $0.remove(id) }; continue }
            senders.async { [self] in serve(id) }
        }
        let untilNext = next.map { Duration.milliseconds(max(1, $0 - now)) } ?? configuration.pollInterval
        return min(untilNext, configuration.pollInterval)
    }

    /// Sends a subscription's due deliveries in seq order until one fails or none is due.
    private func serve(_ id: Int64) {
        defer {
            try? store.releaseSubscription(id, owner: owner)
            serving.withLock { _ = $0.remove(id) }
            nudge()
        }
        while running.load(ordering: .relaxed) {
            let now = Self.nowMilliseconds
            do {
                guard try store.claimSubscription(id, owner: owner, nowMilliseconds: now,
                                                  untilMilliseconds: now + configuration.lease.milliseconds),
                      let job = try store.nextDelivery(ofSubscription: id, owner: owner),
                      job.nextAttemptMilliseconds <= now else { return }
                let attempt = send(job)
                try record(attempt, of: job)
                if !attempt.succeeded { return }
            } catch {
                logger.warning("webhook delivery to subscription \(id): \(error)")
                return
            }
        }
    }

    private func record(_ attempt: DeliveryAttempt, of job: DeliveryJob) throws {
        if attempt.succeeded {
            delivered.add(1, ordering: .relaxed)
            try store.recordAttempt(job, attempt, retryMilliseconds: 0, disableReason: nil)
            return
        }
        failed.add(1, ordering: .relaxed)
        let failures = job.attempts + 1
        let delays = configuration.retryDelays.isEmpty ? [Duration.seconds(21_600)] : configuration.retryDelays
        let base = Double(delays[min(failures, delays.count) - 1].milliseconds)
        let jittered = base * (1 + Double.random(in: -configuration.jitter...configuration.jitter))
        let since = job.failingSince ?? attempt.at
        var reason: String?
        if Self.nowMilliseconds - since.seconds * 1000 >= configuration.disableAfter.milliseconds {
            let why = attempt.statusCode.map { "HTTP \($0)" } ?? attempt.error ?? "no answer"
            reason = "every delivery failed since \(since.rfc3339); the last: \(why)"
        }
        try store.recordAttempt(job, attempt, retryMilliseconds: Self.nowMilliseconds + Int64(jittered), disableReason: reason)
    }

    /// The request of a delivery: the body and its Standard Webhooks fields.
    func request(for job: DeliveryJob, url: URL, at seconds: Int64) throws -> URLRequest {
        let (items, _) = try store.changes(since: job.seq - 1, filter: FeedFilter(), limit: 1)
        guard let event = items.first, event.seq == job.seq else { throw StoreError.notFound("event \(job.seq)") }
        let body = WebhookPayload(event: event, timestamp: job.eventTime).jsonBytes
        let id = Delivery.webhookId(subscription: job.subscriptionId, seq: job.seq)
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: configuration.timeout.seconds)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("StrikeLedger-Webhooks/1", forHTTPHeaderField: "User-Agent")
        request.setValue(id, forHTTPHeaderField: "webhook-id")
        request.setValue(String(seconds), forHTTPHeaderField: "webhook-timestamp")
        request.setValue(WebhookSignature.header(id: id, timestamp: seconds, body: body, secrets: job.secrets),
                         forHTTPHeaderField: "webhook-signature")
        return request
    }

    /// One attempt, synchronously, on the calling sender.
    private func send(_ job: DeliveryJob) -> DeliveryAttempt {
        let startedMs = Self.nowMilliseconds
        let at = Timestamp(seconds: startedMs / 1000)
        func failure(_ message: String) -> DeliveryAttempt {
            DeliveryAttempt(at: at, statusCode: nil, latencyMilliseconds: Self.nowMilliseconds - startedMs, error: message)
        }
        guard let url = URL(string: job.url), let host = url.host, !host.isEmpty else { return failure("the URL has no host") }
        let route = guardedRoute(to: host)
        if let refusal = route.refusal { return failure(refusal) }
        var request: URLRequest
        do { request = try self.request(for: job, url: url, at: at.seconds) } catch { return failure("\(error)") }
        // One connection (one tunnel through the proxy) per delivery, closed after it.
        if route.proxy != nil { request.setValue("close", forHTTPHeaderField: "Connection") }
        let sentAt = ProxySocket.now
        guard let (status, error) = exchange(request) else { return failure("timed out") }
        // The proxy's own answer (a refusal, a name that does not resolve) says more than
        // the 403 or 502 URLSession saw.
        let target = ProxyTarget(host: host, port: url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80))
        if let proxy = route.proxy, !(200..<300).contains(status ?? 0), let account = proxy.account(of: target, since: sentAt) {
            return failure(account)
        }
        return DeliveryAttempt(at: at, statusCode: status, latencyMilliseconds: Self.nowMilliseconds - startedMs, error: error)
    }

    /// The guard's proxy a delivery to `host` goes through (none with the guard lifted), or
    /// why it is refused before any request: a name that plainly points inward, or a proxy
    /// that cannot start.
    private func guardedRoute(to host: String) -> (proxy: ConnectGuardProxy?, refusal: String?) {
        guard !configuration.allowPrivateAddresses else { return (nil, nil) }
        if let refusal = AddressGuard.refusal(host: host) { return (nil, "refused: " + refusal) }
        do {
            return (try GuardedRoute.proxy(senders: configuration.senders, timeout: configuration.timeout), nil)
        } catch {
            return (nil, "the connect-time address guard could not start: \(error)")
        }
    }

    /// The status URLSession got, or why it got none; nil if the task never called back.
    private func exchange(_ request: URLRequest) -> (status: Int?, error: String?)? {
        let outcome = Mutex<(Int?, String?)>((nil, "no answer"))
        let done = DispatchSemaphore(value: 0)
        let made = sessionOpen.withLock { open -> URLSessionDataTask? in
            guard open else { return nil }
            let task = session.dataTask(with: request) { _, response, error in
                outcome.withLock { o in
                    if let http = response as? HTTPURLResponse { o = (http.statusCode, nil) }
                    else { o = (nil, error.map { "\($0.localizedDescription)" } ?? "no answer") }
                }
                done.signal()
            }
            task.resume()
            return task
        }
        guard let task = made else { return (nil, "the courier stopped before sending") }
        // URLSession's own timeout ends the task; this one only guards against a task that never calls back.
        if done.wait(timeout: .now() + .milliseconds(Int(configuration.timeout.milliseconds) + 5_000)) == .timedOut {
            task.cancel()
            return nil
        }
        return outcome.withLock { $0 }
    }
}

/// Answers every redirect with "do not follow": the 3xx itself is the answer, a failure.
private final class RedirectRefusal: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
