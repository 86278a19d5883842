import CoreMetrics
import HTTPTypes
import LedgerStore
import Metrics
import Prometheus
import SocketHTTP
import Synchronization

/// Requests by route and status, latency histograms, open connections, held polls:
/// recorded through swift-metrics into a Prometheus registry of this service's own.
final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    let connectionCount = Mutex<(@Sendable () -> Int)?>(nil)

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(5),
        ]
        self.factory = factory
        slowReaderClosings = CoreMetrics.Counter(label: "strikeledger_event_streams_closed_total",
                                                 dimensions: [("reason", "slow_reader")], factory: factory)
    }

    /// Counters and timers made once per label set: the hot path only looks them up.
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[String: CoreMetrics.Timer]>([:])

    func record(route: String, status: Int, since start: ContinuousClock.Instant?) {
        let counter = counters.withLock { c in
            let key = "\(route) \(status)"
            if let existing = c[key] { return existing }
            let made = CoreMetrics.Counter(label: "strikeledger_http_requests_total",
                               dimensions: [("route", route), ("status", String(status))], factory: factory)
            c[key] = made
            return made
        }
        counter.increment()
        if let start {
            let elapsed = ContinuousClock.now - start
            let timer = timers.withLock { t in
                if let existing = t[route] { return existing }
                let made = CoreMetrics.Timer(label: "strikeledger_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
                t[route] = made
                return made
            }
            timer.recordNanoseconds(Int64(elapsed.components.seconds) * 1_000_000_000 + Int64(elapsed.components.attoseconds / 1_000_000_000))
        }
    }

    /// Event streams ended because their reader fell more than the stream's buffer behind.
    /// Made at start, so that /metrics shows it at 0.
    private let slowReaderClosings: CoreMetrics.Counter

    /// Counts an event stream ended because its reader was too slow.
    func recordSlowReaderClosed() { slowReaderClosings.increment() }

    func exposition(heldPolls: Int, database: StoreTiming, webhooks: WebhookFigures) -> Response {
        Gauge(label: "strikeledger_webhook_deliveries", factory: factory).record(Double(webhooks.delivered))
        Gauge(label: "strikeledger_webhook_failures", factory: factory).record(Double(webhooks.failed))
        Gauge(label: "strikeledger_webhook_queue_length", factory: factory).record(Double(webhooks.queueLength))
        Gauge(label: "strikeledger_webhook_lag_seconds", factory: factory).record(webhooks.lagSeconds)
        Gauge(label: "strikeledger_database_seconds", dimensions: [("kind", "read")], factory: factory).record(database.readSeconds)
        Gauge(label: "strikeledger_database_seconds", dimensions: [("kind", "write")], factory: factory).record(database.writeSeconds)
        Gauge(label: "strikeledger_database_operations", dimensions: [("kind", "read")], factory: factory).record(Double(database.reads))
        Gauge(label: "strikeledger_database_operations", dimensions: [("kind", "write")], factory: factory).record(Double(database.writes))
        Gauge(label: "strikeledger_database_commits", factory: factory).record(Double(database.commits))
        Gauge(label: "strikeledger_open_connections", factory: factory)
            .record(Double(connectionCount.withLock { $0 }?() ?? 0))
        Gauge(label: "strikeledger_held_polls", factory: factory).record(Double(heldPolls))
        var head = HTTPResponse(status: .ok)
        head.headerFields[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(head: head, body: registry.emitToBuffer())
    }
}

/// The webhook courier's figures: attempts that succeeded and failed in this process, and
/// the outbox's depth and the age of its oldest undelivered event (from the database, so
/// every process shows the same).
struct WebhookFigures {
    var delivered = 0
    var failed = 0
    var queueLength = 0
    var lagSeconds = 0.0
}
