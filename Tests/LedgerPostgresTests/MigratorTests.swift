import Foundation
import LedgerMigrations
import Testing
@testable import LedgerPostgres

@Suite("PostgreSQL migrations", .needsPostgres)
struct MigratorTests {
    private let v1 = [Migration(name: "0001_t.sql", sql: "CREATE TABLE t (a BIGINT);"),
                      Migration(name: "0002_u.sql", sql: "CREATE TABLE u (b BIGINT);")]

    @Test func eachMigrationIsAppliedOnceAndRecordedWithItsChecksum() throws {
        let scratch = try Scratch()
        let pool = scratch.pool()
        #expect(try PostgresMigrator(migrations: v1).migrate(pool) == ["0001_t.sql", "0002_u.sql"])
        #expect(try PostgresMigrator(migrations: v1).migrate(pool) == [])
        let recorded = try pool.withConnection { c in
            try c.query("SELECT name, checksum FROM schema_migrations ORDER BY name").map { (try $0.string(0), try $0.string(1)) }
        }
        #expect(recorded.map(\.0) == ["0001_t.sql", "0002_u.sql"])
        #expect(recorded.map(\.1) == v1.map { PostgresMigrator.checksum($0.sql) })
        // A new migration after the applied ones is applied alone.
        let v2 = v1 + [Migration(name: "0003_v.sql", sql: "CREATE TABLE v (c BIGINT);")]
        #expect(try PostgresMigrator(migrations: v2).migrate(pool) == ["0003_v.sql"])
    }

    @Test func theChecksumIsTheHexSHA256OfTheFile() {
        // The value SQLite's migrator records for the same text.
        #expect(PostgresMigrator.checksum("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(PostgresMigrator.checksum("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func anEditedMigrationIsRefusedByNameAndRunsNothing() throws {
        let scratch = try Scratch()
        let pool = scratch.pool()
        try PostgresMigrator(migrations: v1).migrate(pool)
        let edited = [v1[0], Migration(name: "0002_u.sql", sql: "CREATE TABLE u (b BIGINT, c TEXT);")]
        #expect(throws: PostgresMigrationError.edited(name: "0002_u.sql")) { try PostgresMigrator(migrations: edited).migrate(pool) }
        // Even a whitespace change counts.
        let spaced = [Migration(name: "0001_t.sql", sql: "CREATE TABLE t (a BIGINT); "), v1[1]]
        #expect(throws: PostgresMigrationError.edited(name: "0001_t.sql")) { try PostgresMigrator(migrations: spaced).migrate(pool) }
        let columns = try pool.withConnection { c in
            try c.query("SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'u'",
                        [.text(scratch.schema)]).map { try $0.string(0) }
        }
        #expect(columns == ["b"])
    }

    @Test func aDatabaseWithAMigrationThisBinaryLacksIsRefusedByName() throws {
        let scratch = try Scratch()
        let pool = scratch.pool()
        try PostgresMigrator(migrations: v1).migrate(pool)
        #expect(throws: PostgresMigrationError.unknown(name: "0002_u.sql")) { try PostgresMigrator(migrations: [v1[0]]).migrate(pool) }
        #expect("\(PostgresMigrationError.unknown(name: "0002_u.sql"))".contains("0002_u.sql"))
    }

