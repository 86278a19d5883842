/// CSV as RFC 4180 writes it: fields separated by commas, records by CRLF on output (LF or
/// CRLF accepted on input), a field quoted when it holds a comma, a quote, CR or LF, and a
/// quote inside a quoted field doubled. Pure and streaming: the writer appends to a byte
/// buffer the caller flushes; the reader pulls bytes from a source in chunks.
public enum CSV {
    /// Appends one record (a line with its CRLF) to `out`.
    public static func appendRecord(_ fields: [String], to out: inout [UInt8]) {
        for (i, field) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendField(field, to: &out)
        }
        out.append(13)
        out.append(10)
    }

    /// Appends one field, quoted only when it must be.
    public static func appendField(_ field: String, to out: inout [UInt8]) {
        var field = field
        field.withUTF8 { bytes in
            guard bytes.contains(where: mustQuote) else {
                out.append(contentsOf: bytes)
                return
            }
            appendQuoted(bytes, to: &out)
        }
    }

    /// Whether a field holding `b` must be quoted: a comma, a quote, CR or LF.
    @inline(__always)
    static func mustQuote(_ b: UInt8) -> Bool { b == 44 || b == 34 || b == 10 || b == 13 }

    /// `bytes` in quotes, each quote inside doubled: copied a run at a time, up to and
    /// including each quote.
    static func appendQuoted(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(34)
        var run = 0
        for i in 0..<bytes.count where bytes[i] == 34 {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...i]))
            out.append(34)
            run = i + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
        out.append(34)
    }

    /// Quotes the field that starts at `start` and runs to the end of `out`, if it must be.
    static func quoteField(startingAt start: Int, in out: inout [UInt8]) {
        guard out[start...].contains(where: mustQuote) else { return }
        let field = Array(out[start...])
        out.removeSubrange(start...)
        field.withUnsafeBufferPointer { appendQuoted($0, to: &out) }
    }

    /// A text's UTF-8 bytes as they are.
    @inline(__always)
    public static func appendBytes(of text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// The decimal digits of `v`, with a minus sign when negative.
    public static func appendInteger(_ v: Int64, to bytes: inout [UInt8]) {
        var v = v
        if v < 0 { bytes.append(UInt8(ascii: "-")) } else { v = -v }
        // Digits of the (non-positive) value, most significant first.
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = UInt8(48 - v % 10)
                v /= 10
                count += 1
            } while v != 0
            for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(d[i]) }
        }
    }

    /// Appends one record to `out`, its fields written by `body` straight into the buffer
    /// (numbers, instants and dates with no string in between), then its CRLF.
    public static func appendRecord(to out: inout [UInt8], _ body: (inout CSVRecordWriter) -> Void) {
        var record = CSVRecordWriter()
        swap(&record.bytes, &out)
        body(&record)
        record.bytes.append(13)
        record.bytes.append(10)
        swap(&record.bytes, &out)
    }

    /// One record as a string, with its CRLF (for tests and small outputs).
    public static func line(_ fields: [String]) -> String {
        var out: [UInt8] = []
        appendRecord(fields, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// The fields of one record, each written where the last ended, with the commas between
/// them; a nil value is an empty field.
public struct CSVRecordWriter {
    fileprivate(set) var bytes: [UInt8] = []
    private var first = true

    private mutating func separate() {
        if first { first = false } else { bytes.append(UInt8(ascii: ",")) }
    }

    /// A text field, quoted only when it must be.
    public mutating func text(_ v: String?) {
        separate()
        if let v { CSV.appendField(v, to: &bytes) }
    }

    /// A text field made of parts: `body` appends their bytes as they are, and the field is
    /// quoted afterwards if it must be (no string joined first).
    public mutating func composed(_ body: (inout [UInt8]) -> Void) {
        separate()
        let start = bytes.count
        body(&bytes)
        CSV.quoteField(startingAt: start, in: &bytes)
    }

    /// A field that `body` writes at a pointer (at most `maximum` bytes, never quoted),
    /// appended with its separating comma at once; `body` returns how many bytes it wrote.
    @inline(__always)
    private mutating func unquoted(upTo maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        let comma = !first
        first = false
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximum + 1) { room in
            let p = room.baseAddress!
            if comma { p[0] = UInt8(ascii: ",") }
            let n = (comma ? 1 : 0) + body(p + (comma ? 1 : 0))
            bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        }
    }

    public mutating func int(_ v: Int64?) {
        guard let v else { return separate() }
        unquoted(upTo: 20) { writeDecimal(v, at: $0) }
    }

    public mutating func int(_ v: Int?) { int(v.map(Int64.init)) }

    /// A number as Swift prints it (the shortest form that reads back the same).
    public mutating func double(_ v: Double?) {
        guard let v else { return separate() }
        unquoted(upTo: DoubleText.maxLength) { DoubleText.write(v, at: $0) }
    }

    /// An RFC 3339 instant in UTC.
    public mutating func instant(_ v: Timestamp?) {
        guard let v else { return separate() }
        unquoted(upTo: Timestamp.maxRFC3339Length) { v.writeRFC3339(at: $0) }
    }

    public mutating func date(_ v: CivilDate) {
        unquoted(upTo: CivilDate.maxWrittenLength) { v.write(at: $0) }
    }

    /// `count` empty fields.
    public mutating func empty(_ count: Int = 1) {
        for _ in 0..<count { separate() }
    }
}

/// A malformed CSV input: where, and what is wrong.
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line where the faulty record starts.
    public var line: Int
    public var reason: String
    public init(line: Int, reason: String) { self.line = line; self.reason = reason }
    public var description: String { "line \(line): \(reason)" }
}

