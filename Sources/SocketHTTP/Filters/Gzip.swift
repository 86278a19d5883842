import CZlib
import Synchronization

/// gzip (RFC 1952) through the system's zlib, in one call.
enum Gzip {
    /// The gzip form of `bytes`, or nil if zlib fails (it does not for valid input).
    static func compress(_ bytes: [UInt8], level: Int32) -> [UInt8]? {
        var stream = z_stream()
        guard czlib_deflate_init_gzip(&stream, level) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(bytes.count)))
        var status = Z_STREAM_ERROR
        let output = [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
            bytes.withUnsafeBufferPointer { input in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(bound)
                // deflateBound leaves room for everything: one call finishes the stream.
                status = deflate(&stream, Z_FINISH)
            }
            count = status == Z_STREAM_END ? Int(stream.total_out) : 0
        }
        return status == Z_STREAM_END ? output : nil
    }
}

/// The gzip form of one body, computed the first time a client that accepts gzip
/// asks for it and kept from then on.
///
/// Whoever keeps a body to answer it again (an answer cache, a static document) keeps
/// one of these beside it and sets it as `Response.gzipCache` on every response with
/// that body: a repeated read then costs no compression. It must only ever see the
/// body it was made for. Thread-safe.
public final class GzipCache: Sendable {
    private let compressed = Mutex<[UInt8]?>(nil)

    public init() {}

    /// The gzip form of `body`: the kept one, or one made now and kept.
    func gzip(_ body: [UInt8], level: Int32) -> [UInt8]? {
        if let kept { return kept }
        guard let made = Gzip.compress(body, level: level) else { return nil }
        compressed.withLock { if $0 == nil { $0 = made } }
        return made
    }

    /// The gzip form, if it is kept already.
    var kept: [UInt8]? { compressed.withLock { $0 } }

    /// Whether the gzip form is kept already.
    public var isFilled: Bool { kept != nil }
}

/// gzip over a body written in pieces: each piece goes in as it comes, the compressed
/// bytes come out as zlib produces them, and `finish` ends the member. For a stream's
/// writer, off the event loop. One writer at a time.
final class GzipDeflater {
    /// zlib keeps a pointer back to its `z_stream`: it lives at a fixed address.
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var output = [UInt8](repeating: 0, count: 64 * 1024)
    private var finished = false

    init?(level: Int32) {
        stream.initialize(to: z_stream())
        guard czlib_deflate_init_gzip(stream, level) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            return nil
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// The compressed bytes `bytes` gave rise to so far (often none: zlib gathers input).
    func compress(_ bytes: [UInt8]) -> [UInt8] { run(bytes, flush: Z_NO_FLUSH) }

    /// The rest of the compressed body and the gzip trailer; later calls give nothing.
    func finish() -> [UInt8] {
        guard !finished else { return [] }
        finished = true
        return run([], flush: Z_FINISH)
    }

    private func run(_ bytes: [UInt8], flush: Int32) -> [UInt8] {
        guard !finished || flush == Z_FINISH else { return [] }
        var produced: [UInt8] = []
        bytes.withUnsafeBufferPointer { input in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.pointee.avail_in = uInt(input.count)
            while true {
                var status = Z_OK
                let room = output.count
                output.withUnsafeMutableBufferPointer { out in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = uInt(room)
                    status = deflate(stream, flush)
                    produced.append(contentsOf: out[0..<(room - Int(stream.pointee.avail_out))])
                }
                // More may be pending while zlib filled the whole buffer; when finishing,
                // until the member's end is written.
                if status == Z_STREAM_ERROR { break }
                if flush == Z_FINISH ? status == Z_STREAM_END : stream.pointee.avail_out != 0 { break }
            }
            stream.pointee.next_in = nil
        }
        return produced
    }
}
