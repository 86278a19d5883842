import Foundation
import Glibc
import Logging
import Synchronization

/// One NOTIFY, as delivered to a listener.
public struct PostgresNotification: Sendable, Equatable {
    public var channel: String
    public var payload: String
    /// The server process of the session that sent it.
    public var senderPID: Int32
}

/// LISTENs on channels through a connection of its own, on a thread of its own, and
/// hands each NOTIFY to a handler, in the order the sending transactions committed.
///
/// The thread sleeps in poll(2) on libpq's socket (and on a pipe that `stop` writes
/// to), so a notification is handed over as soon as it arrives. When the connection
/// breaks (a server restart, a terminated backend, a network fault, or a heartbeat that
/// went unanswered) the listener says so (`disconnected`), reconnects by itself with
/// exponential backoff, LISTENs again, and then says `listening(reconnected: true)`.
/// Notifications sent while it was away are lost, as PostgreSQL keeps none for a
/// session that is gone: on that event the handler resyncs from the database. Since the
/// event comes after LISTEN took effect, a resync then misses nothing: whatever commits
/// later is notified.
public final class PostgresNotifications: Sendable {
    public enum Event: Sendable, Equatable {
        /// LISTEN is in effect on every channel; `reconnected` is false the first time.
        case listening(reconnected: Bool)
        case notification(PostgresNotification)
        /// The connection broke (or could not be opened); the listener keeps trying.
        /// Notifications may be missed until the next `listening`.
        case disconnected(PostgresError)
    }

    public struct Options: Sendable {
        /// First wait before reconnecting; doubles on each failure, up to `maxBackoff`.
        public var initialBackoff: Duration = .milliseconds(50)
        public var maxBackoff: Duration = .seconds(2)
        /// With nothing received for this long, a `SELECT 1` checks the connection, so a
        /// half-open TCP connection is noticed.
        public var heartbeat: Duration = .seconds(10)
        public init(initialBackoff: Duration = .milliseconds(50), maxBackoff: Duration = .seconds(2), heartbeat: Duration = .seconds(10)) {
            self.initialBackoff = initialBackoff; self.maxBackoff = maxBackoff; self.heartbeat = heartbeat
        }
    }

    public let channels: [String]
    private let configuration: PostgresConfiguration
    private let options: Options
    private let logger: Logger
    private let handler: @Sendable (Event) -> Void
    /// Written by `stop` to wake the thread from poll.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let stopping = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let pid = Atomic<Int32>(0)

    /// `handler` is called on the listener's thread, one event at a time; it should
    /// return quickly (hand work to another thread when it is long).
    public init(configuration: PostgresConfiguration, channels: [String], options: Options = Options(),
                logger: Logger = Logger(label: "strikeledger.postgres.listen"),
                handler: @escaping @Sendable (Event) -> Void) throws(PostgresError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw PostgresError(.misuse, message: "pipe() failed: errno \(errno)") }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        var config = configuration
        if config.applicationName == "strikeledger" { config.applicationName = "strikeledger-listen" }
        self.configuration = config
        self.channels = channels
        self.options = options
        self.logger = logger
        self.handler = handler
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// The server process of the listening session, 0 while disconnected.
    public var backendPID: Int32 { pid.load(ordering: .acquiring) }

    /// Starts the listener's thread (once).
    public func start() {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "strikeledger-listen"
        thread.start()
    }

    /// Stops the thread and closes its connection; returns once it has ended.
    public func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        if started.load(ordering: .acquiring) { finished.wait() }
    }

    /// Sends a notification through `connection`, with the channel and payload bound.
    /// Inside a transaction it is delivered when (and only if) the transaction commits.
    public static func notify(channel: String, payload: String, on connection: PostgresConnection) throws(PostgresError) {
        try connection.execute("SELECT pg_notify($1, $2)", [.text(channel), .text(payload)])
    }

    // MARK: The thread

    private func run() {
        var backoff = options.initialBackoff
        var everListened = false
        // Whether `disconnected` was said for the outage under way: said once, not at
        // every failed attempt.
        var saidDown = false
        func down(_ error: PostgresError) {
            pid.store(0, ordering: .releasing)
            if stopping.load(ordering: .acquiring) { return }
            if !saidDown { handler(.disconnected(error)) }
            saidDown = true
            sleep(backoff)
            backoff = min(backoff * 2, options.maxBackoff)
        }
        while !stopping.load(ordering: .acquiring) {
            let connection: PostgresConnection
            do {
                connection = try PostgresConnection(configuration: configuration, logger: logger)
                for channel in channels {
                    // LISTEN takes no parameters: the channel is quoted as an identifier.
                    try connection.executeScript("LISTEN " + connection.quoteIdentifier(channel))
                }
            } catch {
                logger.debug("listener cannot connect: \(error)")
                down(error)
                continue
            }
            pid.store(connection.backendPID, ordering: .releasing)
            backoff = options.initialBackoff
            saidDown = false
            if everListened { logger.info("listener reconnected") }
            handler(.listening(reconnected: everListened))
            everListened = true
            deliver(connection.takeNotifications())
            do {
                try listen(on: connection)
            } catch {
                logger.warning("listener lost its connection: \(error)")
                connection.close()
                down(error)
                continue
            }
            pid.store(0, ordering: .releasing)
            connection.close()
        }
    }

    /// Waits for notifications until `stop` (returns) or the connection breaks (throws).
    private func listen(on connection: PostgresConnection) throws(PostgresError) {
        let heartbeatMillis = Int32(clamping: Int64(options.heartbeat.seconds * 1000))
        while !stopping.load(ordering: .acquiring) {
            let socket = connection.socket
            guard socket >= 0 else { throw PostgresError(.connectionLost, message: "the listening connection has no socket") }
            var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, heartbeatMillis)
            if ready < 0 {
                if errno == EINTR { continue }
                throw PostgresError(.connectionLost, message: "poll failed: errno \(errno)")
            }
            if fds[1].revents != 0 { return }
            if ready == 0 {
                // Quiet for a heartbeat: make sure the server is still there.
                try connection.execute("SELECT 1")
                deliver(connection.takeNotifications())
                continue
            }
            guard connection.consumeInput() else {
                throw PostgresError(.connectionLost, message: "the listening connection was closed by the server")
            }
            deliver(connection.takeNotifications())
        }
    }

    private func deliver(_ notifications: [PostgresNotification]) {
        for n in notifications { handler(.notification(n)) }
    }

    /// Sleeps, unless `stop` is called meanwhile.
    private func sleep(_ duration: Duration) {
        var fd = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
        _ = poll(&fd, 1, Int32(clamping: Int64(duration.seconds * 1000)))
    }
}
