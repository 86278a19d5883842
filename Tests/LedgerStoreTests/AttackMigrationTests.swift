import Foundation
import GRDB
import LedgerMigrations
import LedgerModel
import Testing
@testable import LedgerPostgres
@testable import LedgerSQLite
@testable import LedgerStore

/// Migration 0008 (pg 0006) derives who says what for the history already stored: each
/// source's latest counting figures per strike group, and the range they give.
@Suite struct AttackMigrationTests {
    /// A history written before the migration: strike 2 merged into strike 1; the mayor's
    /// latest killed figure is on the merged strike; the president's latest is voided.
    static let history = [
        "INSERT INTO sources (id, name, kind, created_at) VALUES (1, 'Mayor', 'official', 0)",
        "INSERT INTO sources (id, name, kind, created_at) VALUES (2, 'President', 'official', 0)",
        """
        INSERT INTO strikes (id, city_id, occurred_at, time_precision, local_date, created_at, updated_at)
        VALUES (1, 1, 1000, 'minute', '1970-01-01', 0, 0)
        """,
        """
        INSERT INTO strikes (id, city_id, occurred_at, time_precision, local_date, created_at, updated_at, merged_into, merged_at)
        VALUES (2, 1, 1100, 'minute', '1970-01-01', 0, 0, 1, 50)
        """,
        "INSERT INTO change_events (seq, type, strike_id, city_id, toll_revisions, created_at) VALUES (1, 'revision', 1, 1, 1, 0)",
        "INSERT INTO change_events (seq, type, strike_id, city_id, toll_revisions, created_at) VALUES (2, 'revision', 1, 1, 2, 0)",
        "INSERT INTO change_events (seq, type, strike_id, city_id, toll_revisions, created_at) VALUES (3, 'revision', 2, 1, 1, 0)",
        "INSERT INTO change_events (seq, type, strike_id, city_id, toll_revisions, created_at) VALUES (4, 'revision', 1, 1, 3, 0)",
        "INSERT INTO change_events (seq, type, strike_id, city_id, toll_revisions, created_at) VALUES (5, 'void', 1, 1, 2, 0)",
        "INSERT INTO revisions (seq, strike_id, killed, injured, reported_at, recorded_at, source_id) VALUES (1, 1, 3, 3, 100, 0, 1)",
        "INSERT INTO revisions (seq, strike_id, killed, injured, reported_at, recorded_at, source_id) VALUES (2, 1, 4, NULL, 200, 0, 2)",
        "INSERT INTO revisions (seq, strike_id, killed, injured, reported_at, recorded_at, source_id) VALUES (3, 2, 2, NULL, 300, 0, 1)",
        "INSERT INTO revisions (seq, strike_id, killed, injured, reported_at, recorded_at, source_id) VALUES (4, 1, 5, NULL, 400, 0, 2)",
        "INSERT INTO revision_voids (revision_seq, event_seq, voided_at, reason) VALUES (4, 5, 0, 'typo')",
    ]

    static let statements = "SELECT strike_id, source_id, killed, killed_seq, injured, injured_seq FROM strike_statements ORDER BY strike_id, source_id"
    static let ranges = "SELECT id, toll_killed_low, toll_killed_high, toll_injured_low, toll_injured_high FROM strikes ORDER BY id"
    static let expectedStatements: [[Int64?]] = [[1, 1, 2, 3, 3, 1], [1, 2, 4, 2, nil, nil]]
    static let expectedRanges: [[Int64?]] = [[1, 2, 4, 3, 3], [2, nil, nil, nil, nil]]

    @Test func sqliteBackfillsStatementsAndRanges() throws {
        let dir = TempDir()
        let queue = try DatabaseQueue(path: dir.path())
        let before = LedgerMigrations.all.filter { $0.name < "0008" }
        try Migrator(migrations: before).migrate(queue)
        try queue.write { db in for sql in Self.history { try db.execute(sql: sql) } }
        try Migrator(migrations: LedgerMigrations.all).migrate(queue)
        try queue.read { db in
            let rows = try Row.fetchAll(db, sql: Self.statements).map { row in (0..<6).map { row[$0] as Int64? } }
            #expect(rows == Self.expectedStatements)
            let ranges = try Row.fetchAll(db, sql: Self.ranges).map { row in (0..<5).map { row[$0] as Int64? } }
            #expect(ranges == Self.expectedRanges)
        }
    }

    @Test(.enabled(if: Engine.postgresServer != nil)) func postgresBackfillsStatementsAndRanges() throws {
        let dir = TempDir()
        let connection = try PostgresConnection(configuration: try PostgresConfiguration(url: try dir.postgresDatabase()))
        defer { connection.close() }
        let before = LedgerMigrations.postgres.filter { $0.name < "0006_pg_attacks" }
        try PostgresMigrator(migrations: before).migrate(on: connection)
        for sql in Self.history { _ = try connection.execute(sql) }
        try PostgresMigrator().migrate(on: connection)
        let rows = try connection.query(Self.statements).map { row in try (0..<6).map { row.isNull($0) ? nil : try row.int64($0) } }
        #expect(rows == Self.expectedStatements)
        let ranges = try connection.query(Self.ranges).map { row in try (0..<5).map { row.isNull($0) ? nil : try row.int64($0) } }
        #expect(ranges == Self.expectedRanges)
    }
}
