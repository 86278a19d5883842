import Dispatch
import Foundation
import LedgerModel
import Synchronization
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

/// The SQLite store's own read connections: one snapshot per read, a bounded number of
/// connections, and a connection that comes back usable after a failed read.
@Suite struct ReadConnectionsTests {
    @Test func aReadSeesOneSnapshotWhileAWriteCommitsInTheMiddle() throws {
        try withSQLiteStore { store, _, _ in
            _ = try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T02:30:00Z")))
            let (before, after) = try store.read { session -> (Int64, Int64) in
                let first: Int64 = try session.rows("SELECT count(*) FROM strikes", [])[0][0]
                // Committed by the writer, from another thread, while this read is open.
                let done = DispatchSemaphore(value: 0)
                DispatchQueue.global().async {
                    _ = try? store.createStrike(NewStrike(city: .name("Lviv"), occurredAt: ts("2025-10-11T02:30:00Z")))
                    done.signal()
                }
                #expect(done.wait(timeout: .now() + 10) == .success)
                let second: Int64 = try session.rows("SELECT count(*) FROM strikes", [])[0][0]
                return (first, second)
            }
            #expect(before == 1 && after == 1)
            let now: Int64 = try store.read { try $0.rows("SELECT count(*) FROM strikes", [])[0][0] }
            #expect(now == 2)
        }
    }

    @Test func moreReadsThanConnectionsWaitTheirTurnAndAllAnswer() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.path())
        let readers = ReadConnections(path: dir.path(), limit: 2)
        let busy = Atomic<Int>(0), most = Atomic<Int>(0), answered = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 12) { _ in
            let count: Int64? = try? readers.read { session in
                let now = busy.add(1, ordering: .sequentiallyConsistent).newValue
                _ = most.max(now, ordering: .sequentiallyConsistent)
                Thread.sleep(forTimeInterval: 0.02)
                busy.subtract(1, ordering: .sequentiallyConsistent)
                return try session.rows("SELECT count(*) FROM cities", [])[0][0]
            }
            if let count, count > 0 { answered.add(1, ordering: .relaxed) }
        }
        #expect(answered.load(ordering: .relaxed) == 12)
        #expect(most.load(ordering: .relaxed) <= 2)
        withExtendedLifetime(store) {}
    }

    @Test func aFailedReadLeavesItsConnectionUsable() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.path())
        let readers = ReadConnections(path: dir.path(), limit: 1)
        #expect(throws: (any Error).self) { try readers.read { try $0.rows("SELECT * FROM no_such_table", []) } }
        struct Stop: Error {}
        #expect(throws: Stop.self) { try readers.read { session -> Void in _ = try session.rows("SELECT 1", []); throw Stop() } }
        let one: Int64 = try readers.read { try $0.rows("SELECT 1", [])[0][0] }
        #expect(one == 1)
        // Read-only: a write through a read connection is refused, and nothing changes.
        #expect(throws: (any Error).self) { try readers.read { try $0.execute("DELETE FROM cities", []) } }
        let cities: Int64 = try readers.read { try $0.rows("SELECT count(*) FROM cities", [])[0][0] }
        #expect(cities > 0)
        withExtendedLifetime(store) {}
    }

    // MARK: A snapshot held for an event loop's turn

    /// Runs `body` on a thread of its own, as an event loop would (a held snapshot lives
    /// in its thread, and a test's thread is shared with other tests), and returns what
    /// it returned; the expectations are checked on the test's thread.
    private func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let result = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let value = Result { try body() }
            result.withLock { $0 = value }
            done.signal()
        }
        thread.start()
        #expect(done.wait(timeout: .now() + 30) == .success)
        return try #require(result.withLock { $0 }).get()
    }

    @Test func aTurnsReadsSeeEveryCommitOfThisProcessAtOnce() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.path())
        let count: @Sendable () throws -> Int64 = { try store.read { try $0.rows("SELECT count(*) FROM strikes", [])[0][0] } }
        let counts = try onOwnThread { () -> [Int64] in
            store.startReadTurn()
            defer { store.endReadTurn() }
            var counts = [try count()]
            // Committed by this process's writer between two reads of the turn: the
            // second read is in a new snapshot, as a client told of the write expects.
            _ = try store.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T02:30:00Z")))
            counts.append(try count())
            _ = try store.createStrike(NewStrike(city: .name("Lviv"), occurredAt: ts("2025-10-11T02:30:00Z")))
            counts.append(try count())
            return counts
        }
        #expect(counts == [0, 1, 2])
    }

    @Test func anotherProcesssCommitIsSeenFromTheNextTurn() throws {
        let dir = TempDir()
        // Neither store watches for the other's commits in this test's time.
        let store = try SQLiteStore(path: dir.path(), watchInterval: .seconds(3600))
        // A second store on the same file: its writer is another connection, as an
        // `import` run beside the server would be.
        let other = try SQLiteStore(path: dir.path(), watchInterval: .seconds(3600))
        let count: @Sendable () throws -> Int64 = { try store.read { try $0.rows("SELECT count(*) FROM strikes", [])[0][0] } }
        let counts = try onOwnThread { () -> [Int64] in
            store.startReadTurn()
            var counts = [try count()]
            _ = try other.createStrike(NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T02:30:00Z")))
            // The same turn reads its snapshot (the store has not been told of the commit).
            counts.append(try count())
            store.endReadTurn()
            store.startReadTurn()
            counts.append(try count())
            store.endReadTurn()
            // Outside a turn, each read takes a pooled connection and a snapshot of its own.
            _ = try other.createStrike(NewStrike(city: .name("Lviv"), occurredAt: ts("2025-10-11T02:30:00Z")))
            counts.append(try count())
            return counts
        }
        #expect(counts == [0, 0, 1, 2])
        withExtendedLifetime(other) {}
    }

    @Test func aFailedReadInATurnLeavesTheTurnUsable() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.path())
        let (failed, outer, inner) = try onOwnThread { () -> (Bool, Int64, Int64) in
            store.startReadTurn()
            defer { store.endReadTurn() }
            let failed = (try? store.read { try $0.rows("SELECT * FROM no_such_table", []) }) == nil
            // A read inside a read, with the same statement as the outer one's open
            // statement: it runs on a connection of its own, and the outer rows go on.
            var (outer, inner): (Int64, Int64) = (0, 0)
            try store.read { session in
                try session.forEachRow("SELECT count(*) FROM cities UNION ALL SELECT count(*) FROM cities", []) { row in
                    outer += row.int64(0)
                    inner += try store.read { session in
                        var total: Int64 = 0
                        try session.forEachRow("SELECT count(*) FROM cities UNION ALL SELECT count(*) FROM cities", []) { total += $0.int64(0); return true }
                        return total
                    }
                    return true
                }
            }
            return (failed, outer, inner)
        }
        #expect(failed)
        #expect(outer > 0 && inner == 2 * outer)
    }
}
