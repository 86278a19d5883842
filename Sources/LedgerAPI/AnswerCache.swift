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

    private let entries = Mutex<[String: Entry]>([:])
    private let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    /// The answer for `key` if it was computed at `version`.
    func answer(for key: Substring, at version: Int) -> Entry? {
        entries.withLock { e in
            guard let entry = e[String(key)], entry.version == version else { return nil }
            return entry
        }
    }

    func store(_ entry: Entry, for key: Substring) {
        entries.withLock { e in
            if e.count >= capacity { e = e.filter { $0.value.version == entry.version } }
            if e.count >= capacity { e.removeAll(keepingCapacity: true) }
            e[String(key)] = entry
        }
    }
}
