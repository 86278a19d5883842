/// The application side of the server.
public protocol HTTPHandler: Sendable {
    /// Called on an event-loop thread before anything else. Return a reply for requests
    /// that can be answered from memory in microseconds (a 304 for a conditional poll,
    /// /healthz); return nil to have `handle` run on the worker pool. Must never block.
    func handleInline(_ request: Request) -> Reply?
    /// Called on a worker-pool thread; may block (SQLite).
    func handle(_ request: Request) -> Reply
}

extension HTTPHandler {
    public func handleInline(_ request: Request) -> Reply? { nil }
}
