import HTTPTypes

/// A complete response: status and header fields, and the body bytes.
/// The server adds `Date`, `Content-Length` (or `Transfer-Encoding: chunked` for streams)
/// and `Connection` itself, and drops the body for HEAD requests, 1xx, 204 and 304.
/// Fields of those names set here are ignored, except that a HEAD response with an empty
/// body keeps the handler's `Content-Length`. Before writing it, the server passes it
/// through `OutputFilters` (304 for a matching `If-None-Match`, gzip).
public struct Response: Sendable {
    public var head: HTTPResponse
    public var body: [UInt8]
    /// Where the gzip form of `body` is kept, when the handler keeps this body to answer
    /// it again (see `GzipCache`); nil: gzip it afresh if a client asks.
    public var gzipCache: GzipCache?
    /// It went through `OutputFilters` already.
    var filtered = false

    public init(head: HTTPResponse, body: [UInt8] = [], gzipCache: GzipCache? = nil) {
        self.head = head
        self.body = body
        self.gzipCache = gzipCache
    }

    init(head: HTTPResponse, body: [UInt8], filtered: Bool) {
        self.head = head
        self.body = body
        self.filtered = filtered
    }
}
