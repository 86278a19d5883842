// libFuzzer harness for the request parser core (RequestHeadParser, ChunkedBodyDecoder).
// Built by fuzz/run.sh with -sanitize=fuzzer,address together with Sources/SocketHTTP/Parser/*.swift.
//
// Each input is fed twice: whole, and split in two at a point chosen by its first byte,
// to exercise the resumable scan. Both runs must agree, and every invariant of a parsed
// head must hold.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let limits = RequestHeadLimits(maxRequestLineBytes: 256, maxHeaderBytes: 512, maxHeaderCount: 16)
    let whole = run(bytes, split: nil, limits: limits)
    let split = size > 0 ? Int(bytes[0]) % (size + 1) : 0
    let pieces = run(bytes, split: split, limits: limits)
    precondition(whole == pieces, "split parse differs: \(whole) vs \(pieces)")
    return 0
}

/// Parses pipelined requests until the bytes run out or an error; returns a transcript.
private func run(_ bytes: UnsafeBufferPointer<UInt8>, split: Int?, limits: RequestHeadLimits) -> [String] {
    var transcript: [String] = []
    var offset = 0
    var available = split ?? bytes.count
    var parser = RequestHeadParser(limits: limits)
    while offset < bytes.count {
        let window = UnsafeBufferPointer(rebasing: bytes[offset..<available])
        let head: ParsedRequestHead?
        do {
            head = try parser.parse(window)
        } catch {
            transcript.append("error \(error.status)")
            return transcript
        }
        guard let head else {
            if available < bytes.count { available = bytes.count; continue }
            transcript.append("incomplete")
            return transcript
        }
        check(head, window)
        transcript.append("head \(head.length) \(head.fields.count) \(head.framing)")
        offset += head.length
        parser.reset()
        switch head.framing {
        case .none:
            break
        case .contentLength(let n):
            if bytes.count - offset < n { transcript.append("short body"); return transcript }
            offset += n
        case .chunked:
            var decoder = ChunkedBodyDecoder(maxBodyBytes: 4096, maxLineBytes: 128)
            var body: [UInt8] = []
            do {
                // Feed the body in two pieces to exercise resumption.
                let rest = UnsafeBufferPointer(rebasing: bytes[offset...])
                let cut = rest.count / 2
                var used = try decoder.decode(UnsafeBufferPointer(rebasing: rest[..<cut]), into: &body)
                if !decoder.isDone {
                    precondition(used == cut)
                    used += try decoder.decode(UnsafeBufferPointer(rebasing: rest[cut...]), into: &body)
                }
                precondition(body.count == decoder.bodyCount && body.count <= 4096)
                if !decoder.isDone { transcript.append("short chunked body"); return transcript }
                offset += used
                transcript.append("body \(body.count)")
            } catch {
                transcript.append("body error \(error.status)")
                return transcript
            }
        }
        available = max(available, min(bytes.count, offset))
        if available < offset { available = offset }
    }
    return transcript
}

private func check(_ head: ParsedRequestHead, _ buffer: UnsafeBufferPointer<UInt8>) {
    precondition(head.length <= buffer.count && head.length >= 4)
    precondition(buffer[head.length - 1] == 0x0A && buffer[head.length - 2] == 0x0D)
    precondition(!head.method.isEmpty && head.method.allSatisfy { HTTPBytes.isToken(buffer[$0]) })
    precondition(!head.target.isEmpty && head.target.allSatisfy { buffer[$0] > 0x20 && buffer[$0] < 0x7F })
    precondition(head.path.lowerBound >= head.target.lowerBound && head.path.upperBound <= head.target.upperBound)
    for field in head.fields {
        precondition(!field.name.isEmpty && field.name.allSatisfy { HTTPBytes.isToken(buffer[$0]) })
        precondition(field.value.allSatisfy { HTTPBytes.isFieldValueByte(buffer[$0]) })
        if let first = field.value.first { precondition(!HTTPBytes.isWhitespace(buffer[first])) }
    }
    if head.minorVersion == 1 { precondition(head.host != nil) }
    if case .contentLength(let n) = head.framing { precondition(n > 0) }
}
