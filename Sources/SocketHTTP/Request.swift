import HTTPTypes

/// A fully received request: the head as swift-http-types models it, plus the body bytes
/// (already de-chunked; at most `ServerConfiguration.maxBodyBytes`).
public struct Request: Sendable {
    public var head: HTTPRequest
    public var body: [UInt8]
    /// The peer's address, e.g. "127.0.0.1:53122" or "[::1]:53122".
    public var remoteAddress: String
    /// What the handler's `screen` found before the body was read, for a request with one.
    public var screened: (any Sendable)?

    public init(head: HTTPRequest, body: [UInt8], remoteAddress: String = "", screened: (any Sendable)? = nil) {
        self.head = head
        self.body = body
        self.remoteAddress = remoteAddress
        self.screened = screened
    }

    /// The path without the query string, percent-encoding untouched.
    public var path: Substring {
        let full = head.path ?? ""
        guard let mark = full.utf8.firstIndex(of: UInt8(ascii: "?")) else { return full[...] }
        return full[..<mark]
    }

    /// The raw query string after `?`, or "" when there is none.
    public var query: Substring {
        let full = head.path ?? ""
        guard let mark = full.utf8.firstIndex(of: UInt8(ascii: "?")) else { return "" }
        return full[full.utf8.index(after: mark)...]
    }
}
