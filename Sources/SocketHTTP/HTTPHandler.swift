import HTTPTypes

/// The application side of the server.
public protocol HTTPHandler: Sendable {
    /// Called on an event-loop thread before anything else. Return a reply for requests
    /// that can be answered from memory in microseconds (a 304 for a conditional poll,
    /// /healthz); return nil to have `handle` run on the worker pool. Must never block.
    func handleInline(_ request: Request) -> Reply?
    /// Called on a worker-pool thread; may block (SQLite).
    func handle(_ request: Request) -> Reply
    /// Called on an event-loop thread when a request's head announces a body, before the
    /// body is read, before `100 Continue` is sent and before the body-size limit is
    /// applied. Return a response to refuse the request at once (the connection then
    /// closes, its body unread): an unknown route, a missing key. Should be quick; it runs
    /// only for requests with a body.
    func screen(_ head: HTTPRequest) -> Response?
    /// `screen`, keeping in `found` what it learned that the whole request may use (the
    /// caller's key): the server hands it back as the request's `screened`.
    func screen(_ head: HTTPRequest, found: inout (any Sendable)?) -> Response?
    /// Called on an event-loop thread after it handled everything one wait for events
    /// returned, before it waits again: what `handleInline` kept for the turn (a read
    /// snapshot) is let go here.
    func turnEnded()
}

extension HTTPHandler {
    public func handleInline(_ request: Request) -> Reply? { nil }
    public func screen(_ head: HTTPRequest) -> Response? { nil }
    public func screen(_ head: HTTPRequest, found: inout (any Sendable)?) -> Response? { screen(head) }
    public func turnEnded() {}
}