/// One record and the line it starts on (1-based; a quoted field may span lines).
public struct CSVRecord: Sendable, Equatable {
    public var fields: [String]
    public var line: Int
    public init(fields: [String], line: Int) { self.fields = fields; self.line = line }
}

/// Reads records one at a time from a byte source, holding one chunk and one record in
/// memory whatever the input's size. A UTF-8 byte-order mark at the start is skipped;
/// blank lines are skipped; a field must be valid UTF-8.
public final class CSVReader {
    /// Fills the buffer with the next bytes; an empty result is the end of the input.
    public typealias Source = () throws -> [UInt8]

    private let source: Source
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var started = false
    /// The line the reader is on (1-based).
    public private(set) var line = 1
    /// Bytes consumed so far (for progress).
    public private(set) var bytesRead = 0
    /// The longest field accepted: beyond it the input is refused, so memory stays bounded.
    public let maxFieldBytes: Int

    public init(maxFieldBytes: Int = 1 << 20, source: @escaping Source) {
        self.source = source
        self.maxFieldBytes = maxFieldBytes
    }

    /// A reader over bytes already in memory.
    public convenience init(bytes: [UInt8]) {
        var given = false
        self.init { () -> [UInt8] in
            if given { return [] }
            given = true
            return bytes
        }
    }

    @inline(__always)
    private func nextByte() throws(CSVError) -> UInt8? {
        if position < buffer.count {
            defer { position += 1 }
            return buffer[position]
        }
        if atEnd { return nil }
        repeat {
            do {
                buffer = try source()
            } catch {
                throw CSVError(line: line, reason: "cannot read the input: \(error)")
            }
            position = 0
            if buffer.isEmpty { atEnd = true; return nil }
        } while buffer.isEmpty
        bytesRead += buffer.count
        position = 1
        return buffer[0]
    }

    @inline(__always)
    private func peekByte() throws(CSVError) -> UInt8? {
        guard let b = try nextByte() else { return nil }
        position -= 1
        return b
    }

    /// A field's text, or nil when its bytes are not valid UTF-8. ASCII (most fields) is
    /// taken as it is; other text is decoded and kept only if decoding changed nothing (a
    /// repair would have put U+FFFD where an invalid sequence was). The standard library's
    /// `String(validating:)` walks the bytes through its generic decoder, which cost more
    /// than the rest of the reader (callgrind, 70 instructions a byte).
    static func text(_ bytes: [UInt8]) -> String? {
        var ascii: UInt8 = 0
        for b in bytes { ascii |= b }
        let s = String(decoding: bytes, as: UTF8.self)
        if ascii < 0x80 { return s }
        return s.utf8.elementsEqual(bytes) ? s : nil
    }

