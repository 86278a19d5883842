import struct Foundation.Data
import GRDB
import LedgerModel
import LedgerStore

extension SQLiteStore {
    /// The answer kept for `(apiKey, key)` within the window, if any.
    public func storedResponse(apiKey: Int64, key: String) throws(StoreError) -> StoredResponse? {
        let cutoff = now.seconds - Idempotency.window
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
        try db.cachedExecute(sql: "DELETE FROM idempotency_keys WHERE created_at <= ?", arguments: [now.seconds - Idempotency.window])
        try db.cachedExecute(sql: """
            INSERT OR IGNORE INTO idempotency_keys (api_key_id, key, method, path, body_hash, status, response, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [apiKey, key, r.method, r.path, Data(r.bodyHash), r.status, Data(r.response), now.seconds])
    }
}


extension AnswerKeeper {
    /// Keeps the answer for `result` in the write's transaction.
    func keep(_ result: Result, now: Timestamp, _ db: Database) throws {
        try SQLiteStore.insertAnswer(stored(for: result), apiKey: apiKey, key: key, now: now, db)
    }

    /// Keeps the answer of an optional keeper.
    static func keep(_ keeper: AnswerKeeper?, _ result: Result, now: Timestamp, _ db: Database) throws {
        try keeper?.keep(result, now: now, db)
    }
}
