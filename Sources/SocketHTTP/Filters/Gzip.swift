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
