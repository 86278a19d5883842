import Glibc
import HTTPTypes

/// Writes response heads into a byte buffer, with a `Date` header cached per second.
/// One per event loop; not thread-safe.
struct ResponseEncoder {
    private var dateSecond = -1
    private var dateLine: [UInt8] = []

    /// Appends the status line, the handler's fields (less the ones the server owns),
    /// `Date`, then `Content-Length` or `Transfer-Encoding: chunked`, `Connection`, CRLF.
    mutating func encodeHead(_ head: HTTPResponse, contentLength: Int?, chunked: Bool,
                             connection: ConnectionToken, into out: inout [UInt8]) {
        let status = head.status
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        Self.appendDecimal(status.code, to: &out)
        out.append(HTTPBytes.sp)
        let reason = status.reasonPhrase
        if reason.isEmpty {
            out.append(contentsOf: Self.reasonPhrase(status.code).utf8)
        } else {
            out.append(contentsOf: reason.utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        for field in head.headerFields where !Self.isServerOwned(field.name) {
            out.append(contentsOf: field.name.rawName.utf8)
            out.append(contentsOf: ": ".utf8)
            field.withUnsafeBytesOfValue { out.append(contentsOf: $0) }
            out.append(contentsOf: "\r\n".utf8)
        }
        if status.code >= 200 {
            refreshDate()
            out.append(contentsOf: dateLine)
        }
        if let contentLength {
            out.append(contentsOf: "Content-Length: ".utf8)
            Self.appendDecimal(contentLength, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        }
        if chunked { out.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8) }
        switch connection {
        case .none: break
        case .close: out.append(contentsOf: "Connection: close\r\n".utf8)
        case .keepAlive: out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
    }

    /// What the `Connection` header says, if anything.
    enum ConnectionToken {
        case none, close, keepAlive
    }

    private static func isServerOwned(_ name: HTTPField.Name) -> Bool {
        switch name.rawName.utf8.count {
        case 4: return name == .date
        case 10: return name == .connection
        case 14: return name == .contentLength
        case 17: return name == .transferEncoding
        default: return false
        }
    }

    private mutating func refreshDate() {
        var now = time(nil)
        guard now != dateSecond else { return }
        dateSecond = now
        var parts = tm()
        gmtime_r(&now, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var line = Array("Date: ".utf8)
        line.append(contentsOf: days[Int(parts.tm_wday) % 7].utf8)
        line.append(contentsOf: ", ".utf8)
        Self.appendTwoDigits(Int(parts.tm_mday), to: &line)
        line.append(HTTPBytes.sp)
        line.append(contentsOf: months[Int(parts.tm_mon) % 12].utf8)
        line.append(HTTPBytes.sp)
        Self.appendDecimal(Int(parts.tm_year) + 1900, to: &line)
        line.append(HTTPBytes.sp)
        Self.appendTwoDigits(Int(parts.tm_hour), to: &line)
        line.append(UInt8(ascii: ":"))
        Self.appendTwoDigits(Int(parts.tm_min), to: &line)
        line.append(UInt8(ascii: ":"))
        Self.appendTwoDigits(Int(parts.tm_sec), to: &line)
        line.append(contentsOf: " GMT\r\n".utf8)
        dateLine = line
    }

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(max(0, value)))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 && count < 20 {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            out.append(contentsOf: buffer[(20 - count)...])
        }
    }

    static func appendHex(_ value: Int, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        var shift = 60
        while shift > 0 && (value >> shift) & 0xF == 0 { shift -= 4 }
        while shift >= 0 {
            out.append(hex[(value >> shift) & 0xF])
            shift -= 4
        }
    }

    private static func appendTwoDigits(_ value: Int, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "0") + UInt8((value / 10) % 10))
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// Reason phrases for statuses created from a bare code.
    static func reasonPhrase(_ code: Int) -> String {
        switch code {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 206: "Partial Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 417: "Expectation Failed"
        case 422: "Unprocessable Content"
        case 428: "Precondition Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Status \(code)"
        }
    }

    /// An RFC 9457 problem document for errors the server generates itself.
    static func problem(status: Int, detail: String, retryAfter: Bool = false) -> Response {
        var json = "{\"type\":\"about:blank\",\"title\":\"\(reasonPhrase(status))\",\"status\":\(status),\"detail\":\""
        for scalar in detail.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case _ where scalar.value < 0x20: json += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: json.unicodeScalars.append(scalar)
            }
        }
        json += "\"}"
        var fields = HTTPFields()
        fields[.contentType] = "application/problem+json"
        if retryAfter { fields[.retryAfter] = "1" }
        return Response(head: HTTPResponse(status: .init(code: status, reasonPhrase: reasonPhrase(status)),
                                           headerFields: fields),
                        body: Array(json.utf8))
    }
}
