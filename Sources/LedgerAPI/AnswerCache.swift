import Dispatch
import HTTPTypes
import SocketHTTP
import Synchronization

/// Answers to read queries, kept while the data they were computed from is current.
///
/// Each entry is tagged with the store's `dataVersion` read *before* the query ran; it
/// is served only while the version is unchanged, so a cached answer is never older than
/// the last acknowledged write. A hit costs no database query and can be answered on the
/// event loop; the gzip form of an answer is made once and kept beside it.
final class AnswerCache: Sendable {
    struct Entry: Sendable {
        let version: Int
        let etag: String
        let body: [UInt8]
        /// The head of the 200, made once.
        let head: HTTPResponse
        /// The gzip form of `body`, made when a client first asks for it.
        let gzip = GzipCache()

        init(version: Int, etag: String, body: [UInt8]) {
            self.version = version
            self.etag = etag
            self.body = body
            self.head = Answer.tagged(etag: etag, []).head
        }

        /// The 200 for this entry, with its ETag.
        var response: Response { Response(head: head, body: body, gzipCache: gzip) }
    }

    /// Only answers of one version are kept: the newest one stored. The version only
    /// grows, so an older answer can never be served again; keeping it (as the cache
    /// once did, until it held `capacity` entries) only held memory: under steady writes,
    /// thousands of stale answers, tens of MiB (issue 18).
    private struct Shelf {
        var version = Int.min
        var entries: [String: Entry] = [:]
        var bytes = 0
    }

    private let shelf = Mutex(Shelf())
    private let capacity: Int
    private let maxBytes: Int

    /// - Parameters:
    ///   - capacity: at most this many answers;
    ///   - maxBytes: at most this many bytes of answers' bodies (their gzip forms,
    ///     made on demand, are smaller still).
    init(capacity: Int = 4096, maxBytes: Int = 16 << 20) {
        self.capacity = capacity
        self.maxBytes = maxBytes
    }

    /// The answer for `key` if it was computed at `version`.
    func answer(for key: Substring, at version: Int) -> Entry? {
        shelf.withLock { s in
            guard s.version == version, let entry = s.entries[String(key)] else { return nil }
            return entry
        }
    }

    /// Keeps `entry` unless a newer version's answers are kept already; a newer entry
    /// drops every older one.
    func store(_ entry: Entry, for key: Substring) {
        let dropped = shelf.withLock { s -> [String: Entry] in
            if entry.version < s.version { return [:] }
            var dropped: [String: Entry] = [:]
            if entry.version > s.version {
                dropped = s.entries
                s = Shelf(version: entry.version)
            }
            // An answer larger than the whole budget is not kept at all.
            if entry.body.count > maxBytes { return dropped }
            if s.entries.count >= capacity || s.bytes + entry.body.count > maxBytes {
                // (Not after a new version: its shelf is empty and the entry fits.)
                dropped = s.entries
                s.entries = [:]
                s.bytes = 0
            }
            if let old = s.entries.updateValue(entry, forKey: String(key)) { s.bytes -= old.body.count }
            s.bytes += entry.body.count
            return dropped
        }
        // A few answers are freed here, after the lock; many on the discarding thread.
        if dropped.count > Self.freedInline { Self.discard(dropped) }
    }

    /// A full shelf holds thousands of answers (each a body, an ETag, a head): freeing them
    /// took milliseconds, and it was done under the shelf's lock, on an event loop, so
    /// every loop's next lookup waited for it too. The shelf is swapped out under the lock
    /// and freed on a thread of its own, where it holds up no request. A shelf of a few
    /// answers (under steady writes, each write drops the few answers read since the
    /// last) is freed where it was dropped: a hand-off would cost more than the freeing.
    private static let discarder = DispatchQueue(label: "strikeledger.answer-cache.discard", qos: .utility)
    private static let freedInline = 64

    private static func discard(_ entries: [String: Entry]) {
        discarder.async { withExtendedLifetime(entries) {} }
    }

    /// Answers kept and the bytes of their bodies.
    var size: (answers: Int, bytes: Int) { shelf.withLock { ($0.entries.count, $0.bytes) } }
}
