import Foundation
import GRDB
@testable import LedgerMigrations
import LedgerModel
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

@Suite struct MigrationTests {
    @Test func openingTwiceAndMigratingAgainAreNoOps() throws {
        let dir = TempDir()
        let clock = TestClock(ts("2025-10-10T08:00:00Z"))
        do {
            let first = try SQLiteStore(path: dir.path(), clock: clock.function)
            #expect(try first.migrate() == [])
            _ = try first.ingest(Report(city: .name("Kiev"), occurredAt: ts("2025-10-10T05:30:00+03:00"), source: mayor,
                                        killed: 3, injured: 3), window: window)
        }
        let second = try SQLiteStore(path: dir.path(), clock: clock.function)
        #expect(try second.migrate() == [])
        #expect(try second.migrate() == [])
        let names = try second.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM schema_migrations ORDER BY name")
        }
        #expect(names == LedgerMigrations.all.map(\.name))
        // Nothing was applied twice: the data survived and the gazetteer is not doubled.
        #expect(try second.strike(id: 1).toll.killed == 3)
        #expect(try second.rowCount("cities") == second.gazetteer.cities.count)
        #expect(second.changes.head == 1)
    }

    @Test func migratorAppliesEachMigrationOnceAndReportsWhatItApplied() throws {
        let dir = TempDir()
        let queue = try DatabaseQueue(path: dir.path())
        #expect(try Migrator(migrations: LedgerMigrations.all).migrate(queue) == LedgerMigrations.all.map(\.name))
        #expect(try Migrator(migrations: LedgerMigrations.all).migrate(queue) == [])
    }

    @Test func synchronousIsFullAndJournalIsWAL() throws {
        try withSQLiteStore { (store, _, _) throws in
            let read = try store.pool.read { db in
                (try Int.fetchOne(db, sql: "PRAGMA synchronous")!, try String.fetchOne(db, sql: "PRAGMA journal_mode")!)
            }
            #expect(read.0 == 2)
            #expect(read.1.lowercased() == "wal")
            let written = try store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous")! }
            #expect(written == 2)
            let foreignKeys = try store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA foreign_keys")! }
            #expect(foreignKeys == 1)
        }
    }

    @Test func aDatabaseWithAMigrationThisBinaryLacksIsRefusedByName() throws {
        let dir = TempDir()
        let queue = try DatabaseQueue(path: dir.path())
        let newer = [Migration(name: "0001_t.sql", sql: "CREATE TABLE t (a INTEGER);"),
                     Migration(name: "0002_u.sql", sql: "CREATE TABLE u (b INTEGER);")]
        #expect(try Migrator(migrations: newer).migrate(queue) == ["0001_t.sql", "0002_u.sql"])
        // An older binary (or one whose 0002 file was deleted) knows only 0001.
        #expect(throws: StoreError.migrationUnknown(name: "0002_u.sql")) {
            try Migrator(migrations: [newer[0]]).migrate(queue)
        }
    }

    @Test func aMigrationEditedAfterItWasAppliedIsRefusedByName() throws {
        let dir = TempDir()
        let queue = try DatabaseQueue(path: dir.path())
        let v1 = [Migration(name: "0001_t.sql", sql: "CREATE TABLE t (a INTEGER);"),
                  Migration(name: "0002_u.sql", sql: "CREATE TABLE u (b INTEGER);")]
        #expect(try Migrator(migrations: v1).migrate(queue) == ["0001_t.sql", "0002_u.sql"])
        #expect(try Migrator(migrations: v1).migrate(queue) == [])

        let edited = [v1[0], Migration(name: "0002_u.sql", sql: "CREATE TABLE u (b INTEGER, c TEXT);")]
        #expect(throws: StoreError.migrationEdited(name: "0002_u.sql")) { try Migrator(migrations: edited).migrate(queue) }
        // Even a whitespace change counts as an edit.
        let spaced = [Migration(name: "0001_t.sql", sql: "CREATE TABLE t (a INTEGER); "), v1[1]]
        #expect(throws: StoreError.migrationEdited(name: "0001_t.sql")) { try Migrator(migrations: spaced).migrate(queue) }
        // The refused migration ran nothing: u still has one column.
        let columns = try queue.read { db in try db.columns(in: "u").map(\.name) }
        #expect(columns == ["b"])

        // A new migration added after the applied ones is applied.
        let v2 = v1 + [Migration(name: "0003_v.sql", sql: "CREATE TABLE v (c INTEGER);")]
        #expect(try Migrator(migrations: v2).migrate(queue) == ["0003_v.sql"])
    }

    @Test func theStoreRefusesToOpenADatabaseWhoseSchemaMigrationChanged() throws {
        let dir = TempDir()
        do {
            let store = try SQLiteStore(path: dir.path())
            try store.pool.write { db in
                try db.execute(sql: "UPDATE schema_migrations SET checksum = 'abc' WHERE name = '0001_schema.sql'")
            }
        }
        #expect(throws: StoreError.migrationEdited(name: "0001_schema.sql")) { try SQLiteStore(path: dir.path()) }
    }

    @Test func embeddedMigrationsAreListedInOrder() {
        let names = LedgerMigrations.all.map(\.name)
        #expect(names == names.sorted())
        #expect(Set(names).count == names.count)
        #expect(LedgerMigrations.all.allSatisfy { !$0.sql.isEmpty })
    }
}

