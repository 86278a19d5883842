import LedgerModel

extension RelationalStore {
    /// The answer kept for `(apiKey, key)` within the window, if any.
    public func storedResponse(apiKey: Int64, key: String) throws(StoreError) -> StoredResponse? {
        let cutoff = now.seconds - Idempotency.window
        return try read { db in
            try db.row("""
                SELECT * FROM idempotency_keys WHERE api_key_id = ? AND key = ? AND created_at > ?
                """, [apiKey, key, cutoff]).map { row in
                StoredResponse(method: row["method"], path: row["path"], bodyHash: row["body_hash"],
                               status: row["status"], response: row["response"])
            }
        }
    }

    /// Keeps an answer unless one is kept already under the key (a write keeps its own
    /// answer in its transaction, through `AnswerKeeper`); expired answers are dropped.
    public func storeResponse(_ r: StoredResponse, apiKey: Int64, key: String) throws(StoreError) {
        let now = self.now
        try write { db in try insertAnswer(r, apiKey: apiKey, key: key, now: now, db) }
    }
}

/// Keeps an answer (unless one is kept under the key) and drops expired ones.
private func insertAnswer(_ r: StoredResponse, apiKey: Int64, key: String, now: Timestamp, _ db: any SQLSession) throws {
    try db.execute("DELETE FROM idempotency_keys WHERE created_at <= ?", [now.seconds - Idempotency.window])
    try db.execute("""
        INSERT INTO idempotency_keys (api_key_id, key, method, path, body_hash, status, response, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
        """, [apiKey, key, r.method, r.path, r.bodyHash, r.status, r.response, now.seconds])
}

extension AnswerKeeper {
    /// Keeps the answer for `result` in the write's transaction. When an answer is kept
    /// under the key already (the same request, answered by another server process while
    /// this one waited for the write lock) the write is abandoned, rolled back with its
    /// transaction, and that answer is given instead: a key writes once.
    func keep(_ result: Result, now: Timestamp, _ db: any SQLSession) throws {
        if let kept = try db.row("""
            SELECT method, path, body_hash, status, response FROM idempotency_keys
            WHERE api_key_id = ? AND key = ? AND created_at > ?
            """, [apiKey, key, now.seconds - Idempotency.window]) {
            throw StoreError.alreadyAnswered(StoredResponse(method: kept["method"], path: kept["path"], bodyHash: kept["body_hash"],
                                                            status: kept["status"], response: kept["response"]))
        }
        try insertAnswer(stored(for: result), apiKey: apiKey, key: key, now: now, db)
    }

    /// Keeps the answer of an optional keeper.
    static func keep(_ keeper: AnswerKeeper?, _ result: Result, now: Timestamp, _ db: any SQLSession) throws {
        try keeper?.keep(result, now: now, db)
    }
}
