import Crypto
import LedgerMigrations

/// Why the migrator refused to run: the schema in the database is not one this binary
/// knows. Start-up stops with the migration's name.
public enum PostgresMigrationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A migration file changed after it was applied.
    case edited(name: String)
    /// The database records a migration this binary does not have (a newer build, or a
    /// file deleted after it was applied).
    case unknown(name: String)

    public var description: String {
        switch self {
        case .edited(let name):
            "migration \(name) was edited after it was applied; restore the original file and add a new migration instead"
        case .unknown(let name):
            "the database has migration \(name) applied, which this binary does not have: run the binary that applied it, or restore that file"
        }
    }
}

/// Applies the embedded PostgreSQL migrations with the SQLite migrator's discipline:
/// in order, once each, each in its own transaction, recording every file's name and
/// SHA-256; an edited or unknown migration is refused by name.
///
/// Several server processes may start at once on one database. Each transaction first
/// takes a transaction-scoped advisory lock, the same key for all, and only then reads
/// what is recorded: the processes take turns, and each finds what the one before it
/// applied (READ COMMITTED gives every statement a fresh snapshot, taken after the lock).
public struct PostgresMigrator: Sendable {
    public let migrations: [Migration]

    /// The advisory lock's key: the bytes of "StrkLdgr". Any process migrating this
    /// database takes it; nothing else in StrikeLedger uses this key.
    public static let lockKey: Int64 = 0x5374_726B_4C64_6772

    public init(migrations: [Migration] = LedgerMigrations.postgres) { self.migrations = migrations }

    /// Applies what is pending; returns the names this call applied.
    @discardableResult
    public func migrate(_ pool: PostgresPool) throws -> [String] {
        try pool.withConnection { try migrate(on: $0) }
    }

    @discardableResult
    public func migrate(on connection: PostgresConnection) throws -> [String] {
        try connection.transaction { c in
            try Self.lock(c)
            try c.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                  name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)
                """)
            // A database migrated by a binary with migrations this one lacks: refuse
            // rather than run on a schema we do not know.
            let known = Set(migrations.map(\.name))
            for row in try c.query("SELECT name FROM schema_migrations ORDER BY name") {
                let name = try row.string(0)
                if !known.contains(name) { throw PostgresMigrationError.unknown(name: name) }
            }
        }
        var applied: [String] = []
        for migration in migrations {
            let checksum = Self.checksum(migration.sql)
            let ran: Bool = try connection.transaction { c in
                try Self.lock(c)
                let recorded = try c.query("SELECT checksum FROM schema_migrations WHERE name = $1", [.text(migration.name)])
                if let row = recorded.first {
                    guard try row.string(0) == checksum else { throw PostgresMigrationError.edited(name: migration.name) }
                    return false
                }
                try c.executeScript(migration.sql)
                try c.execute("""
                    INSERT INTO schema_migrations (name, checksum, applied_at)
                    VALUES ($1, $2, extract(epoch FROM statement_timestamp())::bigint)
                    """, [.text(migration.name), .text(checksum)])
                return true
            }
            if ran { applied.append(migration.name) }
        }
        return applied
    }

    private static func lock(_ c: PostgresConnection) throws {
        try c.execute("SELECT pg_advisory_xact_lock($1)", [.int64(lockKey)])
    }

    /// The hex SHA-256 of the file, as the SQLite migrator records it.
    public static func checksum(_ sql: String) -> String {
        SHA256.hash(data: Array(sql.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}
