// Standard library only: compiled on its own into the fuzz harness (see fuzz/run.sh).

/// A validated HTTP/1.x request head, as byte ranges into the buffer it was parsed from
/// (so parsing allocates only the field array).
struct ParsedRequestHead: Sendable {
    /// How the body is delimited (RFC 9112 section 6.3).
    enum BodyFraming: Equatable, Sendable {
        case none
        case contentLength(Int)
        case chunked
    }

    /// One field line: the name and the value with surrounding whitespace removed.
    struct Field: Sendable {
        var name: Range<Int>
        var value: Range<Int>
    }

    /// Offset of the request line (leading empty lines are skipped).
    var start: Int = 0
    /// Bytes from the start of the buffer to just after the empty line ending the head.
    var length: Int = 0
    var method: Range<Int> = 0..<0
    /// The request-target as sent.
    var target: Range<Int> = 0..<0
    /// The path and query to hand on: the target for origin-form, the part after the
    /// authority for absolute-form (empty means "/"), the "*" of asterisk-form.
    var path: Range<Int> = 0..<0
    /// The authority of an absolute-form target.
    var absoluteAuthority: Range<Int>? = nil
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    var minorVersion: Int = 1
    var fields: [Field] = []
    /// The value of the one Host field, if present.
    var host: Range<Int>? = nil
    var framing: BodyFraming = .none
    /// Whether the connection stays open after the response (before the server's own reasons
    /// to close).
    var keepAlive: Bool = true
    /// `Expect: 100-continue` was sent.
    var expectContinue: Bool = false
    /// The method is HEAD.
    var isHead: Bool = false
}
