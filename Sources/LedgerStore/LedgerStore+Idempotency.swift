import Crypto
import GRDB
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

extension LedgerStore {
    /// How long a kept answer is replayed.
    public static let idempotencyWindow: Int64 = 24 * 3600

    public static func bodyHash(_ body: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: body)) }

    /// The answer kept for `(apiKey, key)` within the window, if any.
    public func storedResponse(apiKey: Int64, key: String) throws(StoreError) -> StoredResponse? {
        let cutoff = now.seconds - Self.idempotencyWindow
        return try read { db in
            try db.cachedRow(sql: """
                SELECT * FROM idempotency_keys WHERE api_key_id = ? AND key = ? AND created_at > ?
                """, arguments: [apiKey, key, cutoff]).map { row in
                StoredResponse(method: row["method"], path: row["path"], bodyHash: Array((row["body_hash"] as Data)),
                               status: row["status"], response: Array((row["response"] as Data)))
            }
        }
    }

    /// Keeps an answer unless one is kept already under the key (a write keeps its own
    /// answer in its transaction, through `AnswerKeeper`); expired answers are dropped.
    public func storeResponse(_ r: StoredResponse, apiKey: Int64, key: String) throws(StoreError) {
        let now = self.now
        try write { db in try Self.insertAnswer(r, apiKey: apiKey, key: key, now: now, db) }
    }

    static func insertAnswer(_ r: StoredResponse, apiKey: Int64, key: String, now: Timestamp, _ db: Database) throws {
        try db.cachedExecute(sql: "DELETE FROM idempotency_keys WHERE created_at <= ?", arguments: [now.seconds - idempotencyWindow])
        try db.cachedExecute(sql: """
            INSERT OR IGNORE INTO idempotency_keys (api_key_id, key, method, path, body_hash, status, response, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [apiKey, key, r.method, r.path, Data(r.bodyHash), r.status, Data(r.response), now.seconds])
    }
}

/// Keeps the answer to an idempotent POST in the same transaction as its write, so a
/// crash can never leave a committed write without the answer a retry must replay.
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

    func keep(_ result: Result, now: Timestamp, _ db: Database) throws {
        let (status, response) = render(result)
        try LedgerStore.insertAnswer(StoredResponse(method: method, path: path, bodyHash: bodyHash, status: status, response: response),
                                     apiKey: apiKey, key: key, now: now, db)
    }
}

extension AnswerKeeper {
    /// Keeps the answer of an optional keeper.
    static func keep(_ keeper: AnswerKeeper?, _ result: Result, now: Timestamp, _ db: Database) throws {
        try keeper?.keep(result, now: now, db)
    }
}

import struct Foundation.Data
