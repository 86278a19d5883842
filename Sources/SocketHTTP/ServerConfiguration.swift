/// Every limit and timeout of the server, in one value that tests can shrink.
public struct ServerConfiguration: Sendable {
    /// An IPv4 or IPv6 literal ("127.0.0.1", "::1", "0.0.0.0", "::") or a host name.
    public var host: String = "127.0.0.1"
    /// 0 picks a free port; `HTTPServer.port` tells which.
    public var port: Int = 8080
    public var eventLoopThreads: Int = 2
    public var workerThreads: Int = 8
    /// Requests queued for the worker pool beyond this get 503 with Retry-After.
    public var maxQueuedRequests: Int = 10_000
    public var maxRequestLineBytes: Int = 8 * 1024
    public var maxHeaderBytes: Int = 16 * 1024
    public var maxHeaderCount: Int = 100
    public var maxBodyBytes: Int = 1 << 20
    /// A request head must arrive within this, counted from its first byte; a new
    /// connection that sends nothing for this long is closed.
    public var headerTimeout: Duration = .seconds(10)
    /// An idle keep-alive connection is closed after this.
    public var keepAliveIdleTimeout: Duration = .seconds(60)
    /// A write that makes no progress for this long closes the connection.
    public var writeTimeout: Duration = .seconds(30)
    public var maxConnections: Int = 20_000
    /// 304 for conditional GETs, gzip for bodies over 1 KiB (`gzipAbove: nil` turns gzip off).
    public var outputFilters = OutputFilters()
    /// How long shutdown waits for in-flight requests before closing anyway.
    public var shutdownGracePeriod: Duration = .seconds(8)
    public init() {}
}
