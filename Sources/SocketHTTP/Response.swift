import HTTPTypes

/// A complete response: status and header fields, and the body bytes.
/// The server adds `Date`, `Content-Length` (or `Transfer-Encoding: chunked` for streams)
/// and `Connection` itself, and drops the body for HEAD requests, 1xx, 204 and 304.
/// Fields of those names set here are ignored, except that a HEAD response with an empty
/// body keeps the handler's `Content-Length`.
public struct Response: Sendable {
    public var head: HTTPResponse
    public var body: [UInt8]
    public init(head: HTTPResponse, body: [UInt8] = []) { self.head = head; self.body = body }
}
