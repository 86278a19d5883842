/// A `Double`'s text exactly as Swift's `description` prints it (the shortest digits that
/// read back as the same value, the closest of them to it), written into a buffer with no
/// `String` made.
///
/// The common case, a finite value in [1e-4, 1e15) (Swift prints those in decimal
/// notation), is worked out here: for n = 0, 1, 2, ... decimal places, the two integers
/// around `|v| * 10^n` are the only candidates with n places that can be closest to `v`,
/// and a candidate `m` reads back as `v` exactly when `Double(m) / 10^n == v` (with
/// `m < 2^52` and `10^n` both exact, the quotient is correctly rounded, as parsing the
/// text `m * 10^-n` is). The first n with a candidate gives the shortest digits; when
/// both candidates read back, the nearer to `v` is Swift's. Anything else (zero,
/// exponents outside that range, a candidate of 2^52 or more, an exact tie between two
/// candidates) takes `description` itself.
public enum DoubleText {
    /// The most bytes `write` writes (`-1.7976931348623157e+308` is 24).
    public static let maxLength = 32

    /// Writes `v`'s text at `p` (room for `maxLength` bytes); returns how many bytes.
    public static func write(_ v: Double, at p: UnsafeMutablePointer<UInt8>) -> Int {
        let a = v.magnitude
        if a >= 1e-4, a < 1e15, let (m, places) = shortestDecimal(a) {
            var n = 0
            if v < 0 { p[0] = UInt8(ascii: "-"); n = 1 }
            return n + writeFixed(m, places: places, at: p + n)
        }
        var text = v.description
        return text.withUTF8 { utf8 in
            let count = min(utf8.count, maxLength)
            p.update(from: utf8.baseAddress!, count: count)
            return count
        }
    }

    /// Appends `v`'s text to `out`.
    public static func append(_ v: Double, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { buffer in
            let count = write(v, at: buffer.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// `v`'s text as a `String` (for tests and rare callers).
    public static func text(_ v: Double) -> String {
        var out: [UInt8] = []
        append(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The integer `m` and the number of decimal places of the shortest decimal that reads
    /// back as `a` (positive, finite), nil when this method cannot be sure.
    @inline(__always)
    static func shortestDecimal(_ a: Double) -> (UInt64, Int)? {
        var scale = 1.0  // 10^places, exact for every places tried (10^22 is the last exact one)
        for places in 0...17 {
            let r = a * scale
            // Beyond 2^52, a candidate or its distance to `r` is no longer exact.
            guard r < 4_503_599_627_370_496 else { return nil }
            let low = r.rounded(.down)
            if low == r {
                // `r` is within half an ulp (at most a quarter) of `a * 10^places`: the only
                // candidate that can be nearest, and no farther one can read back if it does not.
                if r / scale == a { return (UInt64(r), places) }
            } else {
                // The exact product lies strictly between `low` and `low + 1` (the rounding
                // error is below `r`'s distance to any integer).
                let high = low + 1
                let lowReads = low / scale == a, highReads = high / scale == a
                if lowReads && highReads {
                    let below = r - low  // exact
                    if below == 0.5 { return nil }
                    return below < 0.5 ? (UInt64(low), places) : (UInt64(high), places)
                }
                if lowReads { return (UInt64(low), places) }
                if highReads { return (UInt64(high), places) }
            }
            scale *= 10
        }
        return nil
    }

    /// Writes `m * 10^-places` in decimal notation, `.0` after an integer; returns how many bytes.
    @inline(__always)
    static func writeFixed(_ m: UInt64, places: Int, at p: UnsafeMutablePointer<UInt8>) -> Int {
        // The digits, least significant first, into 20 bytes at the end of the room.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &digits) { d in
            var count = 0
            var rest = m
            repeat {
                d[count] = UInt8(48 + rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            var n = 0
            if places == 0 {
                for i in stride(from: count - 1, through: 0, by: -1) { p[n] = d[i]; n += 1 }
                p[n] = UInt8(ascii: "."); p[n + 1] = UInt8(ascii: "0")
                return n + 2
            }
            if count > places {
                for i in stride(from: count - 1, through: places, by: -1) { p[n] = d[i]; n += 1 }
            } else {
                p[n] = UInt8(ascii: "0"); n += 1
            }
            p[n] = UInt8(ascii: "."); n += 1
            if count < places { for _ in 0..<(places - count) { p[n] = UInt8(ascii: "0"); n += 1 } }
            for i in stride(from: min(count, places) - 1, through: 0, by: -1) { p[n] = d[i]; n += 1 }
            return n
        }
    }
}
