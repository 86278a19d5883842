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
}
