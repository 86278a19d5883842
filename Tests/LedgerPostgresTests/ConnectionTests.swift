import Foundation
import Testing
@testable import LedgerPostgres

@Suite("PostgreSQL connection", .needsPostgres)
struct ConnectionTests {
    @Test func connectsAndCommitsDurably() throws {
        let c = try PostgresConnection(configuration: try TestServer.configuration())
        let row = try #require(try c.query("SELECT current_setting('server_version_num')::int, current_setting('synchronous_commit'), current_setting('client_encoding')").first)
        #expect(try row.int64(0) >= 120000)
        #expect(try row.string(1) == "on")
        #expect(try row.string(2) == "UTF8")
        #expect(c.backendPID > 0)
        #expect(c.isHealthy)
    }

    @Test func aSessionWithSynchronousCommitOffIsTurnedOn() throws {
        let scratch = try Scratch()
        let base = scratch.configuration.url
        // The URL asks for it off, as a careless server setting would.
        let c = try PostgresConnection(url: base + "%20-csynchronous_commit%3Doff")
        #expect(try c.query("SELECT current_setting('synchronous_commit')").first?.string(0) == "on")
        var lax = try PostgresConfiguration(url: base + "%20-csynchronous_commit%3Doff")
        lax.requireDurableCommits = false
        #expect(try PostgresConnection(configuration: lax).query("SELECT current_setting('synchronous_commit')").first?.string(0) == "off")
    }

    @Test(arguments: ["sqlite:///tmp/x.db", "./strikeledger.sqlite", "mysql://u@h/db", "postgres:/nohost", ""])
    func onlyPostgresURLsAreTaken(_ url: String) {
        #expect(throws: PostgresError.self) { try PostgresConfiguration(url: url) }
        #expect(!PostgresConfiguration.isPostgresURL(url))
    }

