import HTTPTypes

/// What the server does to every complete response before it writes it, as nginx's
/// output filters do: answer a conditional GET whose `If-None-Match` names the
/// response's `ETag` with 304, and gzip a large body for a client that accepts it.
///
/// The handler decides the ETag (a strong one, of the uncompressed body); a gzipped
/// answer carries its weak form (`W/"…"`), and so does the 304 that stands for it.
/// `Vary: Accept-Encoding` goes on every answer large enough to be gzipped, whether it
/// was or not, so that a cache never hands gzip to a client that did not ask for it.
/// Streams are not filtered by the server: their writer asks for the same with `prepare`.
///
/// The server applies the filters on the worker thread for answers from `handle`, and
/// on the event loop for inline and deferred ones, except that the event loop never
/// compresses: an answer whose gzip form is not kept already goes to a worker to be
/// filtered there. A handler's tests may apply them to see what a client would.
public struct OutputFilters: Sendable {
    /// Bodies longer than this many bytes are gzipped for clients that accept it;
    /// nil: never.
    public var gzipAbove: Int?
    /// zlib's compression level, 1 (fastest) to 9 (smallest).
    public var gzipLevel: Int32

    public init(gzipAbove: Int? = 1024, gzipLevel: Int32 = 6) {
        self.gzipAbove = gzipAbove
        self.gzipLevel = gzipLevel
    }

    /// The response as the client gets it.
    public func apply(_ response: Response, to request: HTTPRequest) -> Response {
        apply(response, to: request, compressing: true)!
    }

    /// The response as the client gets it; nil when that takes compressing its body now
    /// and `compressing` is false (no gzip form kept).
    ///
    /// On the path of every answer: the request's fields are read in one pass, and the
    /// status is parsed once.
    func apply(_ response: Response, to request: HTTPRequest, compressing: Bool) -> Response? {
        var response = response
        response.filtered = true
        let code = response.head.status.code
        guard code >= 200, code != 204, code != 304 else { return response }
        let eligible = gzipAbove.map { response.body.count > $0 } ?? false
            && !response.head.headerFields.contains(.contentEncoding)
        let (condition, accept) = Self.conditionAndAcceptEncoding(request.headerFields, acceptEncoding: eligible)
        var gzip = false
        if eligible {
            Self.addVaryAcceptEncoding(to: &response.head.headerFields)
            gzip = accept.map(AcceptEncoding.prefersGzip) ?? false
        }
        if let condition, Self.isNotModified(code: code, response.head.headerFields, condition, request) {
            var fields = response.head.headerFields
            if gzip { Self.weakenETag(in: &fields) }
            return Self.notModified(fields)
        }
        guard gzip else { return response }
        if !compressing && response.gzipCache?.kept == nil { return nil }
        if let compressed = response.gzipCache?.gzip(response.body, level: gzipLevel)
            ?? Gzip.compress(response.body, level: gzipLevel) {
            response.body = compressed
            response.head.headerFields.append(Self.contentEncodingGzip)
            Self.weakenETag(in: &response.head.headerFields)
        }
        return response
    }

    /// Prepares a stream's head as `apply` would a whole body's: `Vary: Accept-Encoding`,
    /// and for a client that prefers gzip, `Content-Encoding: gzip` and the weak form of
    /// the ETag, with the stream compressing everything written to it from then on (on
    /// the writer's thread, at `streamGzipLevel`). Call it before the first write.
    public func prepare(_ head: inout HTTPResponse, _ stream: ResponseStream, for request: HTTPRequest) {
        guard gzipAbove != nil, !head.headerFields.contains(.contentEncoding) else { return }
        Self.addVaryAcceptEncoding(to: &head.headerFields)
        guard let accept = request.headerFields[.acceptEncoding], AcceptEncoding.prefersGzip(accept) else { return }
        head.headerFields.append(Self.contentEncodingGzip)
        Self.weakenETag(in: &head.headerFields)
        stream.compress(level: streamGzipLevel)
    }

    /// zlib's level for streamed bodies: the writer compresses as it produces, so the
    /// fastest level keeps a large export's rate.
    public var streamGzipLevel: Int32 = 1

    /// Whether `apply` answers `response` with 304: a GET or HEAD whose `If-None-Match`
    /// names the 2xx response's `ETag` (weak comparison; `*` names any).
    public static func answersNotModified(_ response: Response, to request: HTTPRequest) -> Bool {
        guard let condition = request.headerFields[.ifNoneMatch] else { return false }
        return isNotModified(code: response.head.status.code, response.head.headerFields, condition, request)
    }

    private static func isNotModified(code: Int, _ fields: HTTPFields, _ condition: String, _ request: HTTPRequest) -> Bool {
        let eTag = HTTPField.Name.eTag
        guard (200..<300).contains(code), let etag = fields.first(where: { $0.name == eTag })?.value,
              request.method == .get || request.method == .head else { return false }
        return EntityTag.list(condition, containsWeakly: etag)
    }

    /// `If-None-Match`, and `Accept-Encoding` when it matters, in one pass.
    private static func conditionAndAcceptEncoding(_ fields: HTTPFields, acceptEncoding: Bool) -> (String?, String?) {
        let conditionName = HTTPField.Name.ifNoneMatch, acceptName = HTTPField.Name.acceptEncoding
        var condition: String? = nil
        var accept: String? = nil
        for field in fields {
            if field.name == conditionName {
                condition = condition.map { $0 + ", " + field.value } ?? field.value
            } else if acceptEncoding && field.name == acceptName {
                accept = accept.map { $0 + ", " + field.value } ?? field.value
            }
        }
        return (condition, accept)
    }

    private static let varyAcceptEncoding = HTTPField(name: .vary, value: "Accept-Encoding")
    private static let contentEncodingGzip = HTTPField(name: .contentEncoding, value: "gzip")

    /// `ETag: "x"` becomes `ETag: W/"x"`, in place.
    private static func weakenETag(in fields: inout HTTPFields) {
        let eTag = HTTPField.Name.eTag
        guard let index = fields.firstIndex(where: { $0.name == eTag }) else { return }
        fields[index] = HTTPField(name: eTag, value: EntityTag.weak(fields[index].value))
    }

    private static func addVaryAcceptEncoding(to fields: inout HTTPFields) {
        if fields.contains(.vary) {
            addVary("Accept-Encoding", to: &fields)
        } else {
            fields.append(varyAcceptEncoding)
        }
    }

    /// 304 with the fields a 200 would carry (ETag, Cache-Control, Vary, and the rest),
    /// less those that describe a body.
    private static func notModified(_ fields: HTTPFields) -> Response {
        var fields = fields
        for name in [HTTPField.Name.contentType, .contentEncoding, .contentLanguage, .contentLength] {
            fields[name] = nil
        }
        return Response(head: HTTPResponse(status: .notModified, headerFields: fields), body: [], filtered: true)
    }

    /// Adds a member to `Vary`, unless it (or `*`) is there already.
    public static func addVary(_ name: String, to fields: inout HTTPFields) {
        let vary = HTTPField.Name.vary
        guard let index = fields.firstIndex(where: { $0.name == vary }) else {
            fields.append(HTTPField(name: vary, value: name))
            return
        }
        for field in fields where field.name == vary {
            for member in field.value.split(separator: ",") {
                let token = member.trimmingOWS()
                if token == "*" || token.utf8.elementsEqual(name.utf8, by: { lower($0) == lower($1) }) { return }
            }
        }
        fields[index] = HTTPField(name: vary, value: fields[index].value + ", " + name)
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
