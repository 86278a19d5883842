import Crypto
import GRDB
import LedgerMigrations
import LedgerStore

/// Applies the embedded SQL migrations in order, once each, each inside its own
/// transaction, and records the name and SHA-256 of every file applied.
struct Migrator {
    let migrations: [Migration]

    /// Names of the migrations applied by this call.
    @discardableResult
    func migrate(_ writer: some DatabaseWriter) throws -> [String] {
        try writer.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                  name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)
                """)
        }
        // A database migrated by a binary with migrations this one lacks (a newer build,
        // or a file deleted after it was applied): refuse rather than run on a schema we
        // do not know.
        let known = Set(migrations.map(\.name))
        let recorded = try writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM schema_migrations ORDER BY name") }
        if let unknown = recorded.first(where: { !known.contains($0) }) {
            throw StoreError.migrationUnknown(name: unknown)
        }
        var applied: [String] = []
        for migration in migrations {
            let checksum = Self.checksum(migration.sql)
            let ran: Bool = try writer.write { db in
                if let recorded = try String.fetchOne(db, sql: "SELECT checksum FROM schema_migrations WHERE name = ?",
                                                      arguments: [migration.name]) {
                    guard recorded == checksum else { throw StoreError.migrationEdited(name: migration.name) }
                    return false
                }
                try db.execute(sql: migration.sql)
                try db.execute(sql: "INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, unixepoch())",
                               arguments: [migration.name, checksum])
                return true
            }
            if ran { applied.append(migration.name) }
        }
        return applied
    }

    static func checksum(_ sql: String) -> String {
        SHA256.hash(data: Array(sql.utf8)).map { String($0, radix: 16).leftPadded(2) }.joined()
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
