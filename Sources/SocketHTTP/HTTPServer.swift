import CSocketHTTPShims
import Glibc
import Logging
import Synchronization

/// The server. `start()` binds and returns; `run()`-style blocking is the caller's choice.
///
/// A few event-loop threads (epoll, edge-triggered) own the sockets; `HTTPHandler.handle`
/// runs on a bounded worker pool. A connection costs a descriptor and a few hundred bytes
/// while idle or parked, never a thread.
public final class HTTPServer: Sendable {
    private struct Running: Sendable {
        var context: ServerContext
        var loops: [EventLoop]
        var loopThreads: [pthread_t]
        var workerThreads: [pthread_t]
    }

    private enum Lifecycle: Sendable {
        case idle
        case running(Running)
        case stopping
        case stopped
    }

    private let configuration: ServerConfiguration
    private let handler: any HTTPHandler
    private let logger: Logger
    private let lifecycle = Mutex(Lifecycle.idle)
    private let boundPort = Atomic<Int>(0)
    /// Wakes `runUntilSignalled` when `shutdown()` is called directly.
    private let stopEventFD: Int32

    public convenience init(configuration: ServerConfiguration, handler: any HTTPHandler) {
        self.init(configuration: configuration, handler: handler, logger: Logger(label: "SocketHTTP"))
    }

    /// - Parameter logger: where start, stop and socket-level trouble are logged.
    public init(configuration: ServerConfiguration, handler: any HTTPHandler, logger: Logger) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        self.stopEventFD = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
    }

    deinit {
        if case .running = lifecycle.withLock({ $0 }) { shutdown() }
        Glibc.close(stopEventFD)
    }

    /// Binds, listens and starts the event loops and the worker pool. Throws on bind failure.
    public func start() throws {
        let canStart = lifecycle.withLock { state -> Bool in
            guard case .idle = state else { return false }
            state = .stopping  // reserved while starting
            return true
        }
        guard canStart else { throw SocketError("start (server already started)", EALREADY) }
        signal(SIGPIPE, SIG_IGN)
        let listener: (fd: Int32, port: Int)
        do {
            listener = try Listener.open(host: configuration.host, port: configuration.port)
        } catch {
            lifecycle.withLock { $0 = .idle }
            throw error
        }
        var loops: [EventLoop] = []
        do {
            for index in 0..<max(1, configuration.eventLoopThreads) { loops.append(try EventLoop(index: index)) }
        } catch {
            for loop in loops { _ = loop.close() }
            Glibc.close(listener.fd)
            lifecycle.withLock { $0 = .idle }
            throw error
        }
        let workers = WorkerPool(threads: configuration.workerThreads, maxQueued: configuration.maxQueuedRequests,
                                 handler: handler, filters: configuration.outputFilters)
        let context = ServerContext(configuration: configuration, handler: handler, workers: workers,
                                    listenFD: listener.fd, loops: loops, logger: logger)
        let loopThreads = loops.map { loop in
            PosixThread.spawn { EventLoopRunner(loop: loop, context: context).run() }
        }
        let workerThreads = workers.start()
        boundPort.store(listener.port, ordering: .releasing)
        lifecycle.withLock {
            $0 = .running(Running(context: context, loops: loops, loopThreads: loopThreads, workerThreads: workerThreads))
        }
        logger.info("listening", metadata: ["host": "\(configuration.host)", "port": "\(listener.port)"])
    }

    /// The bound port (useful with port 0).
    public var port: Int { boundPort.load(ordering: .acquiring) }

    /// Connections currently open.
    public var openConnections: Int {
        lifecycle.withLock { state in
            if case .running(let running) = state { return running.context.openConnections.load(ordering: .relaxed) }
            return 0
        }
    }

    /// Stop accepting, finish in-flight requests (up to the grace period), complete
    /// deferred responses with their fallback, finish streams, close everything.
    /// Blocks until done. Safe to call from any thread, more than once.
    public func shutdown() {
        let running: Running? = lifecycle.withLock { state in
            guard case .running(let running) = state else { return nil }
            state = .stopping
            return running
        }
        var one: UInt64 = 1
        _ = Glibc.write(stopEventFD, &one, 8)
        guard let running else {
            // Another thread is stopping it (or it never started): wait for the end.
            while case .stopping = lifecycle.withLock({ $0 }) { usleep(5_000) }
            return
        }
        let started = monotonicNanoseconds()
        let grace = configuration.shutdownGracePeriod.nanoseconds
        // Stop accepting: new connections are refused, queued ones reset.
        Glibc.shutdown(running.context.listenFD, Int32(SHUT_RDWR))
        for loop in running.loops { loop.post(.beginShutdown) }

        var remaining = running.loopThreads
        var unjoined: [pthread_t] = []
        for thread in remaining {
            let elapsed = monotonicNanoseconds() - started
            let left = grace > elapsed ? Int((grace - elapsed) / 1_000_000) : 0
            if csockethttp_timedjoin(thread, left) != 0 { unjoined.append(thread) }
        }
        if !unjoined.isEmpty {
            logger.warning("grace period over; closing remaining connections")
            for loop in running.loops { loop.post(.forceClose) }
            for thread in unjoined where !PosixThread.join(thread, withinMilliseconds: 2_000) {
                logger.error("an event loop did not stop")
            }
        }
        remaining = []

        running.context.workers.stop()
        for thread in running.workerThreads where !PosixThread.join(thread, withinMilliseconds: 1_000) {
            logger.warning("a worker is still busy in a handler; leaving it")
        }
        Glibc.close(running.context.listenFD)
        lifecycle.withLock { $0 = .stopped }
        logger.info("stopped")
    }

    /// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread it starts
    /// from now on. Call it first thing in `main`, before anything starts a thread (a
    /// database pool, Dispatch): a thread that does not block them would take the signal
    /// with its default action and end the process on the spot, with no graceful shutdown.
    public static func blockTerminationSignals() {
        var signals = terminationSignals
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    private static var terminationSignals: sigset_t {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        return signals
    }

    /// Blocks the calling thread until SIGTERM or SIGINT arrives, then calls `shutdown()`.
    /// Returns early if `shutdown()` is called from elsewhere. The server's own threads
    /// block these signals; call this from the main thread, and call
    /// `blockTerminationSignals()` before any other thread starts.
    public func runUntilSignalled() {
        var signals = Self.terminationSignals
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        let signalFD = signalfd(-1, &signals, Int32(SFD_CLOEXEC))
        defer { if signalFD >= 0 { Glibc.close(signalFD) } }
        var descriptors = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: stopEventFD, events: Int16(POLLIN), revents: 0)]
        while true {
            if case .running = lifecycle.withLock({ $0 }) {} else { break }
            let ready = poll(&descriptors, nfds_t(descriptors.count), 1_000)
            if ready < 0 && errno != EINTR { break }
            if descriptors[0].revents != 0 {
                var info = signalfd_siginfo()
                _ = Glibc.read(signalFD, &info, MemoryLayout<signalfd_siginfo>.size)
                logger.info("signal received; shutting down", metadata: ["signal": "\(info.ssi_signo)"])
                break
            }
            if descriptors[1].revents != 0 { break }
        }
        shutdown()
    }
}
