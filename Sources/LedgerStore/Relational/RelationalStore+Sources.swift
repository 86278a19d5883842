import Foundation
import LedgerModel

extension RelationalStore {
    static func source(_ row: SQLRow) -> Source {
        Source(id: row["id"], name: row["name"], kind: Source.Kind(rawValue: row["kind"]) ?? .other, url: row["url"],
               reliability: (row["reliability"] as String?).flatMap(Source.Reliability.init(rawValue:)),
               createdAt: row.timestamp("created_at"))
    }

    /// Finds the source with the same kind, name and url, or creates it.
    /// Returns the source and whether it was created.
    public func findOrCreateSource(_ new: NewSource, keeping keeper: AnswerKeeper<(Source, created: Bool)>?) throws(StoreError) -> (Source, created: Bool) {
        let now = self.now
        return try write { db in
            let result = try Self.findOrCreateSource(new, now: now, db)
            try AnswerKeeper.keep(keeper, result, now: now, db)
            return result
        }
    }

    static func findOrCreateSource(_ new: NewSource, now: Timestamp, _ db: any SQLSession) throws -> (Source, created: Bool) {
        if let row = try db.row("SELECT * FROM sources WHERE kind = ? AND name = ? AND coalesce(url, '') = ?", [new.kind.rawValue, new.name, new.url ?? ""]) {
            return (source(row), false)
        }
        let id = try nextID(of: "sources", db)
        try db.execute("INSERT INTO sources (id, name, kind, url, reliability, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       [id, new.name, new.kind.rawValue, new.url, new.reliability?.rawValue, now.seconds])
        let s = Source(id: id, name: new.name, kind: new.kind, url: new.url, reliability: new.reliability, createdAt: now)
        return (s, true)
    }

    /// Resolves a `source_id` (422 when unknown) or an inline source.
    static func resolveSource(_ spec: SourceSpec, now: Timestamp, _ db: any SQLSession) throws -> Source {
        switch spec {
        case .id(let id):
            guard let row = try db.row("SELECT * FROM sources WHERE id = ?", [id]) else {
                throw StoreError.invalid(ValidationError(field: "source_id", "no source has id \(id)"))
            }
            return source(row)
        case .inline(let new):
            return try findOrCreateSource(new, now: now, db).0
        }
    }

    public func source(id: Int64) throws(StoreError) -> Source {
        guard let s = try read({ db in try db.row("SELECT * FROM sources WHERE id = ?", [id]).map(Self.source) }) else {
            throw .notFound("source \(id)")
        }
        return s
    }

    /// Sources by id, filtered by a name substring and kind; `after` is the last id seen.
    public func sources(query: String?, kind: Source.Kind?, after: Int64?, limit: Int) throws(StoreError) -> [Source] {
        // No stored name holds U+0000 (it is refused on the way in), and PostgreSQL cannot
        // be asked about one: such a search matches nothing.
        if let query, query.utf8.contains(0) { return [] }
        return try read { db in
            var sql = "SELECT * FROM sources WHERE id > ?"
            var args: [any SQLBindable] = [after ?? 0]
            if let query, !query.isEmpty {
                // A substring, whatever it holds: LIKE's wildcards in it are escaped.
                sql += " AND lower(name) LIKE '%' || lower(?) || '%' ESCAPE '\\'"
                args.append(query.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_"))
            }
            if let kind { sql += " AND kind = ?"; args.append(kind.rawValue) }
            sql += " ORDER BY id LIMIT ?"
            args.append(limit)
            return try db.rows(sql, args).map(Self.source)
        }
    }
}
