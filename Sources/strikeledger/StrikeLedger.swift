import ArgumentParser
import Foundation
import LedgerAPI
import LedgerModel
import LedgerPostgres
import LedgerSQLite
import LedgerStore
import Logging
import SocketHTTP

@main
struct StrikeLedger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strikeledger",
        abstract: "Incident tracking for strikes on cities: attributed, append-only casualty revisions over HTTP.",
        subcommands: [Serve.self, Migrate.self, Keys.self, Backup.self, Export.self, Import.self])

    static func main() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["STRIKELEDGER_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return handler
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

/// A failure of a command (not of its usage): printed as "Error: ..." with exit status 1.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `--db PATH`, shared by every subcommand (env `STRIKELEDGER_DB`).
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: """
        The database: a SQLite file, or a postgres:// (postgresql://) URL, password from the URL or PGPASSWORD \
        (env STRIKELEDGER_DB; default ./strikeledger.sqlite).
        """)
    var db: String?

    var path: String { db ?? ProcessInfo.processInfo.environment["STRIKELEDGER_DB"] ?? "./strikeledger.sqlite" }

    /// The database as logs may show it: a URL's password is never printed.
    var shown: String { isPostgres ? PostgresConfiguration.redacted(path) : path }

    /// Whether `path` names a PostgreSQL database rather than a SQLite file.
    var isPostgres: Bool { path.hasPrefix("postgres://") || path.hasPrefix("postgresql://") }

    /// Opens the store; `tuning` sets up SQLite's writing connection for the writes to come.
    func open(tuning: SQLiteStore.WriterTuning = .serving) throws -> LedgerStore {
        do {
            return isPostgres ? try PostgresStore(url: path) : try SQLiteStore(path: path, writer: tuning)
        } catch {
            throw CommandError("\(error)")
        }
    }
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the HTTP API (creates and migrates the database when missing).")

    @OptionGroup var database: DatabaseOption
    @Option(help: "Address to listen on (env STRIKELEDGER_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port; 0 picks a free one and logs it (env STRIKELEDGER_PORT; default 8080).") var port: Int?
    @Flag(help: "Every GET but /healthz and /readyz needs a valid key.") var privateReads = false
    // Options with a default of their own are optional here: argument-parser would print
    // "(default: …)" after the help text, which states the default already, in words.
    @Option(help: "How far apart, in seconds, a report and a strike may lie to match (default 21600, 6 hours).")
    var matchWindow: Int64?
    @Option(help: "Writes per second allowed to each key, bursts up to ten times that; past it 429 (default 0: no limit).")
    var rateLimit: Double?
    @Option(help: "The most strikes a casualties answer built whole and cached holds; a larger one is streamed (default 5000).")
    var inlineCasualtyStrikes: Int?
    @Option(help: "How many exports and large casualties answers may stream at once, each holding a database connection; one more waits up to 5 s, then 503 (default 4).")
    var concurrentStreams: Int?
    @Option(help: "Event-loop threads (default: the number of cores).") var eventLoops: Int?
    @Option(help: "Worker threads for database work (default 8).") var workers: Int?
    @Option(help: "At most this many malloc arenas, shared by all threads; 0 keeps glibc's default of 8 per core (default 2).")
    var mallocArenas: Int?
    @Option(help: "Seconds between returns of free heap pages to the system (malloc_trim); 0 never (default 30).")
    var mallocTrimInterval: Int?
    @Option(name: .customLong("cors-origin"),
            help: ArgumentHelp("An origin whose pages may read the API, e.g. https://news.example, or * for any; repeatable (env STRIKELEDGER_CORS_ORIGIN, comma-separated; default: none).",
                               valueName: "origin"))
    var corsOrigins: [String] = []
    @Flag(help: "Let webhooks reach loopback, private, link-local and multicast addresses (tests, private networks).")
    var allowPrivateWebhooks = false
    @Option(help: ArgumentHelp("Seconds between a webhook delivery's attempts, comma-separated; the last repeats (default: 5 s, 30 s, 2 min, 10 min, 1 h, 6 h).",
                               valueName: "seconds"))
    var webhookRetryDelays: String?

    func run() throws {
        // Before the store or anything else starts a thread: SIGTERM and SIGINT must reach
        // the server's signalfd, not a thread that dies of them.
        HTTPServer.blockTerminationSignals()
        let heap = HeapPolicy(arenas: mallocArenas ?? 2, trimInterval: mallocTrimInterval ?? 30)
        guard heap.arenas >= 0, heap.trimInterval >= 0 else {
            throw ValidationError("--malloc-arenas and --malloc-trim-interval must be 0 or more")
        }
        heap.apply()
        let logger = Logger(label: "strikeledger")
        let env = ProcessInfo.processInfo.environment
        var server = ServerConfiguration()
        server.host = host ?? env["STRIKELEDGER_HOST"] ?? "127.0.0.1"
        let port = port ?? env["STRIKELEDGER_PORT"].map({ Int($0) ?? -1 }) ?? 8080
        guard (0...65535).contains(port) else {
            throw ValidationError("the port must be a number from 0 to 65535")
        }
        server.port = port
        server.eventLoopThreads = eventLoops ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
        server.workerThreads = workers ?? 8
        var api = APIConfiguration()
        api.privateReads = privateReads
        api.matchWindow = matchWindow ?? 6 * 3600
        if let inlineCasualtyStrikes {
            guard inlineCasualtyStrikes >= 0 else { throw ValidationError("--inline-casualty-strikes must be 0 or more") }
            api.inlineCasualtyStrikes = inlineCasualtyStrikes
        }
        if let concurrentStreams {
            guard concurrentStreams >= 1 else { throw ValidationError("--concurrent-streams must be 1 or more") }
            api.concurrentStreams = concurrentStreams
        }
        let rateLimit = rateLimit ?? 0
        guard rateLimit >= 0, rateLimit.isFinite else { throw ValidationError("--rate-limit must be 0 or more") }
        api.writesPerSecondPerKey = rateLimit
        api.corsOrigins = try Self.corsOrigins(corsOrigins.isEmpty
            ? (env["STRIKELEDGER_CORS_ORIGIN"] ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            : corsOrigins)

        var webhooks = WebhookConfiguration()
        webhooks.allowPrivateAddresses = allowPrivateWebhooks
        if let text = webhookRetryDelays {
            let delays = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !delays.isEmpty, delays.allSatisfy({ $0 != nil && $0! >= 0 && $0!.isFinite }) else {
                throw ValidationError("--webhook-retry-delays must be seconds separated by commas, e.g. 5,30,120")
            }
            webhooks.retryDelays = delays.map { .milliseconds(Int64($0! * 1000)) }
        }

        // The guard's route is the process's environment (setenv): set it before the store
        // opens, since PostgreSQL's pool and listener threads read the environment (libpq's
        // getenv) and glibc's setenv is not safe beside a concurrent getenv.
        do {
            try WebhookCourier.routeThroughGuard(webhooks)
        } catch {
            throw CommandError("cannot start the webhook guard's proxy: \(error)")
        }
        raiseFileLimit()
        let store = try database.open()
        // Alone on its file, a SQLite server's leases can only be its own earlier life's.
        webhooks.releaseLeasesAtStart = store.readsInProcess
        let service = LedgerService(store: store, configuration: api)
        let http = HTTPServer(configuration: server, handler: service)
        service.observeConnections { http.openConnections }
        do {
            try http.start()
        } catch {
            throw CommandError("cannot listen on \(server.host):\(port): \(error)")
        }
        let shown = server.host.contains(":") ? "[\(server.host)]" : server.host
        logger.info("listening on http://\(shown):\(http.port) (database \(database.shown))")
        let courier = service.deliverWebhooks(webhooks)
        http.runUntilSignalled()
        courier.stop()
        logger.info("stopped")
    }

    /// The origins as given, each checked: `*` or `scheme://host[:port]`.
    static func corsOrigins(_ values: [String]) throws -> [String] {
        try values.map { value in
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard trimmed == "*" || CORSPolicy.isOrigin(trimmed) else {
                throw ValidationError("--cors-origin takes an origin such as https://news.example (scheme, host, optional port; no path), or *; got '\(value)'")
            }
            return trimmed
        }
    }
}

