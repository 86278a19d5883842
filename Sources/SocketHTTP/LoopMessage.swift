/// Work posted to an event loop from other threads.
enum LoopMessage: Sendable {
    /// A worker finished a request.
    case reply(ConnectionID, Reply)
    /// A deferred response was completed.
    case deferredReady(ConnectionID)
    /// A stream has new chunks, was finished, or its client reads too slowly.
    case streamReady(ConnectionID)
    /// A connection accepted by another loop, given to this one to balance the load:
    /// the descriptor and the peer's address.
    case adopt(Int32, String)
    /// Stop accepting, finish what is in flight.
    case beginShutdown
    /// Close everything now and leave the loop.
    case forceClose
}
