// Standard library only: compiled on its own into the fuzz harness (see fuzz/run.sh).

/// Finds and validates an HTTP/1.1 request head (RFC 9112) in a byte buffer.
///
/// Strict on purpose: every leniency is a request-smuggling risk. Lines must end in CRLF;
/// a bare CR or LF, obs-fold, whitespace before a colon, control bytes in values, an
/// ambiguous body length, a missing or repeated Host are all refused.
///
/// The scan is resumable: call `parse` again with the same buffer grown by newly
/// received bytes, and it continues where it stopped. `reset()` before the next request.
struct RequestHeadParser: Sendable {
    let limits: RequestHeadLimits
    /// The next byte to examine.
    private var position = 0
    /// Start of the line being scanned.
    private var lineStart = 0
    /// Start and end (the CR) of the request line, once seen.
    private var requestLineStart = 0
    private var requestLineEnd = -1
    private var fieldLineCount = 0

    init(limits: RequestHeadLimits) {
        self.limits = limits
    }

    /// Forgets the scan, for the next request (whose bytes start at offset 0 again).
    mutating func reset() {
        position = 0
        lineStart = 0
        requestLineStart = 0
        requestLineEnd = -1
        fieldLineCount = 0
    }

    /// Whether bytes of a request line have been seen (leading empty lines do not count).
    var hasStarted: Bool { requestLineEnd >= 0 || position > lineStart }

    /// Scans `buffer` (offset 0 is the first byte of this request) for a complete head.
    /// - Returns: the parsed head once the empty line that ends it has arrived, nil while
    ///   more bytes are needed.
    /// - Throws: `HTTPParseError` as soon as the bytes cannot be a valid request head.
    mutating func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> ParsedRequestHead? {
        let cr = HTTPBytes.cr, lf = HTTPBytes.lf
        let count = buffer.count
        var i = position
        while i < count {
            let byte = buffer[i]
            if byte == cr {
                if i + 1 >= count { break }  // wait for the LF
                if buffer[i + 1] != lf { throw .badRequest("a line ends with a bare CR") }
                if requestLineEnd < 0 {
                    if i == lineStart {
                        // RFC 9112 2.2: ignore empty lines before the request line, a few.
                        if i + 2 > 64 { throw .badRequest("too many empty lines before the request") }
                        lineStart = i + 2
                        i += 2
                        continue
                    }
                    requestLineStart = lineStart
                    requestLineEnd = i
                } else if i == lineStart {
                    position = i + 2
                    return try parseHead(buffer, end: i + 2)
                } else {
                    fieldLineCount += 1
                    if fieldLineCount > limits.maxHeaderCount {
                        throw HTTPParseError(431, "more than \(limits.maxHeaderCount) header fields")
                    }
                }
                lineStart = i + 2
                i += 2
                continue
            }
            if byte == lf { throw .badRequest("a line ends with a bare LF") }
            if requestLineEnd < 0 {
                if i - lineStart >= limits.maxRequestLineBytes {
                    throw HTTPParseError(414, "request line longer than \(limits.maxRequestLineBytes) bytes")
                }
            } else if i - (requestLineEnd + 2) >= limits.maxHeaderBytes {
                throw HTTPParseError(431, "header section longer than \(limits.maxHeaderBytes) bytes")
            }
            i += 1
        }
        position = i
        return nil
    }

    // MARK: - Validation of a complete head

    private func parseHead(_ buffer: UnsafeBufferPointer<UInt8>, end: Int) throws(HTTPParseError) -> ParsedRequestHead {
        var head = ParsedRequestHead()
        head.start = requestLineStart
        head.length = end
        try Self.parseRequestLine(buffer, requestLineStart..<requestLineEnd, into: &head)

        head.fields.reserveCapacity(fieldLineCount)
        var hostCount = 0
        var contentLength: Int? = nil
        var codings = TransferCodings()
        var sawClose = false
        var sawKeepAlive = false

        var lineStart = requestLineEnd + 2
        let headerEnd = end - 2
        while lineStart < headerEnd {
            var lineEnd = lineStart
            while buffer[lineEnd] != HTTPBytes.cr { lineEnd += 1 }
            let field = try Self.parseFieldLine(buffer, lineStart..<lineEnd)
            head.fields.append(field)
            lineStart = lineEnd + 2

            let name = field.name
            switch name.count {
            case 4 where HTTPBytes.equalsLowercase(buffer, name, "host"):
                hostCount += 1
                try Self.validateHost(buffer, field.value)
                head.host = field.value
            case 6 where HTTPBytes.equalsLowercase(buffer, name, "expect"):
                if HTTPBytes.equalsLowercase(buffer, field.value, "100-continue") {
                    if head.minorVersion == 1 { head.expectContinue = true }
                } else {
                    throw HTTPParseError(417, "unsupported expectation")
                }
            case 10 where HTTPBytes.equalsLowercase(buffer, name, "connection"):
                Self.forEachListElement(buffer, field.value) { element in
                    if HTTPBytes.equalsLowercase(buffer, element, "close") { sawClose = true }
                    if HTTPBytes.equalsLowercase(buffer, element, "keep-alive") { sawKeepAlive = true }
                }
            case 14 where HTTPBytes.equalsLowercase(buffer, name, "content-length"):
                if contentLength != nil { throw .badRequest("more than one Content-Length") }
                contentLength = try Self.parseContentLength(buffer, field.value)
            case 17 where HTTPBytes.equalsLowercase(buffer, name, "transfer-encoding"):
                try codings.add(buffer, field.value)
            default:
                break
            }
        }

        if hostCount > 1 { throw .badRequest("more than one Host") }
        if hostCount == 0 && head.minorVersion == 1 { throw .badRequest("missing Host") }

        if codings.present {
            if head.minorVersion == 0 { throw .badRequest("Transfer-Encoding in an HTTP/1.0 request") }
            if contentLength != nil { throw .badRequest("both Content-Length and Transfer-Encoding") }
            try codings.validate()
            head.framing = .chunked
        } else if let contentLength, contentLength > 0 {
            head.framing = .contentLength(contentLength)
        }

        head.keepAlive = head.minorVersion == 1 ? !sawClose : (sawKeepAlive && !sawClose)
        return head
    }