    /// Appends the bytes that follow in this chunk up to the next one the reader must look
    /// at (a quote, CR or LF, and in an unquoted field a comma), all at once rather than
    /// byte by byte.
    @inline(__always)
    private func takeRun(into field: inout [UInt8], quoted: Bool) {
        let start = position
        let end = buffer.withUnsafeBufferPointer { b -> Int in
            var i = start
            if quoted {
                while i < b.count, b[i] != 34, b[i] != 10, b[i] != 13 { i += 1 }
            } else {
                while i < b.count, b[i] != 44, b[i] != 10, b[i] != 13, b[i] != 34 { i += 1 }
            }
            return i
        }
        if end > start {
            field.append(contentsOf: buffer[start..<end])
            position = end
        }
    }

    /// The next record, or nil at the end of the input.
    public func next() throws(CSVError) -> CSVRecord? {
        if !started {
            started = true
            // A UTF-8 BOM (EF BB BF), as spreadsheets write, is not part of the first field.
            if try peekByte() == 0xEF {
                _ = try nextByte()
                let b1 = try nextByte(), b2 = try nextByte()
                if b1 != 0xBB || b2 != 0xBF {
                    throw CSVError(line: 1, reason: "starts with a byte that is neither text nor a UTF-8 byte-order mark")
                }
            }
        }
        while true {
            let start = line
            var fields: [String] = []
            var field: [UInt8] = []
            var quoted = false
            var sawAnything = false
            func finishField() throws(CSVError) {
                guard let s = Self.text(field) else {
                    throw CSVError(line: start, reason: "field \(fields.count + 1) is not valid UTF-8")
                }
                fields.append(s)
                field.removeAll(keepingCapacity: true)
                quoted = false
            }
            loop: while true {
                guard let b = try nextByte() else {
                    if !sawAnything { return nil }
                    try finishField()
                    break loop
                }
                sawAnything = true
                switch b {
                case 44: // ,
                    try finishField()
                case 10: // LF
                    line += 1
                    try finishField()
                    break loop
                case 13: // CR, alone or before LF
                    if try peekByte() == 10 { _ = try nextByte() }
                    line += 1
                    try finishField()
                    break loop
                case 34 where field.isEmpty && !quoted: // an opening quote
                    quoted = true
                    while true {
                        guard let c = try nextByte() else {
                            throw CSVError(line: start, reason: "a quoted field is not closed before the end of the input")
                        }
                        if c == 34 {
                            if try peekByte() == 34 { _ = try nextByte(); field.append(34); continue }
                            break
                        }
                        if c == 10 { line += 1 } else if c == 13, try peekByte() != 10 { line += 1 }
                        field.append(c)
                        takeRun(into: &field, quoted: true)
                        if field.count > maxFieldBytes {
                            throw CSVError(line: start, reason: "field \(fields.count + 1) is longer than \(maxFieldBytes) bytes")
                        }
                    }
                    // After the closing quote: a separator or the end of the record.
                    if let c = try peekByte(), c != 44, c != 10, c != 13 {
                        throw CSVError(line: line, reason: "field \(fields.count + 1) has text after its closing quote")
                    }
                case 34:
                    throw CSVError(line: line, reason: "field \(fields.count + 1) has a quote inside an unquoted field")
                default:
                    field.append(b)
                    takeRun(into: &field, quoted: false)
                    if field.count > maxFieldBytes {
                        throw CSVError(line: start, reason: "field \(fields.count + 1) is longer than \(maxFieldBytes) bytes")
                    }
                }
            }
            // A blank line is no record.
            if fields.count == 1 && fields[0].isEmpty { continue }
            return CSVRecord(fields: fields, line: start)
        }
    }
}
