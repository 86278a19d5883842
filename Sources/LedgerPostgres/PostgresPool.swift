import Foundation
import Logging

/// A small bounded pool of connections.
///
/// A caller checks a connection out (waiting up to `checkoutTimeout` when all are in
/// use), uses it alone, and gives it back. Connections open lazily, up to `maxConnections`.
/// A broken connection is dropped, at check-in or at the next checkout (a server that
/// restarted has left an end-of-file on each idle socket, seen without a round trip),
/// and a new one opens in its place when next needed: a PostgreSQL restart heals by
/// itself. While the server is down, opening fails fast: for `reconnectDelay` after a
/// failed attempt, checkouts that need a new connection get that failure again at once
/// instead of each waiting on the network.
public final class PostgresPool: @unchecked Sendable {
    // @unchecked: every mutable field below is guarded by `condition`.

    public struct Options: Sendable {
        public var maxConnections: Int = 8
        public var checkoutTimeout: Duration = .seconds(5)
        public var reconnectDelay: Duration = .milliseconds(100)
        public init(maxConnections: Int = 8, checkoutTimeout: Duration = .seconds(5), reconnectDelay: Duration = .milliseconds(100)) {
            self.maxConnections = maxConnections; self.checkoutTimeout = checkoutTimeout; self.reconnectDelay = reconnectDelay
        }
    }

    /// What the pool holds now, for metrics and tests.
    public struct Statistics: Sendable, Equatable {
        /// Connections open, idle or in use.
        public var open: Int
        public var idle: Int
        /// Callers waiting for a connection.
        public var waiting: Int
        /// Connections opened since the pool was made (grows on every reconnect).
        public var opened: Int
        /// Broken connections dropped since the pool was made.
        public var dropped: Int
        /// Attempts to open a connection that failed.
        public var failedOpens: Int
    }

    public let configuration: PostgresConfiguration
    public let options: Options
    private let logger: Logger
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var waiting = 0
    private var opened = 0
    private var dropped = 0
    private var failedOpens = 0
    private var closed = false
    private var lastFailure: (at: ContinuousClock.Instant, error: PostgresError)?

    public init(configuration: PostgresConfiguration, options: Options = Options(),
                logger: Logger = Logger(label: "strikeledger.postgres.pool")) {
        self.configuration = configuration
        self.options = options
        self.logger = logger
    }

    /// Runs `body` with a connection of its own, and takes the connection back after.
    @discardableResult
    public func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try checkout()
        defer { checkin(connection) }
        return try body(connection)
    }

    /// Runs `body` in a transaction on a pooled connection (see `PostgresConnection.transaction`).
    @discardableResult
    public func transaction<T>(_ isolation: PostgresConnection.IsolationLevel = .readCommitted,
                               _ body: (PostgresConnection) throws -> T) throws -> T {
        try withConnection { try $0.transaction(isolation, body) }
    }

    public var statistics: Statistics {
        condition.lock()
        defer { condition.unlock() }
        return Statistics(open: open, idle: idle.count, waiting: waiting, opened: opened, dropped: dropped,
                          failedOpens: failedOpens)
    }

    /// Closes the idle connections now and the others as they come back; later
    /// checkouts throw `poolClosed`.
    public func close() {
        condition.lock()
        closed = true
        let closing = idle
        idle = []
        open -= closing.count
        condition.broadcast()
        condition.unlock()
        closing.forEach { $0.close() }
    }

    /// Takes a healthy connection: an idle one, a new one, or the first given back
    /// within the timeout.
    public func checkout() throws(PostgresError) -> PostgresConnection {
        let deadline = Date(timeIntervalSinceNow: options.checkoutTimeout.seconds)
        condition.lock()
        while true {
            if closed {
                condition.unlock()
                throw PostgresError(.poolClosed, message: "the connection pool is closed")
            }
            if let connection = idle.popLast() {
                condition.unlock()
                if connection.isHealthy { return connection }
                logger.info("dropping a broken idle connection")
                connection.close()
                condition.lock()
                open -= 1
                dropped += 1
                continue
            }
            if open < options.maxConnections {
                if let failure = lastFailure, ContinuousClock.now - failure.at < options.reconnectDelay {
                    condition.unlock()
                    throw failure.error
                }
                open += 1
                condition.unlock()
                do {
                    let connection = try PostgresConnection(configuration: configuration, logger: logger)
                    condition.lock()
                    opened += 1
                    lastFailure = nil
                    condition.unlock()
                    return connection
                } catch {
                    condition.lock()
                    open -= 1
                    failedOpens += 1
                    lastFailure = (ContinuousClock.now, error)
                    condition.signal()
                    condition.unlock()
                    throw error
                }
            }
            waiting += 1
            let signalled = condition.wait(until: deadline)
            waiting -= 1
            if !signalled && idle.isEmpty && open >= options.maxConnections && !closed {
                condition.unlock()
                throw PostgresError(.poolTimeout, message: "no database connection free within \(options.checkoutTimeout)")
            }
        }
    }

    /// Gives a connection back: kept when healthy and outside any transaction (one left
    /// open is rolled back first), closed otherwise.
    public func checkin(_ connection: PostgresConnection) {
        if connection.isInTransaction {
            logger.warning("a connection came back to the pool inside a transaction; rolling it back")
            _ = try? connection.execute("ROLLBACK")
        }
        let healthy = connection.isHealthy
        condition.lock()
        let keep = healthy && !closed
        if keep {
            idle.append(connection)
        } else {
            open -= 1
            if !healthy { dropped += 1 }
        }
        condition.signal()
        condition.unlock()
        if !keep { connection.close() }
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
