import GRDB
import LedgerModel

extension SQLiteStore {
    /// Creates a key and returns it; only its hash is stored.
    public func createKey(name: String, role: Role) throws(StoreError) -> String {
        let key = APIKey.generateSecret()
        let now = self.now
        try write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM api_keys WHERE name = ?", arguments: [name]) == true {
                throw StoreError.conflict("a key named \(name) exists already")
            }
            try db.cachedExecute(sql: "INSERT INTO api_keys (name, role, key_hash, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [name, role.rawValue, Data(APIKey.hash(key)), now.seconds])
        }
        return key
    }

    public func keys() throws(StoreError) -> [APIKey] {
        try read { db in
            try db.cachedRows(sql: "SELECT * FROM api_keys ORDER BY id").map(Self.apiKey)
        }
    }

    static func apiKey(_ row: Row) -> APIKey {
        APIKey(id: row["id"], name: row["name"], role: Role(rawValue: row["role"]) ?? .reporter,
               createdAt: row.timestamp("created_at"), revokedAt: row.optionalTimestamp("revoked_at"))
    }

    /// Revokes a key by name; 404 when there is none.
    public func revokeKey(name: String) throws(StoreError) {
        let now = self.now
        try write { db in
            try db.cachedExecute(sql: "UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                           arguments: [now.seconds, name])
            if db.changesCount == 0,
               try Bool.fetchOne(db, sql: "SELECT 1 FROM api_keys WHERE name = ?", arguments: [name]) != true {
                throw StoreError.notFound("key \(name)")
            }
        }
    }

    /// The live (not revoked) key with this secret, if any.
    public func authenticate(_ key: String) -> APIKey? {
        try? pool.read { db in
            try db.cachedRow(sql: "SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL",
                             arguments: [Data(APIKey.hash(key))]).map(Self.apiKey)
        }
    }
}

import struct Foundation.Data
import LedgerStore