    private static func parseRequestLine(_ buffer: UnsafeBufferPointer<UInt8>, _ line: Range<Int>,
                                         into head: inout ParsedRequestHead) throws(HTTPParseError) {
        let sp = HTTPBytes.sp
        var i = line.lowerBound
        while i < line.upperBound && buffer[i] != sp {
            guard HTTPBytes.isToken(buffer[i]) else { throw .badRequest("invalid method") }
            i += 1
        }
        guard i > line.lowerBound, i < line.upperBound else { throw .badRequest("malformed request line") }
        head.method = line.lowerBound..<i

        let targetStart = i + 1
        i = targetStart
        while i < line.upperBound && buffer[i] != sp {
            let byte = buffer[i]
            guard byte > 0x20, byte < 0x7F, byte != UInt8(ascii: "#") else {
                throw .badRequest("invalid byte in the request target")
            }
            i += 1
        }
        guard i > targetStart, i < line.upperBound else { throw .badRequest("malformed request line") }
        head.target = targetStart..<i

        let version = (i + 1)..<line.upperBound
        guard version.count == 8 else { throw .badRequest("malformed HTTP version") }
        let v = version.lowerBound
        guard buffer[v] == UInt8(ascii: "H"), buffer[v + 1] == UInt8(ascii: "T"),
              buffer[v + 2] == UInt8(ascii: "T"), buffer[v + 3] == UInt8(ascii: "P"),
              buffer[v + 4] == UInt8(ascii: "/"), buffer[v + 6] == UInt8(ascii: "."),
              isDigit(buffer[v + 5]), isDigit(buffer[v + 7])
        else { throw .badRequest("malformed HTTP version") }
        let major = buffer[v + 5] - UInt8(ascii: "0"), minor = buffer[v + 7] - UInt8(ascii: "0")
        guard major == 1, minor <= 1 else { throw HTTPParseError(505, "HTTP version not supported") }
        head.minorVersion = Int(minor)

        head.isHead = head.method.count == 4 && buffer[head.method.lowerBound] == UInt8(ascii: "H")
            && buffer[head.method.lowerBound + 1] == UInt8(ascii: "E")
            && buffer[head.method.lowerBound + 2] == UInt8(ascii: "A")
            && buffer[head.method.lowerBound + 3] == UInt8(ascii: "D")
        try parseTarget(buffer, into: &head)
    }

    /// origin-form, absolute-form (http or https), or asterisk-form for OPTIONS.
    private static func parseTarget(_ buffer: UnsafeBufferPointer<UInt8>,
                                    into head: inout ParsedRequestHead) throws(HTTPParseError) {
        let target = head.target
        let first = buffer[target.lowerBound]
        if first == UInt8(ascii: "/") {
            head.path = target
            return
        }
        if first == UInt8(ascii: "*") && target.count == 1 {
            let m = head.method
            guard m.count == 7, String(decoding: UnsafeBufferPointer(rebasing: buffer[m]), as: UTF8.self) == "OPTIONS"
            else { throw .badRequest("asterisk-form target is only for OPTIONS") }
            head.path = target
            return
        }
        // absolute-form: scheme "://" authority [path-abempty] ["?" query]
        var i = target.lowerBound
        while i < target.upperBound && buffer[i] != UInt8(ascii: ":") { i += 1 }
        let scheme = target.lowerBound..<i
        guard HTTPBytes.equalsLowercase(buffer, scheme, "http") || HTTPBytes.equalsLowercase(buffer, scheme, "https"),
              target.upperBound - i >= 3,
              buffer[i + 1] == UInt8(ascii: "/"), buffer[i + 2] == UInt8(ascii: "/")
        else { throw .badRequest("invalid request target") }
        let authorityStart = i + 3
        i = authorityStart
        while i < target.upperBound && buffer[i] != UInt8(ascii: "/") && buffer[i] != UInt8(ascii: "?") {
            i += 1
        }
        let authority = authorityStart..<i
        guard !authority.isEmpty else { throw .badRequest("absolute-form target without authority") }
        try validateHost(buffer, authority)
        head.absoluteAuthority = authority
        head.path = i..<target.upperBound
    }

