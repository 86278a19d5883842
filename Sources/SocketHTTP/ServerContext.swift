import Logging
import Synchronization

/// What every event loop of one server shares. Immutable but for the connection count.
final class ServerContext: Sendable {
    let configuration: ServerConfiguration
    let handler: any HTTPHandler
    let workers: WorkerPool
    let listenFD: Int32
    let limits: RequestHeadLimits
    let openConnections = Atomic<Int>(0)
    /// Accepted connections so far: connection n goes to loop n % loops.count.
    let acceptCount = Atomic<Int>(0)
    /// Every event loop, set once before the loops start.
    let loops: [EventLoop]
    let logger: Logger

    let headerTimeout: UInt64
    let idleTimeout: UInt64
    let writeTimeout: UInt64
    /// How long a closing connection's unread input is drained (so that the peer gets our
    /// answer, not a reset).
    let lingerTimeout: UInt64
    /// How often each loop checks its connections' deadlines.
    let sweepInterval: UInt64

    init(configuration: ServerConfiguration, handler: any HTTPHandler, workers: WorkerPool,
         listenFD: Int32, loops: [EventLoop], logger: Logger) {
        self.loops = loops
        self.configuration = configuration
        self.handler = handler
        self.workers = workers
        self.listenFD = listenFD
        self.logger = logger
        self.limits = RequestHeadLimits(maxRequestLineBytes: max(16, configuration.maxRequestLineBytes),
                                        maxHeaderBytes: max(16, configuration.maxHeaderBytes),
                                        maxHeaderCount: max(1, configuration.maxHeaderCount))
        headerTimeout = max(1_000_000, configuration.headerTimeout.nanoseconds)
        idleTimeout = max(1_000_000, configuration.keepAliveIdleTimeout.nanoseconds)
        writeTimeout = max(1_000_000, configuration.writeTimeout.nanoseconds)
        lingerTimeout = min(2_000_000_000, max(100_000_000, headerTimeout))
        let shortest = min(headerTimeout, idleTimeout, writeTimeout)
        sweepInterval = min(100_000_000, max(5_000_000, shortest / 10))
    }
}
