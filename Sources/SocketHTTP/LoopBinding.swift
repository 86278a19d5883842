/// Where a deferred response or stream is parked: which loop, which connection.
struct LoopBinding: Sendable {
    var loop: EventLoop
    var connection: ConnectionID
}
