import HTTPTypes
import LedgerModel
import LedgerStore
import SocketHTTP

/// The identity of an idempotent POST: who sent it, under which key, to where, with what body.
struct IdempotencyClaim {
    var apiKey: Int64
    var key: String
    var path: String
    var bodyHash: [UInt8]
}

extension LedgerService {
    /// Runs a POST at most once per `(API key, Idempotency-Key)` within 24 hours: a repeat
    /// with the same path and body bytes gets the first answer again; another path or
    /// body, or a repeat while the first is still being answered, gets 409.
    func idempotent(_ x: Exchange, key: String, _ run: (Exchange) throws -> Response) throws -> Response {
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw APIError.badRequest("Idempotency-Key must be 1 to 255 printable ASCII characters")
        }
        guard let apiKey = x.key else { return try run(x) }
        let path = String(x.request.path)
        let bodyHash = Idempotency.bodyHash(x.request.body)
        let slot = "\(apiKey.id) \(key)"
        guard idempotency.withLock({ $0.insert(slot).inserted }) else {
            throw APIError.conflict("a request with this Idempotency-Key is still being answered")
        }
        defer { _ = idempotency.withLock { $0.remove(slot) } }

        /// The kept answer replayed, or 409 when it answered another request.
        func replay(_ stored: StoredResponse) throws -> Response? {
            guard stored.method == "POST", stored.path == path, stored.bodyHash == bodyHash else {
                throw APIError.conflict("this Idempotency-Key was used for another request within 24 hours")
            }
            return Self.decode(stored.response, status: stored.status)
        }
        if let stored = try store.storedResponse(apiKey: apiKey.id, key: key), let answer = try replay(stored) {
            return answer
        }
        var claimed = x
        claimed.claim = IdempotencyClaim(apiKey: apiKey.id, key: key, path: path, bodyHash: bodyHash)
        let response: Response
        do {
            response = try run(claimed)
        } catch StoreError.alreadyAnswered(let stored) {
            // Another server process answered the same key while this one waited to write.
            if let answer = try replay(stored) { return answer }
            throw APIError.conflict("a request with this Idempotency-Key is still being answered")
        } catch {
            response = APIError.from(error).response
        }
        let code = response.head.status.code
        if (200..<300).contains(code) || ((400..<500).contains(code) && ![401, 403, 429].contains(code)) {
            let stored = StoredResponse(method: "POST", path: path, bodyHash: bodyHash, status: code,
                                        response: Self.encode(response))
            do { try store.storeResponse(stored, apiKey: apiKey.id, key: key) } catch {
                logger.error("could not keep the answer for Idempotency-Key: \(error)")
            }
        }
        return response
    }

    /// Header lines, a blank line, the body.
    static func encode(_ r: Response) -> [UInt8] {
        var out: [UInt8] = []
        for field in r.head.headerFields {
            out += Array(field.name.rawName.utf8) + Array(": ".utf8) + Array(field.value.utf8) + [10]
        }
        out.append(10)
        return out + r.body
    }

    static func decode(_ bytes: [UInt8], status: Int) -> Response? {
        var head = HTTPResponse(status: HTTPResponse.Status(code: status))
        var i = 0
        while i < bytes.count {
            guard let end = bytes[i...].firstIndex(of: 10) else { return nil }
            if end == i { return Response(head: head, body: Array(bytes[(i + 1)...])) }
            let line = String(decoding: bytes[i..<end], as: UTF8.self)
            guard let colon = line.firstIndex(of: ":"), let name = HTTPField.Name(String(line[..<colon])) else { return nil }
            head.headerFields.append(HTTPField(name: name, value: String(line[line.index(colon, offsetBy: 2)...])))
            i = end + 1
        }
        return nil
    }
}
