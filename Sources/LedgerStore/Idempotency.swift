import Crypto
import LedgerModel

/// A response kept for an `Idempotency-Key` replay.
public struct StoredResponse: Sendable, Equatable {
    public var method: String
    public var path: String
    public var bodyHash: [UInt8]
    public var status: Int
    /// The whole answer as first sent: head fields and body, serialised by the API.
    public var response: [UInt8]

    public init(method: String, path: String, bodyHash: [UInt8], status: Int, response: [UInt8]) {
        self.method = method; self.path = path; self.bodyHash = bodyHash; self.status = status; self.response = response
    }
}

/// The rules of `Idempotency-Key` replays that every engine shares.
public enum Idempotency {
    /// How long a kept answer is replayed, in seconds.
    public static let window: Int64 = 24 * 3600

    /// What identifies a request's body: its SHA-256.
    public static func bodyHash(_ body: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: body)) }
}

/// Keeps the answer to an idempotent POST in the same transaction as its write, so a
/// crash can never leave a committed write without the answer a retry must replay.
/// Each engine stores `stored(for:)` inside the write's own transaction.
public struct AnswerKeeper<Result>: Sendable {
    public let apiKey: Int64
    public let key: String
    public let method: String
    public let path: String
    public let bodyHash: [UInt8]
    /// Renders the answer the client gets for the write's result: status and the bytes
    /// to replay.
    public let render: @Sendable (Result) -> (status: Int, response: [UInt8])

    public init(apiKey: Int64, key: String, method: String, path: String, bodyHash: [UInt8],
                render: @escaping @Sendable (Result) -> (status: Int, response: [UInt8])) {
        self.apiKey = apiKey; self.key = key; self.method = method; self.path = path
        self.bodyHash = bodyHash; self.render = render
    }

    /// The answer to keep for the write's result.
    public func stored(for result: Result) -> StoredResponse {
        let (status, response) = render(result)
        return StoredResponse(method: method, path: path, bodyHash: bodyHash, status: status, response: response)
    }
}
