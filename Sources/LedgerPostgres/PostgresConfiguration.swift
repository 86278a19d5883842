/// Where and how to connect: a libpq connection URI and the client's own settings.
public struct PostgresConfiguration: Sendable {
    /// How rows come back. Binary is what the store uses (see bench/README.md for the
    /// measurement); text is there to compare and for types the client does not decode.
    public enum ResultFormat: Sendable {
        case text, binary
    }

    /// A `postgres://` or `postgresql://` URI, as libpq reads it: user, password, host,
    /// port, database and parameters such as `sslmode` or `options`. Without a password
    /// in it, libpq takes `PGPASSWORD` (or `~/.pgpass`).
    public var url: String
    /// Seconds to wait for a connection to open; a URI's `connect_timeout` wins.
    public var connectTimeout: Int = 5
    /// Shown in `pg_stat_activity`; a URI's `application_name` wins.
    public var applicationName: String = "strikeledger"
    /// Prepared statements kept per connection, least recently used dropped first.
    public var statementCacheCapacity: Int = 256
    public var resultFormat: ResultFormat = .binary
    /// When the server's `synchronous_commit` is `off`, each connection turns it `on`,
    /// so a COMMIT that returns is on disk. (Values that are at least as durable, such
    /// as `remote_apply`, are left alone.)
    public var requireDurableCommits: Bool = true

    /// Throws `invalidURL` unless `url` is a PostgreSQL URL.
    public init(url: String) throws(PostgresError) {
        guard Self.isPostgresURL(url) else {
            throw PostgresError(.invalidURL, message: "not a postgres:// or postgresql:// URL: \(Self.redacted(url))")
        }
        self.url = url
    }

    /// True for the URLs this client takes: what `--db` uses to choose the engine.
    public static func isPostgresURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// The URL with its password replaced by `***`, for logs and errors.
    public var redactedURL: String { Self.redacted(url) }

    public static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@"),
              let colon = rest[..<at].firstIndex(of: ":") else { return url }
        return String(url[..<rest.index(after: colon)]) + "***" + String(url[at...])
    }
}
