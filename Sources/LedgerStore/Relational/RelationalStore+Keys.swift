import LedgerModel

extension RelationalStore {
    /// Creates a key and returns it; only its hash is stored.
    public func createKey(name: String, role: Role) throws(StoreError) -> String {
        let key = APIKey.generateSecret()
        let now = self.now
        try write { db in
            if try db.exists("SELECT 1 FROM api_keys WHERE name = ?", [name]) {
                throw StoreError.conflict("a key named \(name) exists already")
            }
            try db.execute("INSERT INTO api_keys (id, name, role, key_hash, created_at) VALUES (?, ?, ?, ?, ?)", [try Self.nextID(of: "api_keys", db), name, role.rawValue, APIKey.hash(key), now.seconds])
        }
        return key
    }

    public func keys() throws(StoreError) -> [APIKey] {
        try read { db in
            try db.rows("SELECT * FROM api_keys ORDER BY id").map(Self.apiKey)
        }
    }

    static func apiKey(_ row: SQLRow) -> APIKey {
        APIKey(id: row["id"], name: row["name"], role: Role(rawValue: row["role"]) ?? .reporter,
               createdAt: row.timestamp("created_at"), revokedAt: row.optionalTimestamp("revoked_at"))
    }

    /// Revokes a key by name; 404 when there is none.
    public func revokeKey(name: String) throws(StoreError) {
        let now = self.now
        try write { db in
            let changed = try db.execute("UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", [now.seconds, name])
            if changed == 0, try !db.exists("SELECT 1 FROM api_keys WHERE name = ?", [name]) {
                throw StoreError.notFound("key \(name)")
            }
        }
    }

    /// The live (not revoked) key with this secret, if any.
    public func authenticate(_ key: String) throws(StoreError) -> APIKey? {
        try read { db in
            try db.row("SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", [APIKey.hash(key)]).map(Self.apiKey)
        }
    }
}

