import Glibc

/// A failed system call, e.g. `bind` when the port is taken.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    /// The system call that failed.
    public var call: String
    /// Its errno.
    public var code: Int32

    init(_ call: String, _ code: Int32) {
        self.call = call
        self.code = code
    }

    public var description: String { "\(call) failed: \(String(cString: strerror(code))) (errno \(code))" }
}
