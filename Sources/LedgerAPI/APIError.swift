import HTTPTypes
import LedgerModel
import LedgerStore
import SocketHTTP

/// Every way a request can fail, each with one status. Turned into an RFC 9457
/// problem in one place, `response`.
enum APIError: Error {
    case badRequest(String)
    case unauthorized(String)
    case forbidden(String)
    case notFound(String)
    case methodNotAllowed(allow: [HTTPRequest.Method])
    case conflict(String)
    case preconditionFailed(String)
    case unsupportedMediaType
    case unprocessable([FieldError])
    case unavailable(String)
    /// The disk under the database is full: writes wait for space; reads go on.
    case storageFull
    case tooManyRequests(retryAfter: Int)
    case notImplemented(String)
    case internalError

    init(_ e: StoreError) {
        switch e {
        case .notFound(let m): self = .notFound("no \(m)")
        case .conflict(let m): self = .conflict(m)
        case .invalid(let v): self = .unprocessable(v.errors)
        case .versionMismatch(let v): self = .preconditionFailed("the strike is at version \(v) (ETag \"v\(v)\")")
        case .migrationEdited, .migrationUnknown, .database: self = .unavailable("the database did not answer")
        case .storageFull: self = .storageFull
        case .readOnly: self = .unavailable("the database is read-only: it takes no writes; reads go on")
        case .alreadyAnswered: self = .conflict("a request with this Idempotency-Key was answered already")
        }
    }

    /// Any error a handler throws, as the API answers it.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: e
        case let e as StoreError: APIError(e)
        case let e as ValidationError: .unprocessable(e.errors)
        default: .internalError
        }
    }

    var status: HTTPResponse.Status {
        switch self {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .conflict: .conflict
        case .preconditionFailed: .preconditionFailed
        case .unsupportedMediaType: .unsupportedMediaType
        case .unprocessable: .unprocessableContent
        case .unavailable, .storageFull: .serviceUnavailable
        case .tooManyRequests: .tooManyRequests
        case .notImplemented: .notImplemented
        case .internalError: .internalServerError
        }
    }

    var detail: String {
        switch self {
        case .badRequest(let d), .unauthorized(let d), .forbidden(let d), .notFound(let d), .conflict(let d),
             .preconditionFailed(let d), .unavailable(let d), .notImplemented(let d): d
        case .methodNotAllowed(let allow): "allowed methods: " + allow.map(\.rawValue).joined(separator: ", ")
        case .unsupportedMediaType: "the body must be Content-Type: application/json"
        case .unprocessable(let errors): errors.count == 1 ? "1 field is invalid" : "\(errors.count) fields are invalid"
        case .internalError: "the server failed to answer"
        case .storageFull: "the disk is full: writes are refused until space is freed; reads go on"
        case .tooManyRequests(let s): "this key's write rate limit is reached; retry in \(s) s"
        }
    }

    /// The problem's `type`: `about:blank` (the status says it all) unless the cause has a
    /// name of its own, which a client can act on.
    var type: String {
        switch self {
        case .storageFull: Self.storageFullType
        default: "about:blank"
        }
    }

    /// The `type` of a 503 for a full disk (OpenAPI: `Problem.type`).
    static let storageFullType = "urn:strikeledger:problem:storage-full"
    /// Freeing disk space takes an operator: clients come back later than after a blip.
    static let storageFullRetrySeconds = 10

    var response: Response {
        var json = JSONWriter(capacity: 256)
        json.object { o in
            o.field("type", type)
            o.field("title", status.reasonPhrase)
            o.field("status", status.code)
            o.field("detail", detail)
            if case .unprocessable(let errors) = self {
                o.key("errors")
                o.array { a in for e in errors { e.write(to: &a) } }
            }
        }
        var head = HTTPResponse(status: status)
        head.headerFields[.contentType] = "application/problem+json"
        switch self {
        case .unauthorized: head.headerFields[.wwwAuthenticate] = "Bearer realm=\"strikeledger\""
        case .methodNotAllowed(let allow): head.headerFields[.allow] = allow.map(\.rawValue).joined(separator: ", ")
        case .unavailable: head.headerFields[.retryAfter] = "1"
        case .storageFull: head.headerFields[.retryAfter] = String(Self.storageFullRetrySeconds)
        case .tooManyRequests(let s): head.headerFields[.retryAfter] = String(s)
        default: break
        }
        return Response(head: head, body: json.bytes)
    }
}
