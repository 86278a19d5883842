import Foundation
import HTTPTypes
import LedgerModel
import LedgerStore
import SocketHTTP

/// One request on its way through the API: what was asked, by whom, and helpers to
/// read it and to answer.
struct Exchange {
    let request: Request
    let route: Route
    var key: APIKey?
    let now: Timestamp
    /// Set for a POST with an `Idempotency-Key`: its answer is kept with the write.
    var claim: IdempotencyClaim?
    /// The CORS fields every answer to this request carries (`CORSPolicy`); a deferred
    /// answer adds them itself.
    var corsFields: [HTTPField]?
    /// A casualties read's query string, when the event loop already parsed it to decide
    /// where the read runs (`LedgerService.shortCasualtiesRead`).
    var casualtyQuery: CasualtyQueryText?

    /// Keeps the answer that `build` gives for the write's result in the write's own
    /// transaction, when the request carries an `Idempotency-Key`.
    func keeper<T>(_ build: @escaping @Sendable (T) -> Response) -> AnswerKeeper<T>? {
        guard let claim else { return nil }
        return AnswerKeeper(apiKey: claim.apiKey, key: claim.key, method: "POST", path: claim.path, bodyHash: claim.bodyHash) { result in
            let response = build(result)
            return (response.head.status.code, LedgerService.encode(response))
        }
    }

    var method: HTTPRequest.Method { request.head.method }

    func header(_ name: HTTPField.Name) -> String? { request.head.headerFields[name] }

    func query(_ allowed: Set<String>) throws(APIError) -> QueryParameters {
        try QueryParameters(request.query, allowed: allowed)
    }

    /// The body as JSON: 415 unless it is declared JSON, 400 unless it parses.
    func jsonBody(allowMergePatch: Bool = false) throws(APIError) -> JSONValue {
        guard let type = header(.contentType) else { throw .unsupportedMediaType }
        let mediaType = type.split(separator: ";", maxSplits: 1)[0].trimmingOWS().lowercased()
        guard mediaType == "application/json" || (allowMergePatch && mediaType == "application/merge-patch+json") else {
            throw .unsupportedMediaType
        }
        do {
            return try JSONValue.parse(request.body)
        } catch {
            throw .badRequest(request.body.isEmpty ? "the body is empty; send a JSON object" : error.description)
        }
    }
}

/// Answers.
enum Answer {
    static func json(_ status: HTTPResponse.Status = .ok, _ body: [UInt8], headers: HTTPFields = [:]) -> Response {
        var head = HTTPResponse(status: status, headerFields: headers)
        head.headerFields[.contentType] = "application/json"
        return Response(head: head, body: body)
    }

    static func json(_ status: HTTPResponse.Status = .ok, _ value: some JSONWritable, headers: HTTPFields = [:]) -> Response {
        json(status, value.jsonBytes, headers: headers)
    }

    static func created(_ value: some JSONWritable, location: String) -> Response {
        var h = HTTPFields()
        h[.location] = location
        return json(.created, value, headers: h)
    }

    /// 200 with `ETag` and `Cache-Control: no-cache` (revalidate before reuse). The server
    /// answers 304 in its place when the request's `If-None-Match` names the tag
    /// (`OutputFilters`); `gzipCache` keeps the gzip form of a body that is kept.
    static func tagged(etag: String, _ body: [UInt8], gzipCache: GzipCache? = nil) -> Response {
        var response = json(.ok, body, headers: [.eTag: etag, .cacheControl: "no-cache"])
        response.gzipCache = gzipCache
        return response
    }

    /// A 304 decided without computing the answer (the feed's `"<since>"` rule).
    static func notModified(etag: String) -> Response {
        var head = HTTPResponse(status: .notModified)
        head.headerFields[.eTag] = etag
        head.headerFields[.cacheControl] = "no-cache"
        return Response(head: head)
    }
}

