import Testing
@testable import LedgerPostgres

private struct Refusal: Error {}

@Suite("PostgreSQL transactions", .needsPostgres)
struct TransactionTests {
    private func table() throws -> (Scratch, PostgresConnection) {
        let scratch = try Scratch()
        let c = try scratch.connect()
        try c.execute("CREATE TABLE t (id BIGINT PRIMARY KEY)")
        return (scratch, c)
    }

    private func ids(_ c: PostgresConnection) throws -> [Int64] {
        try c.query("SELECT id FROM t ORDER BY id").map { try $0.int64(0) }
    }

    @Test func aTransactionCommitsWhatItsBodyDid() throws {
        let (scratch, c) = try table()
        let n = try c.transaction { c in
            try c.execute("INSERT INTO t VALUES (1), (2)")
        }
        #expect(n == 2)
        #expect(try ids(try scratch.connect()) == [1, 2])
        #expect(!c.isInTransaction)
    }

    @Test func aThrowingBodyRollsBackAndItsErrorComesOut() throws {
        let (scratch, c) = try table()
        #expect(throws: Refusal.self) {
            try c.transaction { c in
                try c.execute("INSERT INTO t VALUES (1)")
                throw Refusal()
            }
        }
        #expect(try ids(c) == [])
        #expect(try ids(try scratch.connect()) == [])
        #expect(c.isHealthy)
    }

    @Test func aFailedStatementRollsBackTheWholeTransaction() throws {
        let (_, c) = try table()
        let e = #expect(throws: PostgresError.self) {
            try c.transaction { c in
                try c.execute("INSERT INTO t VALUES (1)")
                try c.execute("INSERT INTO t VALUES (1)")
            }
        }
        #expect(e?.isUniqueViolation == true)
        #expect(try ids(c) == [])
    }

    @Test func anErrorTheBodySwallowedStillPreventsTheCommit() throws {
        let (_, c) = try table()
        let e = #expect(throws: PostgresError.self) {
            try c.transaction { c in
                try c.execute("INSERT INTO t VALUES (1)")
                _ = try? c.execute("INSERT INTO t VALUES (1)")
                // Everything after the failure is refused too; COMMIT would roll back silently.
            }
        }
        #expect(e?.message.contains("rolled back") == true)
        #expect(try ids(c) == [])
        #expect(!c.isInTransaction)
    }

    @Test func aSavepointUndoesOnlyItsOwnWork() throws {
        let (_, c) = try table()
        try c.transaction { c in
            try c.execute("INSERT INTO t VALUES (1)")
            #expect(throws: PostgresError.self) {
                try c.savepoint { c in
                    try c.execute("INSERT INTO t VALUES (2)")
                    try c.execute("INSERT INTO t VALUES (1)")  // a unique violation
                }
            }
            #expect(throws: Refusal.self) {
                try c.savepoint { c in
                    try c.execute("INSERT INTO t VALUES (3)")
                    throw Refusal()
                }
            }
            try c.savepoint { c in
                try c.execute("INSERT INTO t VALUES (4)")
                // Nested: the inner one unwinds alone.
                _ = try? c.savepoint { c in
                    try c.execute("INSERT INTO t VALUES (5)")
                    throw Refusal()
                }
            }
        }
        #expect(try ids(c) == [1, 4])
    }

    @Test func transactionsDoNotNestAndSavepointsNeedOne() throws {
        let (_, c) = try table()
        let nested = #expect(throws: PostgresError.self) {
            try c.transaction { c in try c.transaction { _ in } }
        }
        #expect(nested?.kind == .misuse)
        let bare = #expect(throws: PostgresError.self) { try c.savepoint { _ in } }
        #expect(bare?.kind == .misuse)
        #expect(!c.isInTransaction)
    }

    @Test(arguments: [PostgresConnection.IsolationLevel.readCommitted, .repeatableRead, .serializable])
    func theIsolationLevelIsTheOneAskedFor(_ level: PostgresConnection.IsolationLevel) throws {
        let c = try PostgresConnection(configuration: try TestServer.configuration())
        let name = try c.transaction(level) { c in try c.query("SELECT current_setting('transaction_isolation')").first?.string(0) }
        let expected = switch level {
        case .readCommitted: "read committed"
        case .repeatableRead: "repeatable read"
        case .serializable: "serializable"
        }
        #expect(name == expected)
    }
}
