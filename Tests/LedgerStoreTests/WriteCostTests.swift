import LedgerModel
import Testing
@testable import LedgerStore

/// A session that counts the rows its queries return.
final class CountingSession: SQLSession {
    let inner: any SQLSession
    private(set) var rowsRead = 0
    init(_ inner: any SQLSession) { self.inner = inner }
    func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int { try inner.execute(sql, arguments) }
    func rows(_ sql: String, _ arguments: [any SQLBindable]) throws -> [SQLRow] {
        let rows = try inner.rows(sql, arguments)
        rowsRead += rows.count
        return rows
    }
}

@Suite struct WriteCostTests {
    /// A revision's write reads a handful of rows, however long its strike's history: a
    /// write that re-read the history would make n revisions cost O(n²), and let one key
    /// slow the server down.
    @Test(arguments: Engine.available) func aRevisionReadsNoMoreRowsAfterAHistory(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let strike = try store.ingest(mayorReport, window: window).strike
            func rowsReadByAnAppend() throws -> Int {
                try appendCounting(store as! any RelationalStore, to: strike.id)
            }
            let first = try rowsReadByAnAppend()
            for i in 0..<300 {
                _ = try store.appendRevision(toStrike: strike.id, Figures(killed: Int64(i % 7), injured: nil, source: president))
            }
            let later = try rowsReadByAnAppend()
            #expect(later <= first + 2, "rows read by one revision: \(first) on a short history, \(later) after 300 more")
            #expect(try store.strike(id: strike.id).toll.revisions == 303)
        }
    }

    /// One revision appended inside the engine's write, through a counting session.
    private func appendCounting(_ store: any RelationalStore, to id: Int64) throws -> Int {
        let S = type(of: store)
        return try store.writeEvents { db in
            let counting = CountingSession(db)
            let root = try S.resolveRoot(id, counting)
            let source = try S.resolveSource(president, now: store.now, counting)
            let (_, event) = try S.appendRevision(to: root, Figures(killed: 4, injured: nil, source: president), source: source,
                                                  now: store.now, counting)
            return (counting.rowsRead, [event])
        }
    }
}
