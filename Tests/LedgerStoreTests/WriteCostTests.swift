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

    /// Who says what is cached with the toll: a void (which re-derives one source's
    /// statement and the range) reads no more rows after a long history from many sources.
    @Test(arguments: Engine.available) func aVoidReadsNoMoreRowsAfterAHistory(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let strike = try store.ingest(mayorReport, window: window).strike
            let relational = store as! any RelationalStore
            let S = type(of: relational)
            func rowsReadByAVoid() throws -> Int {
                let seq = try store.appendRevision(toStrike: strike.id, Figures(killed: 4, injured: 1, source: president)).revision.seq
                return try relational.writeEvents { db in
                    let counting = CountingSession(db)
                    var revision = try S.requireRevision(seq, counting)
                    revision.voided = nil
                    let root = try S.resolveRoot(revision.strikeId, counting)
                    let ids = try S.group(of: root.id, counting)
                    let toll = try S.toll(ofGroup: ids, excluding: seq, revisions: root.toll.revisions - 1, counting)
                    let event = try S.appendEvent(.void, strike: root, revisionSeq: seq, toll: toll, now: store.now, counting)
                    try counting.execute("INSERT INTO revision_voids (revision_seq, event_seq, voided_at, reason) VALUES (?, ?, ?, ?)",
                                         [seq, event.seq, store.now.seconds, "test"])
                    try S.storeToll(toll, on: root.id, now: store.now, counting)
                    try S.refreshStatement(root: root.id, group: ids, source: revision.source.id, counting)
                    try S.refreshRange(of: root.id, counting)
                    return (counting.rowsRead, [event])
                }
            }
            let first = try rowsReadByAVoid()
            for i in 0..<300 {
                let source = SourceSpec.inline(NewSource(name: "source \(i % 50)", kind: .media))
                _ = try store.appendRevision(toStrike: strike.id, Figures(killed: Int64(i % 7), injured: Int64(i % 5), source: source))
            }
            let later = try rowsReadByAVoid()
            #expect(later <= first + 2, "rows read by one void: \(first) on a short history, \(later) after 300 more")
            #expect(try store.strike(id: strike.id).statements?.count == 51)
        }
    }

    /// An attack revision and its void read a handful of rows, however long the attack's history.
    @Test(arguments: Engine.available) func anAttackRevisionReadsNoMoreRowsAfterAHistory(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let attack = try store.createAttack(NewAttack(country: "UA", startedAt: ts("2025-10-09T22:00:00Z")))
            let relational = store as! any RelationalStore
            let S = type(of: relational)
            let figures = AttackFigures(weapons: [StatedWeapon(model: "Shahed-136", figures: WeaponFigures(launched: 497, intercepted: 473)),
                                                  StatedWeapon(model: "Kh-101", figures: WeaponFigures(launched: 20))],
                                        source: president)
            func rowsRead() throws -> (append: Int, void: Int) {
                let lines = try relational.statedModels(figures)
                let (append, seq) = try relational.writeEvents { db in
                    let counting = CountingSession(db)
                    let (written, event) = try S.appendAttackRevision(to: attack.id, lines, figures, now: store.now, counting)
                    return ((counting.rowsRead, written.revision.seq), [event])
                }
                let void = try relational.writeEvents { db in
                    let counting = CountingSession(db)
                    let (_, event) = try S.voidAttackRevision(seq: seq, reason: "test",
                                                              catalogue: store.weaponCatalogue, now: store.now, counting)
                    return (counting.rowsRead, [event])
                }
                return (append, void)
            }
            func history(_ n: Int) throws {
                for i in 0..<n {
                    _ = try store.appendAttackRevision(toAttack: attack.id, AttackFigures(
                        weapons: [StatedWeapon(model: "Shahed-136", figures: WeaponFigures(launched: Int64(i), intercepted: Int64(i / 2)))],
                        reportedAt: ts("2025-10-10T05:00:00Z"), source: president))
                }
            }
            try history(1)
            let first = try rowsRead()
            try history(299)
            let later = try rowsRead()
            #expect(later.append <= first.append, "rows read by one attack revision: \(first.append), then \(later.append) after 300 more")
            #expect(later.void <= first.void, "rows read by one attack void: \(first.void), then \(later.void) after 300 more")
            #expect(try store.attack(id: attack.id).revisions == 300)
            #expect(try store.attackRevisions(ofAttack: attack.id, after: nil, limit: 1000).count == 302)
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