    private static func parseFieldLine(_ buffer: UnsafeBufferPointer<UInt8>,
                                       _ line: Range<Int>) throws(HTTPParseError) -> ParsedRequestHead.Field {
        if HTTPBytes.isWhitespace(buffer[line.lowerBound]) {
            throw .badRequest("obsolete line folding or whitespace before a field name")
        }
        var colon = line.lowerBound
        while colon < line.upperBound && buffer[colon] != HTTPBytes.colon {
            let byte = buffer[colon]
            if !HTTPBytes.isToken(byte) {
                throw .badRequest(HTTPBytes.isWhitespace(byte)
                    ? "whitespace in a field name or before its colon" : "invalid character in a field name")
            }
            colon += 1
        }
        guard colon < line.upperBound else { throw .badRequest("header line without a colon") }
        guard colon > line.lowerBound else { throw .badRequest("empty field name") }
        var start = colon + 1
        var end = line.upperBound
        while start < end && HTTPBytes.isWhitespace(buffer[start]) { start += 1 }
        while end > start && HTTPBytes.isWhitespace(buffer[end - 1]) { end -= 1 }
        var i = start
        while i < end {
            guard HTTPBytes.isFieldValueByte(buffer[i]) else {
                throw .badRequest("control character in a field value")
            }
            i += 1
        }
        return ParsedRequestHead.Field(name: line.lowerBound..<colon, value: start..<end)
    }

    /// Host = uri-host [ ":" port ]; allows reg-name, IPv4 and IP-literal characters.
    private static func validateHost(_ buffer: UnsafeBufferPointer<UInt8>, _ value: Range<Int>) throws(HTTPParseError) {
        for i in value {
            let b = buffer[i]
            let ok = (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
                || isDigit(b) || "-._~!$&'()*+,;=:[]%".utf8.contains(b)
            guard ok else { throw .badRequest("invalid Host") }
        }
    }

    private static func parseContentLength(_ buffer: UnsafeBufferPointer<UInt8>,
                                           _ value: Range<Int>) throws(HTTPParseError) -> Int {
        guard !value.isEmpty else { throw .badRequest("empty Content-Length") }
        var result = 0
        for i in value {
            let b = buffer[i]
            guard isDigit(b) else { throw .badRequest("Content-Length is not a number") }
            let (times10, o1) = result.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(b - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw .badRequest("Content-Length too large") }
            result = sum
        }
        return result
    }

    /// Calls `body` with each non-empty element of a comma-separated list, OWS trimmed.
    private static func forEachListElement<E: Error>(_ buffer: UnsafeBufferPointer<UInt8>, _ value: Range<Int>,
                                                     _ body: (Range<Int>) throws(E) -> Void) throws(E) {
        var start = value.lowerBound
        while start <= value.upperBound {
            var end = start
            while end < value.upperBound && buffer[end] != UInt8(ascii: ",") { end += 1 }
            var s = start, e = end
            while s < e && HTTPBytes.isWhitespace(buffer[s]) { s += 1 }
            while e > s && HTTPBytes.isWhitespace(buffer[e - 1]) { e -= 1 }
            if s < e { try body(s..<e) }
            start = end + 1
        }
    }

    @inline(__always)
    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    /// The transfer codings of all Transfer-Encoding lines, in order.
    private struct TransferCodings {
        var present = false
        var count = 0
        var chunkedCount = 0
        var lastIsChunked = false
        var hasOther = false

        mutating func add(_ buffer: UnsafeBufferPointer<UInt8>, _ value: Range<Int>) throws(HTTPParseError) {
            present = true
            var local = self
            try RequestHeadParser.forEachListElement(buffer, value) { (element) throws(HTTPParseError) in
                for i in element where !HTTPBytes.isToken(buffer[i]) {
                    throw .badRequest("malformed Transfer-Encoding")
                }
                local.count += 1
                if HTTPBytes.equalsLowercase(buffer, element, "chunked") {
                    local.chunkedCount += 1
                    local.lastIsChunked = true
                } else {
                    local.hasOther = true
                    local.lastIsChunked = false
                }
            }
            self = local
        }

        func validate() throws(HTTPParseError) {
            guard count > 0 else { throw .badRequest("empty Transfer-Encoding") }
            guard lastIsChunked else { throw .badRequest("the final transfer coding is not chunked") }
            guard chunkedCount == 1 else { throw .badRequest("chunked applied more than once") }
            if hasOther { throw HTTPParseError(501, "unsupported transfer coding") }
        }
    }
}
