import Foundation
import Synchronization
import Testing
@testable import LedgerPostgres

/// The feed's promise across processes: a poller that follows next_since never skips an
/// event. These tests show why a sequence breaks it and that the counter keeps it.
@Suite("PostgreSQL feed seqs in commit order", .needsPostgres)
struct FeedCounterTests {
    /// The seqs a writer takes, as the engine will: in its transaction, from the counter.
    static let appendEvent = """
        WITH next AS (UPDATE feed_head SET seq = seq + 1 RETURNING seq)
        INSERT INTO change_events (seq, type, strike_id, city_id, toll_revisions, created_at)
        SELECT seq, 'revision', $1, 1, 0, 0 FROM next RETURNING seq
        """

    private func strike(_ pool: PostgresPool) throws -> Int64 {
        try pool.withConnection { c in
            try #require(try c.query("""
                INSERT INTO strikes (city_id, occurred_at, time_precision, local_date, created_at, updated_at)
                VALUES (1, 0, 'minute', '1970-01-01', 0, 0) RETURNING id
                """).first?.int64(0))
        }
    }

    @Test func aSequenceHandsOutValuesAtInsertSoALaterSeqCanBeSeenFirst() throws {
        // Why the schema does not use one: PostgreSQL's documented behaviour, shown.
        let scratch = try Scratch()
        let a = try scratch.connect(), b = try scratch.connect(), reader = try scratch.connect()
        try a.execute("CREATE TABLE events (seq BIGSERIAL PRIMARY KEY)")
        try a.execute("BEGIN")
        let first = try a.query("INSERT INTO events DEFAULT VALUES RETURNING seq").first?.int64(0)
        try b.execute("INSERT INTO events DEFAULT VALUES")  // commits at once
        #expect(first == 1)
        // A poller now reads seq 2 and moves its cursor past 1, which is not yet visible.
        #expect(try reader.query("SELECT seq FROM events WHERE seq > 0").map { try $0.int64(0) } == [2])
        try a.execute("COMMIT")
        #expect(try reader.query("SELECT seq FROM events WHERE seq > 2").count == 0)  // 1 is never seen
    }

    @Test func theCounterMakesASecondWriterWaitForTheFirstsCommit() throws {
        let scratch = try Scratch()
        let pool = try scratch.migratedPool()
        let id = try strike(pool)
        let a = try scratch.connect(), b = try scratch.connect()
        try a.execute("BEGIN")
        #expect(try a.query(Self.appendEvent, [.int64(id)]).first?.int64(0) == 1)
        // B cannot take a seq while A's transaction is open.
        try b.execute("BEGIN")
        try b.execute("SET LOCAL lock_timeout = '100ms'")
        let e = #expect(throws: PostgresError.self) { try b.query(Self.appendEvent, [.int64(id)]) }
        #expect(e?.sqlState == PostgresError.SQLState.lockNotAvailable)
        try b.execute("ROLLBACK")
        // A rolls back: its seq is given back, so no gap is left.
        try a.execute("ROLLBACK")
        #expect(try b.query(Self.appendEvent, [.int64(id)]).first?.int64(0) == 1)
    }

    @Test func concurrentWritersSeqsBecomeVisibleInOrderWithNoGap() throws {
        let scratch = try Scratch()
        let pool = try scratch.migratedPool(.init(maxConnections: 8, checkoutTimeout: .seconds(60)))
        let id = try strike(pool)
        let writers = 6, perWriter = 40
        let done = Atomic<Bool>(false)
        let failures = Collected<String>()
        let committed = Collected<Int64>()
        // The poller follows the feed as a client would: items with seq > since, then
        // since = the last one seen. Every batch must continue exactly where it left off.
        let pollerDone = DispatchSemaphore(value: 0)
        let poller = Thread {
            defer { pollerDone.signal() }
            do {
                let c = try scratch.connect()
                var since: Int64 = 0
                var polls = 0
                while true {
                    let finished = done.load(ordering: .acquiring)
                    let seqs = try c.query("SELECT seq FROM change_events WHERE seq > $1 ORDER BY seq LIMIT 50",
                                           [.int64(since)]).map { try $0.int64(0) }
                    polls += 1
                    if seqs != Array(since + 1 ..< since + 1 + Int64(seqs.count)) {
                        failures.append("after \(since) the poller saw \(seqs)")
                    }
                    since = seqs.last ?? since
                    if finished && seqs.isEmpty { break }
                }
                if since != Int64(writers * perWriter) { failures.append("the poller ended at \(since)") }
                if polls < 10 { failures.append("only \(polls) polls: the test did not race") }
            } catch {
                failures.append("poller: \(error)")
            }
        }
        poller.start()
        onThreads(writers) { w in
            for i in 0..<perWriter {
                do {
                    let seq = try pool.transaction { c in
                        let seq = try c.query(Self.appendEvent, [.int64(id)]).first?.int64(0) ?? -1
                        // Work after taking the seq, as the engine's writes do: the window
                        // in which a sequence would let a later seq commit first.
                        if (w + i) % 3 == 0 { Thread.sleep(forTimeInterval: 0.001) }
                        return seq
                    }
                    committed.append(seq)
                } catch {
                    failures.append("writer \(w): \(error)")
                }
            }
        }
        done.store(true, ordering: .releasing)
        pollerDone.wait()
        #expect(failures.all == [])
        #expect(committed.all.sorted() == Array(1...Int64(writers * perWriter)))
        let head = try pool.withConnection { c in try c.query("SELECT seq FROM feed_head").first?.int64(0) }
        #expect(head == Int64(writers * perWriter))
    }
}