enum ETag {
    /// Whether an `If-None-Match` or `If-Match` list names the tag (weak comparison,
    /// RFC 9110 8.8.3.2: `W/"v3"` names `"v3"`; `*` names any).
    static func matches(_ header: String, _ etag: String) -> Bool {
        EntityTag.list(header, containsWeakly: etag)
    }

    /// A strong tag derived from the bytes of an answer.
    static func digest(_ bytes: [UInt8]) -> String {
        var h = Hasher()
        h.add(bytes)
        return h.tag
    }

    /// Two 64-bit lanes of multiply-and-fold over the bytes taken eight at a time
    /// (the last few bytes padded, the length mixed in at the end): stable across
    /// restarts, cheap (a word per step where FNV-1a took a byte), and fed in pieces
    /// of any length, for an answer that is never whole in memory: the tag depends only
    /// on the bytes, never on where the pieces were cut.
    struct Hasher {
        private var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
        private var count: UInt64 = 0
        /// Bytes not yet making a whole word (fewer than eight).
        private var tail: [UInt8] = []

        mutating func add(_ bytes: [UInt8]) {
            count &+= UInt64(bytes.count)
            var start = 0
            if !tail.isEmpty {
                let needed = min(8 - tail.count, bytes.count)
                tail += bytes[..<needed]
                start = needed
                guard tail.count == 8 else { return }
                tail.withUnsafeBytes { mix($0.loadUnaligned(as: UInt64.self)) }
                tail.removeAll(keepingCapacity: true)
            }
            bytes.withUnsafeBytes { raw in
                var i = start
                while i + 8 <= raw.count {
                    mix(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    i += 8
                }
                tail += raw[i...]
            }
        }

        @inline(__always)
        private mutating func mix(_ word: UInt64) {
            let w = UInt64(littleEndian: word)
            a = (a ^ w) &* 0x9e37_79b9_7f4a_7c15; a ^= a >> 29
            b = (b ^ w) &* 0xc2b2_ae3d_27d4_eb4f; b ^= b >> 32
        }

        /// The lanes with the tail and the length folded in.
        private var finished: (UInt64, UInt64) {
            var h = self
            var last: UInt64 = 0
            for (i, byte) in tail.enumerated() { last |= UInt64(byte) << (8 * UInt64(i)) }
            h.mix((last ^ (h.count << 56)).littleEndian)
            h.mix(h.count.littleEndian)
            return (h.a, h.b)
        }

        /// The state so far as 16 bytes, to feed into another digest.
        var digestBytes: [UInt8] {
            let (a, b) = finished
            return withUnsafeBytes(of: (a.bigEndian, b.bigEndian)) { Array($0) }
        }

        var tag: String {
            let (a, b) = finished
            return "\"" + String(a, radix: 16) + String(b, radix: 16) + "\""
        }
    }
}

/// Opaque page cursors: base64url of a small JSON object holding the filters the
/// first page was asked with and where the last page ended.
enum Cursor {
    static func encode(_ fields: [(String, String)]) -> String {
        var w = JSONWriter()
        w.object { o in for (k, v) in fields { o.key(named: k); o.string(v) } }
        return Data(w.bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) throws(APIError) -> [String: String] {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard text.count <= 2048, let data = Data(base64Encoded: b64),
              case .object(let members)? = try? JSONValue.parse(Array(data)) else {
            throw .badRequest("query parameter after is not a cursor from this server")
        }
        var out: [String: String] = [:]
        for (k, v) in members { if case .string(let s) = v { out[k] = s } }
        return out
    }
}

/// `{"items": [...], "next": cursor}`.
struct Page<Item: JSONWritable>: JSONWritable {
    var items: [Item]
    var next: String?
    func write(to json: inout JSONWriter) {
        json.object { o in
            o.key("items")
            o.array { a in for i in items { i.write(to: &a) } }
            o.field("next", next)
        }
    }
}