    @Test func aFailingMigrationLeavesNothingBehind() throws {
        let scratch = try Scratch()
        let pool = scratch.pool()
        let broken = [v1[0], Migration(name: "0002_bad.sql", sql: "CREATE TABLE half (a BIGINT); CREATE TABLE oops (;")]
        let e = #expect(throws: PostgresError.self) { try PostgresMigrator(migrations: broken).migrate(pool) }
        #expect(e?.sqlState == "42601")
        let tables = try pool.withConnection { c in
            try c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
                        [.text(scratch.schema)]).map { try $0.string(0) }
        }
        #expect(tables == ["schema_migrations", "t"])
        // Fixed, it applies.
        #expect(try PostgresMigrator(migrations: v1).migrate(pool) == ["0002_u.sql"])
    }

    @Test func twoProcessesMigratingAtOnceApplyEachMigrationOnce() throws {
        let scratch = try Scratch()
        // Slow migrations widen the window in which the two would race without the lock.
        let slow = (1...4).map { i in
            Migration(name: String(format: "%04d_slow.sql", i),
                      sql: "SELECT pg_sleep(0.05); CREATE TABLE slow_\(i) (a BIGINT); INSERT INTO slow_\(i) VALUES (\(i));")
        }
        let pools = [scratch.pool(), scratch.pool()]
        let applied = Collected<[String]>()
        let failures = Collected<String>()
        onThreads(2) { i in
            do { applied.append(try PostgresMigrator(migrations: slow).migrate(pools[i])) } catch { failures.append("\(error)") }
        }
        #expect(failures.all == [])
        #expect(applied.all.flatMap { $0 }.sorted() == slow.map(\.name))
        let rows = try pools[0].withConnection { c in try c.query("SELECT count(*) FROM schema_migrations").first?.int64(0) }
        #expect(rows == 4)
    }

    @Test func strikeLedgersMigrationsApplyAndHoldTheGazetteer() throws {
        let scratch = try Scratch()
        let pool = scratch.pool()
        #expect(try PostgresMigrator().migrate(pool) == LedgerMigrations.postgres.map(\.name))
        #expect(try PostgresMigrator().migrate(pool) == [])
        try pool.withConnection { c in
            // The same cities as SQLite's gazetteer: it is the same file.
            let gazetteer = try #require(LedgerMigrations.postgres.first { $0.name == "0002_gazetteer.sql" })
            #expect(LedgerMigrations.all.contains { $0.name == gazetteer.name && $0.sql == gazetteer.sql })
            let cities = gazetteer.sql.components(separatedBy: "INSERT INTO cities ").count - 1
            let aliases = gazetteer.sql.components(separatedBy: "INSERT INTO city_aliases ").count - 1
            #expect(try c.query("SELECT count(*), max(id) FROM cities").first?.int64(0) == Int64(cities))
            #expect(try c.query("SELECT count(*) FROM city_aliases").first?.int64(0) == Int64(aliases))
            #expect(try c.query("SELECT name FROM cities WHERE id = 1").first?.string(0) == "Kyiv")
            let kyivAliases = try c.query("SELECT alias FROM city_aliases WHERE city_id = 1 ORDER BY rowid").map { try $0.string(0) }
            #expect(kyivAliases.contains("Київ") && kyivAliases.contains("Kiev"))
            // The next city added gets max(id) + 1, as on SQLite.
            let maxID = try #require(try c.query("SELECT max(id) FROM cities").first?.int64(0))
            let id = try c.query("""
                INSERT INTO cities (name, country, timezone, latitude, longitude) VALUES ($1, 'UA', 'Europe/Kyiv', 0, 0) RETURNING id
                """, ["Testville"]).first?.int64(0)
            #expect(id == maxID + 1)
            // The feed counter starts at 0.
            #expect(try c.query("SELECT seq FROM feed_head").first?.int64(0) == 0)
        }
    }

    @Test(arguments: [
        "UPDATE revisions SET killed = 9",
        "DELETE FROM revisions",
        "TRUNCATE revisions CASCADE",
        "UPDATE change_events SET toll_killed = 9",
        "DELETE FROM change_events",
        "TRUNCATE change_events CASCADE",
        "UPDATE revision_voids SET reason = 'none'",
        "DELETE FROM revision_voids",
        "TRUNCATE revision_voids",
        "UPDATE feed_head SET seq = 0",
        "DELETE FROM feed_head",
    ])
    func historyTablesRefuseChanges(_ sql: String) throws {
        let scratch = try Scratch()
        let pool = try scratch.migratedPool()
        try pool.transaction { c in
            try c.execute("INSERT INTO sources (name, kind, created_at) VALUES ('Mayor', 'official', 0)")
            try c.execute("""
                INSERT INTO strikes (city_id, occurred_at, time_precision, local_date, created_at, updated_at)
                VALUES (1, 0, 'minute', '1970-01-01', 0, 0)
                """)
            for _ in 0..<2 {
                try c.execute("""
                    WITH next AS (UPDATE feed_head SET seq = seq + 1 RETURNING seq)
                    INSERT INTO change_events (seq, type, strike_id, city_id, toll_revisions, created_at)
                    SELECT seq, 'revision', 1, 1, 1, 0 FROM next
                    """)
            }
            try c.execute("INSERT INTO revisions (seq, strike_id, killed, reported_at, recorded_at, source_id) VALUES (1, 1, 3, 0, 0, 1)")
            try c.execute("INSERT INTO revision_voids (revision_seq, event_seq, voided_at, reason) VALUES (1, 2, 0, 'twice')")
        }
        let e = #expect(throws: PostgresError.self) { try pool.withConnection { c in try c.execute(sql) } }
        #expect(e?.message.contains("append-only") == true || e?.message.contains("only moves forward") == true)
        #expect(e?.sqlState == PostgresError.SQLState.integrityConstraintViolation)
        let counts = try pool.withConnection { c in
            try c.query("""
                SELECT (SELECT count(*) FROM revisions), (SELECT count(*) FROM change_events),
                       (SELECT count(*) FROM revision_voids), (SELECT seq FROM feed_head)
                """).first.map { row in try (0..<4).map { try row.int64($0) } }
        }
        #expect(counts == [1, 2, 1, 2])
    }
}