@Suite("Migration files")
struct MigrationFileListTests {
    @Test("Migrations/, Package.swift and LedgerMigrations.all name the same files, in order")
    func listsAgree() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Migrations").path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(LedgerMigrations.all.map(\.name) == onDisk)
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        for name in onDisk { #expect(manifest.contains("\"\(name)\""), "Package.swift must embed \(name)") }
        for m in LedgerMigrations.all {
            let file = try String(contentsOf: root.appendingPathComponent("Migrations/\(m.name)"), encoding: .utf8)
            #expect(file == m.sql, "the embedded \(m.name) is the file on disk")
        }
    }

    /// The weapon catalogue is data both engines must hold alike (reports and waves name
    /// its models): one file, shared, applied on each engine after the migration that makes
    /// its tables (on PostgreSQL, 0007_pg_webhooks.sql sorts between the two).
    @Test("0009_weapon_catalogue.sql follows each engine's attack migration")
    func weaponCatalogueIsTheSameOnBothEngines() throws {
        for (list, attacks) in [(LedgerMigrations.all, "0008_attacks.sql"), (LedgerMigrations.postgres, "0006_pg_attacks.sql")] {
            let names = list.map(\.name)
            let at = try #require(names.firstIndex(of: attacks))
            #expect(names.dropFirst(at + 1).contains("0009_weapon_catalogue.sql"))
        }
        let catalogue = try #require(LedgerMigrations.all.first { $0.name == "0009_weapon_catalogue.sql" }).sql
        #expect(catalogue.contains("'Shahed-136', 'drone'"))
        #expect(LedgerMigrations.postgres.first { $0.name == "0009_weapon_catalogue.sql" }?.sql == catalogue)
    }

    @Test("Migrations/postgres/, Package.swift and LedgerMigrations.postgres name the same files, in order")
    func postgresListsAgree() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("Migrations/postgres")
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        let names = LedgerMigrations.postgres.map(\.name)
        #expect(names == names.sorted())
        #expect(Set(names).count == names.count)
        // Every file of the folder is in the list; the others are SQLite's, shared (the gazetteer, the weapon catalogue).
        #expect(names.filter { !LedgerMigrations.all.map(\.name).contains($0) } == onDisk)
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        for name in onDisk {
            #expect(manifest.contains("\"postgres/\(name)\""), "Package.swift must embed postgres/\(name)")
            // SwiftPM embeds by file name alone: a PostgreSQL file may not share a SQLite file's name.
            #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("Migrations/\(name)").path))
        }
        for m in LedgerMigrations.postgres {
            let own = folder.appendingPathComponent(m.name)
            let path = FileManager.default.fileExists(atPath: own.path) ? own : root.appendingPathComponent("Migrations/\(m.name)")
            let file = try String(contentsOf: path, encoding: .utf8)
            #expect(file == m.sql, "the embedded PostgreSQL \(m.name) is the file on disk")
        }
    }
}
