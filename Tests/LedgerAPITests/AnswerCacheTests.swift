import Testing
@testable import LedgerAPI
import SocketHTTP

/// The answer cache keeps only answers that can still be served: those of the newest
/// version, within its count and byte bounds.
@Suite struct AnswerCacheTests {
    private func entry(_ version: Int, bytes: Int = 100) -> AnswerCache.Entry {
        AnswerCache.Entry(version: version, etag: "\"e\(version)\"", body: [UInt8](repeating: 0x20, count: bytes))
    }

    @Test func aNewerVersionDropsEveryOlderAnswerAndAnOlderOneIsNotKept() {
        let cache = AnswerCache()
        for i in 0..<100 { cache.store(entry(1), for: "q\(i)"[...]) }
        #expect(cache.size.answers == 100)
        #expect(cache.answer(for: "q7"[...], at: 1) != nil)

        cache.store(entry(2), for: "q0"[...])
        #expect(cache.size.answers == 1 && cache.size.bytes == 100, "the 99 answers of version 1 could never be served again")
        #expect(cache.answer(for: "q7"[...], at: 1) == nil)
        #expect(cache.answer(for: "q0"[...], at: 2) != nil)

        // A query that read version 1 and finished late is not kept.
        cache.store(entry(1), for: "late"[...])
        #expect(cache.answer(for: "late"[...], at: 1) == nil)
        #expect(cache.size.answers == 1)
    }

    @Test func itsBytesAndCountAreBounded() {
        let cache = AnswerCache(capacity: 10, maxBytes: 1_000)
        for i in 0..<9 { cache.store(entry(1, bytes: 100), for: "q\(i)"[...]) }
        #expect(cache.size.bytes == 900)
        cache.store(entry(1, bytes: 200), for: "big"[...])
        #expect(cache.size.bytes <= 1_000 && cache.answer(for: "big"[...], at: 1) != nil)
        for i in 0..<50 { cache.store(entry(1, bytes: 10), for: "n\(i)"[...]) }
        #expect(cache.size.answers <= 10)
        // The same key again replaces its answer and its bytes.
        let before = cache.size.bytes
        cache.store(entry(1, bytes: 10), for: "n49"[...])
        #expect(cache.size.bytes == before)
    }

    @Test("an answer larger than the whole budget is not kept, and what is kept stays")
    func anAnswerOverTheBudgetIsNotKept() {
        let cache = AnswerCache(capacity: 10, maxBytes: 1_000)
        cache.store(entry(1, bytes: 100), for: "small"[...])
        cache.store(entry(1, bytes: 1_001), for: "huge"[...])
        #expect(cache.answer(for: "huge"[...], at: 1) == nil)
        #expect(cache.answer(for: "small"[...], at: 1) != nil)
        #expect(cache.size.bytes == 100)
    }

    @Test("answers dropped from a full shelf or by a newer version are freed (on the discarding thread)")
    func droppedAnswersAreFreed() async throws {
        // 100 answers a shelf: more than are freed inline, so the discarding thread frees them.
        let cache = AnswerCache(capacity: 100, maxBytes: 1_000_000)
        weak var byCount: GzipCache?
        weak var byVersion: GzipCache?
        weak var few: GzipCache?
        do {
            let first = entry(1)
            byCount = first.gzip
            cache.store(first, for: "a"[...])
            for i in 0..<100 { cache.store(entry(1), for: "b\(i)"[...]) }  // the 101st answer empties the shelf
            #expect(cache.answer(for: "a"[...], at: 1) == nil)
            let kept = entry(1)
            byVersion = kept.gzip
            cache.store(kept, for: "c"[...])
            for i in 0..<99 { cache.store(entry(1), for: "d\(i)"[...]) }
            cache.store(entry(2), for: "e"[...])
            #expect(cache.size.answers == 1)
            // A shelf of a few answers, dropped by a newer version, is freed at once.
            let small = entry(2)
            few = small.gzip
            cache.store(small, for: "f"[...])
            cache.store(entry(3), for: "g"[...])
        }
        #expect(few == nil, "a few answers are freed where they were dropped")
        // Freed by the discarding thread: wait for it, a second at most.
        for _ in 0..<100 where byCount != nil || byVersion != nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(byCount == nil, "the answers of a full shelf are freed")
        #expect(byVersion == nil, "the answers of an older version are freed")
    }
}