    @Test func bothSchemesAreTakenAndPasswordsAreRedacted() throws {
        #expect(PostgresConfiguration.isPostgresURL("postgres://u:p@h/db"))
        #expect(PostgresConfiguration.isPostgresURL("postgresql://h/db"))
        #expect(try PostgresConfiguration(url: "postgresql://u:s3cret@h:5432/db?sslmode=disable").redactedURL
                == "postgresql://u:***@h:5432/db?sslmode=disable")
        #expect(try PostgresConfiguration(url: "postgres://h/db").redactedURL == "postgres://h/db")
    }

    @Test func aWrongPasswordIsATypedConnectionFailureThatDoesNotShowThePassword() throws {
        let url = try #require(TestServer.url)
        let wrong = url.replacingOccurrences(of: #"(://[^:]+:)[^@]+@"#, with: "$1not-the-password@", options: .regularExpression)
        let e = #expect(throws: PostgresError.self) { try PostgresConnection(url: wrong) }
        #expect(e?.kind == .connectionFailed)
        #expect(e?.isConnectionProblem == true)
        #expect(e?.message.contains("not-the-password") == false)
        #expect(e?.message.contains("password authentication failed") == true)
    }

    @Test func thePasswordMayComeFromPGPASSWORD() throws {
        // libpq reads PGPASSWORD itself when the URL has none; here it is set for the
        // whole process, so only check that a URL without a password is accepted as one.
        let url = try #require(TestServer.url)
        let bare = url.replacingOccurrences(of: #"(://[^:]+):[^@]+@"#, with: "$1@", options: .regularExpression)
        #expect(try PostgresConfiguration(url: bare).redactedURL == bare)
    }

    static let hostile: [String] = [
        "'; DROP TABLE victims; --",
        "Robert'); DROP TABLE students;--",
        "\\'; SELECT 1; --",
        "$1", "$2::text", "?", "%s%n", "\\x00", "E'\\n'",
        "\"quoted\" identifier", "-- comment", "/* open comment",
        "Київ, Киев, Kijów; Харків — \u{1F4A3} 🇺🇦", "\u{202E}reversed", "tab\tnewline\ncr\r",
        String(repeating: "ж", count: 100_000),
        "",
    ]

    @Test(arguments: hostile)
    func hostileTextIsBoundNotPasted(_ text: String) throws {
        let scratch = try Scratch()
        let c = try scratch.connect()
        try c.execute("CREATE TABLE victims (id BIGINT PRIMARY KEY, name TEXT NOT NULL)")
        try c.execute("INSERT INTO victims (id, name) VALUES ($1, $2)", [1, .text(text)])
        let rows = try c.query("SELECT name, length(name), octet_length(name) FROM victims WHERE name = $1", [.text(text)])
        #expect(rows.count == 1)
        #expect(try rows[0].string(0) == text)
        #expect(try rows[0].int(1) == text.unicodeScalars.count)
        #expect(try rows[0].int(2) == text.utf8.count)
        // The table is still there, with its one row.
        #expect(try c.query("SELECT count(*) FROM victims").first?.int64(0) == 1)
    }

    @Test func aNulByteIsRefusedNotCutShort() throws {
        let c = try PostgresConnection(configuration: try TestServer.configuration())
        let e = #expect(throws: PostgresError.self) { try c.query("SELECT $1::text", ["before\u{0}after"]) }
        #expect(e?.sqlState == PostgresError.SQLState.characterNotInRepertoire)
        // A parameter that goes as text (here a date) is refused before it is sent.
        let d = #expect(throws: PostgresError.self) { try c.query("SELECT $1::date", ["2025-10-10\u{0}junk"]) }
        #expect(d?.kind == .invalidParameter)
        #expect(c.isHealthy)
    }

    @Test(arguments: [PostgresConfiguration.ResultFormat.binary, .text])
    func valuesRoundTripExactly(_ format: PostgresConfiguration.ResultFormat) throws {
        var config = try TestServer.configuration()
        config.resultFormat = format
        let c = try PostgresConnection(configuration: config)
        let allBytes = (0...255).map { UInt8($0) }
        let row = try #require(try c.query("""
            SELECT $1::bigint, $2::bigint, $3::double precision, $4::double precision, $5::double precision,
                   $6::bytea, $7::boolean, $8::text, $9::bigint, $10::integer, $11::smallint, $12::real,
                   sum(x)::numeric, 12345678901234.5678::numeric, (-0.000012)::numeric, $13::bytea
            FROM (VALUES (9223372036854775807::bigint), (1)) v(x)
            """, [.int64(.max), .int64(.min), 0.1, -0.0, .double(.greatestFiniteMagnitude),
                  .bytes(allBytes), true, nil, nil, 2_147_483_647, -32768, 1.5, .bytes([])]).first)
        #expect(try row.int64(0) == .max)
        #expect(try row.int64(1) == .min)
        #expect(try row.double(2) == 0.1)
        #expect(try row.double(3) == 0 && (try row.double(3)).sign == .minus)
        #expect(try row.double(4) == .greatestFiniteMagnitude)
        #expect(try row.bytes(5) == allBytes)
        #expect(try row.bool(6) == true)
        #expect(try row.optionalString(7) == nil)
        #expect(try row.optionalInt64(8) == nil)
        #expect(row.isNull(8))
        #expect(try row.int64(9) == 2_147_483_647)
        #expect(try row.int64(10) == -32768)
        #expect(try row.double(11) == 1.5)
        // sum(bigint) is numeric: read as text, and as a double.
        #expect(try row.string(12) == "9223372036854775808")
        #expect(try row.double(12) == 9223372036854775808.0)
        #expect(try row.double(13) == 12345678901234.5678)
        #expect(try row.double(14) == -0.000012)
        #expect(try row.bytes(15) == [])
        // A NULL read as non-optional is an error, not a zero.
        let e = #expect(throws: PostgresError.self) { try row.int64(8) }
        #expect(e?.kind == .invalidColumn)
    }

    @Test func valuesAreEncodedForTheParameterTypeTheServerInferred() throws {
        let scratch = try Scratch()
        let c = try scratch.connect()
        try c.execute("CREATE TABLE t (i INTEGER, s SMALLINT, d DATE, n NUMERIC, f REAL)")
        try c.execute("INSERT INTO t VALUES ($1, $2, $3, $4, $5)", [42, 7, "2025-10-10", 3, 2.5])
        let row = try #require(try c.query("SELECT i, s, d::text, n::text, f FROM t").first)
        #expect(try row.int64(0) == 42)
        #expect(try row.int64(1) == 7)
        #expect(try row.string(2) == "2025-10-10")
        #expect(try row.string(3) == "3")
        #expect(try row.double(4) == 2.5)
        // Out of range for the column's type: refused before it is sent.
        let e = #expect(throws: PostgresError.self) { try c.execute("INSERT INTO t (i) VALUES ($1)", [.int64(Int64(Int32.max) + 1)]) }
        #expect(e?.kind == .invalidParameter)
        let b = #expect(throws: PostgresError.self) { try c.execute("INSERT INTO t (i) VALUES ($1)", [.bytes([1])]) }
        #expect(b?.kind == .invalidParameter)
        let count = #expect(throws: PostgresError.self) { try c.execute("INSERT INTO t (i) VALUES ($1)", []) }
        #expect(count?.kind == .invalidParameter)
    }

    @Test func anArrayBindsAnyNumberOfIdsToOneStatement() throws {
        let c = try PostgresConnection(configuration: try TestServer.configuration())
        let sql = "SELECT x FROM generate_series(1, 10) x WHERE x = ANY($1::bigint[]) ORDER BY x"
        #expect(try c.query(sql, [.int64Array([3, 5, 99])]).map { try $0.int64(0) } == [3, 5])
        #expect(try c.query(sql, [.int64Array([])]).count == 0)
        #expect(try c.query(sql, [.int64Array(Array(1...10))]).count == 10)
        #expect(c.preparedStatementCount == 2)  // the synchronous_commit check, and this one
    }

    @Test func aStatementIsPreparedOnceAndReused() throws {
        let c = try PostgresConnection(configuration: try TestServer.configuration())
        let before = c.preparedStatementCount
        for i in 0..<20 { #expect(try c.query("SELECT $1::bigint + 1", [.int64(Int64(i))]).first?.int64(0) == Int64(i) + 1) }
        #expect(c.preparedStatementCount == before + 1)
        let onServer = try c.query("SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", ["SELECT $1::bigint + 1"])
        #expect(try onServer.first?.int64(0) == 1)
    }

    @Test func theStatementCacheKeepsTheMostRecentlyUsed() throws {
        var config = try TestServer.configuration()
        config.statementCacheCapacity = 3
        let c = try PostgresConnection(configuration: config)
        for i in 0..<10 {
            try c.query("SELECT \(i)")
            try c.query("SELECT 'kept'")
        }
        #expect(c.preparedStatementCount == 3)
        #expect(try c.query("SELECT count(*) FROM pg_prepared_statements").first?.int64(0) == 3)
        #expect(try c.query("SELECT count(*) FROM pg_prepared_statements WHERE statement = 'SELECT ''kept'''").first?.int64(0) == 1)
    }

    @Test func aStatementWhoseTableChangedIsPreparedAnew() throws {
        let scratch = try Scratch()
        let c = try scratch.connect()
        try c.execute("CREATE TABLE t (a BIGINT)")
        try c.execute("INSERT INTO t VALUES (1)")
        #expect(try c.query("SELECT * FROM t").columnCount == 1)
        try c.execute("ALTER TABLE t ADD COLUMN b BIGINT")
        // The server refuses the old plan once (0A000); the next call prepares anew.
        if (try? c.query("SELECT * FROM t")) == nil {
            #expect(try c.query("SELECT * FROM t").columnCount == 2)
        }
    }

    @Test func serverErrorsKeepTheirSQLState() throws {
        let scratch = try Scratch()
        let c = try scratch.connect()
        try c.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, n BIGINT CHECK (n >= 0))")
        try c.execute("INSERT INTO t VALUES (1, 1)")
        let unique = #expect(throws: PostgresError.self) { try c.execute("INSERT INTO t VALUES (1, 2)") }
        #expect(unique?.kind == .server)
        #expect(unique?.isUniqueViolation == true)
        #expect(unique?.constraint == "t_pkey")
        #expect(unique?.detail?.contains("(id)=(1)") == true)
        let check = #expect(throws: PostgresError.self) { try c.execute("INSERT INTO t VALUES (2, -1)") }
        #expect(check?.sqlState == PostgresError.SQLState.checkViolation)
        let syntax = #expect(throws: PostgresError.self) { try c.query("SELEC 1") }
        #expect(syntax?.sqlState == "42601")
        #expect(syntax?.isConnectionProblem == false)
        #expect(c.isHealthy)
    }

    @Test func aSerializationFailureIsRecognisable() throws {
        let scratch = try Scratch()
        let a = try scratch.connect(), b = try scratch.connect()
        try a.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, n BIGINT)")
        try a.execute("INSERT INTO t VALUES (1, 0)")
        let e = #expect(throws: PostgresError.self) {
            try a.transaction(.serializable) { a in
                _ = try a.query("SELECT n FROM t WHERE id = 1")
                try b.execute("UPDATE t SET n = n + 1 WHERE id = 1")
                try a.execute("UPDATE t SET n = n + 1 WHERE id = 1")
            }
        }
        #expect(e?.sqlState == PostgresError.SQLState.serializationFailure)
        #expect(e?.isSerializationFailure == true)
        #expect(!a.isInTransaction)
        #expect(try a.query("SELECT n FROM t").first?.int64(0) == 1)
    }

    @Test func aTerminatedSessionIsAConnectionLossAndResetHealsIt() throws {
        let c = try PostgresConnection(configuration: try TestServer.configuration())
        let killer = try PostgresConnection(configuration: try TestServer.configuration())
        try c.query("SELECT 1")
        #expect(try killer.query("SELECT pg_terminate_backend($1)", [.int64(Int64(c.backendPID))]).first?.bool(0) == true)
        // The server's FATAL and end-of-file are on the socket: seen without a query.
        #expect(eventually { !c.isHealthy })
        let e = #expect(throws: PostgresError.self) { try c.query("SELECT 1") }
        #expect(e?.isConnectionProblem == true)
        try c.reset()
        #expect(c.isHealthy)
        #expect(try c.query("SELECT 2").first?.int64(0) == 2)
    }

    @Test func identifiersAreQuoted() throws {
        let c = try PostgresConnection(configuration: try TestServer.configuration())
        #expect(try c.quoteIdentifier("strike\"ledger") == "\"strike\"\"ledger\"")
    }
}