/// Each connection is a file descriptor: lift the soft limit to the hard one so the
/// connection cap, not the default 1,024 descriptors, decides how many clients fit.
func raiseFileLimit() {
    var limit = rlimit()
    if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations and exit.")
    @OptionGroup var database: DatabaseOption

    func run() throws {
        let store = try database.open()
        _ = store
        FileHandle.standardError.write(Data("database \(database.shown) is migrated\n".utf8))
    }
}

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a consistent copy of the live database to PATH.")
    @OptionGroup var database: DatabaseOption
    @Argument(help: "Where to write the copy.") var destination: String

    func run() throws {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw CommandError("\(destination) exists already; choose a new path")
        }
        try database.open().backup(to: destination)
        FileHandle.standardError.write(Data("backed up \(database.shown) to \(destination)\n".utf8))
    }
}

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API keys. The database keeps only a hash of each key.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it, alone, on stdout (shown once).")
        @OptionGroup var database: DatabaseOption
        @Option(help: "A unique name for the key.") var name: String
        @Option(help: "reporter, editor or admin.") var role: String

        func run() throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("--role must be reporter, editor or admin") }
            guard !name.isEmpty, name.count <= 100 else { throw ValidationError("--name must be 1 to 100 characters") }
            let key = try database.open().createKey(name: name, role: role)
            print(key)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys: name, role, created, revoked (never the key).")
        @OptionGroup var database: DatabaseOption

        func run() throws {
            print("NAME\tROLE\tCREATED\tREVOKED")
            for key in try database.open().keys() {
                print("\(key.name)\t\(key.role.rawValue)\t\(key.createdAt)\t\(key.revokedAt?.description ?? "-")")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by name.")
        @OptionGroup var database: DatabaseOption
        @Argument(help: "The key's name.") var name: String

        func run() throws {
            try database.open().revokeKey(name: name)
            FileHandle.standardError.write(Data("revoked \(name)\n".utf8))
        }
    }
}
