import HTTPTypes

/// What a handler gives back.
public enum Reply: Sendable {
    /// Written at once.
    case response(Response)
    /// Completed later by another thread (a long-poll). Holds no thread while it waits.
    case deferred(DeferredResponse)
    /// A response whose body is written as chunks until the client leaves (server-sent events).
    case stream(HTTPResponse, ResponseStream)
}

extension Reply {
    /// Ends a reply that will never be written (its connection is gone), so that
    /// `onFinish` callbacks still fire exactly once.
    func abandon() {
        switch self {
        case .response: break
        case .deferred(let deferred): deferred.cancel()
        case .stream(_, let stream): stream.end()
        }
    }
}
