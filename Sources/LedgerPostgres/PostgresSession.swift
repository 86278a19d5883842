import LedgerStore

/// The relational store's view of a PostgreSQL connection inside a transaction.
///
/// The ledger's statements are written with `?` placeholders (`?N` for a numbered one),
/// which SQLite reads natively; PostgreSQL numbers its parameters `$1`, `$2`, ..., so the
/// text is rewritten once per statement before the connection prepares it.
struct PostgresSession: SQLSession {
    let connection: PostgresConnection

    func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int {
        try connection.execute(PostgresSQL.dollarParameters(sql), arguments.map { PostgresSQL.value($0.sqlValue) })
    }

    func rows(_ sql: String, _ arguments: [any SQLBindable]) throws -> [SQLRow] {
        let result = try connection.query(PostgresSQL.dollarParameters(sql), arguments.map { PostgresSQL.value($0.sqlValue) })
        guard !result.isEmpty else { return [] }
        let columns = SQLColumns(result.columnNames)
        return try result.map { row in
            SQLRow(columns: columns, values: try (0..<result.columnCount).map { try PostgresSQL.value(of: row, column: $0) })
        }
    }
}

/// What the relational store's SQL needs to become PostgreSQL's.
enum PostgresSQL {
    /// `?` becomes `$1`, `$2`, ... in order, and `?N` becomes `$N`; a `?` inside a quoted
    /// literal or identifier is left alone.
    static func dollarParameters(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var next = 1
        var quote: Character?
        var chars = sql.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if let q = quote {
                out.append(c)
                if c == q { quote = nil }
                continue
            }
            switch c {
            case "'", "\"":
                quote = c
                out.append(c)
            case "?":
                var digits = ""
                while let d = chars.next() {
                    if d.isASCII, d.isNumber { digits.append(d) } else { pending = d; break }
                }
                if digits.isEmpty {
                    out += "$\(next)"
                    next += 1
                } else {
                    out += "$" + digits
                }
            default:
                out.append(c)
            }
        }
        return out
    }

    static func value(_ v: SQLValue) -> PostgresValue {
        switch v {
        case .null: .null
        case .integer(let i): .int64(i)
        case .real(let d): .double(d)
        case .text(let s): .text(s)
        case .blob(let b): .bytes(b)
        }
    }

    /// A column's value as the ledger's SQL values know it, by the column's type.
    static func value(of row: PostgresRow, column: Int) throws -> SQLValue {
        if row.isNull(column) { return .null }
        switch row.rows.types[column] {
        case TypeOID.int2, TypeOID.int4, TypeOID.int8: return .integer(try row.int64(column))
        case TypeOID.float4, TypeOID.float8, TypeOID.numeric: return .real(try row.double(column))
        case TypeOID.bool: return .integer(try row.bool(column) ? 1 : 0)
        case TypeOID.bytea: return .blob(try row.bytes(column))
        default: return .text(try row.string(column))
        }
    }
}
