/// A connection's identity on its event loop: the descriptor and a serial number that
/// tells a reused descriptor from the connection a message was meant for.
struct ConnectionID: Hashable, Sendable {
    var fd: Int32
    var serial: UInt64
}
