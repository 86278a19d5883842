// Standard library only: compiled on its own into the fuzz harness (see fuzz/run.sh).

/// Decodes a chunked request body (RFC 9112 section 7.1) incrementally.
///
/// Chunk extensions are tolerated and skipped; trailer fields are read and ignored.
/// Refused with 400: a missing or non-hex chunk size, an overflowing size, a bare CR
/// or LF, chunk data not followed by CRLF, control bytes in an extension or trailer.
/// Refused with 413: a body larger than `maxBodyBytes` (detected from the chunk size,
/// before the data arrives).
struct ChunkedBodyDecoder: Sendable {
    private enum State: Sendable {
        case size, sizeWhitespace, extensions, sizeLF
        case data, dataCR, dataLF
        case trailerLineStart, trailerLine, trailerLF, finalLF
        case done
    }

    let maxBodyBytes: Int
    /// Longest chunk-size line (with extensions) and trailer section accepted.
    let maxLineBytes: Int
    private var state = State.size
    private var sawDigit = false
    private var chunkSize = 0
    private var remaining = 0
    private var lineBytes = 0
    private var trailerBytes = 0
    /// Body bytes produced so far.
    private(set) var bodyCount = 0

    init(maxBodyBytes: Int, maxLineBytes: Int = 4096) {
        self.maxBodyBytes = maxBodyBytes
        self.maxLineBytes = maxLineBytes
    }

    /// True once the last chunk and the trailer section have been read.
    var isDone: Bool { state == .done }

    /// Consumes bytes from `input`, appending body data to `body`.
    /// - Returns: how many bytes of `input` were consumed; less than `input.count` only
    ///   when the body ended (`isDone`), leaving the rest for the next request.
    mutating func decode(_ input: UnsafeBufferPointer<UInt8>,
                         into body: inout [UInt8]) throws(HTTPParseError) -> Int {
        let cr = HTTPBytes.cr, lf = HTTPBytes.lf
        var i = 0
        let count = input.count
        while i < count {
            let byte = input[i]
            switch state {
            case .size:
                if let digit = Self.hexValue(byte) {
                    guard chunkSize <= (Int.max >> 4) - 16 else { throw .badRequest("chunk size too large") }
                    chunkSize = chunkSize << 4 | digit
                    sawDigit = true
                    try countLineByte()
                } else if sawDigit && byte == cr {
                    state = .sizeLF
                } else if sawDigit && byte == UInt8(ascii: ";") {
                    state = .extensions
                    try countLineByte()
                } else if sawDigit && HTTPBytes.isWhitespace(byte) {
                    state = .sizeWhitespace
                    try countLineByte()
                } else {
                    throw .badRequest("invalid chunk size")
                }
                i += 1
            case .sizeWhitespace:
                // BWS is only allowed before a chunk extension.
                if byte == UInt8(ascii: ";") {
                    state = .extensions
                } else if !HTTPBytes.isWhitespace(byte) {
                    throw .badRequest("invalid chunk size line")
                }
                try countLineByte()
                i += 1
            case .extensions:
                if byte == cr {
                    state = .sizeLF
                } else if HTTPBytes.isFieldValueByte(byte) {
                    try countLineByte()
                } else {
                    throw .badRequest("invalid chunk extension")
                }
                i += 1
            case .sizeLF:
                guard byte == lf else { throw .badRequest("chunk size line not ended by CRLF") }
                i += 1
                lineBytes = 0
                sawDigit = false
                if chunkSize == 0 {
                    state = .trailerLineStart
                } else {
                    guard chunkSize <= maxBodyBytes - bodyCount else {
                        throw HTTPParseError(413, "request body larger than \(maxBodyBytes) bytes")
                    }
                    remaining = chunkSize
                    chunkSize = 0
                    state = .data
                }
            case .data:
                let n = min(remaining, count - i)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: input[i..<(i + n)]))
                bodyCount += n
                remaining -= n
                i += n
                if remaining == 0 { state = .dataCR }
            case .dataCR:
                guard byte == cr else { throw .badRequest("chunk data not followed by CRLF") }
                state = .dataLF
                i += 1
            case .dataLF:
                guard byte == lf else { throw .badRequest("chunk data not followed by CRLF") }
                state = .size
                i += 1
            case .trailerLineStart:
                if byte == cr {
                    state = .finalLF
                } else if byte == lf || HTTPBytes.isWhitespace(byte) || !HTTPBytes.isFieldValueByte(byte) {
                    throw .badRequest("invalid trailer section")
                } else {
                    state = .trailerLine
                    try countTrailerByte()
                }
                i += 1
            case .trailerLine:
                if byte == cr {
                    state = .trailerLF
                } else if HTTPBytes.isFieldValueByte(byte) {
                    try countTrailerByte()
                } else {
                    throw .badRequest("invalid trailer field")
                }
                i += 1
            case .trailerLF:
                guard byte == lf else { throw .badRequest("trailer line not ended by CRLF") }
                state = .trailerLineStart
                i += 1
            case .finalLF:
                guard byte == lf else { throw .badRequest("chunked body not ended by CRLF") }
                state = .done
                return i + 1
            case .done:
                return i
            }
        }
        return i
    }

    private mutating func countLineByte() throws(HTTPParseError) {
        lineBytes += 1
        if lineBytes > maxLineBytes { throw .badRequest("chunk size line too long") }
    }

    private mutating func countTrailerByte() throws(HTTPParseError) {
        trailerBytes += 1
        if trailerBytes > maxLineBytes { throw HTTPParseError(431, "trailer section too large") }
    }

    @inline(__always)
    private static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
