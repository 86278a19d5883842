import GRDB
import GRDBSQLite
import LedgerStore

/// Running a prepared SQLite statement with SQLite's own C calls: binding the
/// arguments, stepping, reading the columns. Shared by the sessions on GRDB's
/// connections (writes) and on the store's own read connections.
enum SQLiteStatement {
    /// Steps `handle` to its end; the error names `sql`.
    static func run(_ handle: OpaquePointer, sql: String, connection: OpaquePointer?) throws {
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw failure(code, sql, connection) }
        }
    }

    /// Every row of `handle`, each with `columns`.
    static func rows(_ handle: OpaquePointer, columns: SQLColumns, sql: String, connection: OpaquePointer?) throws -> [SQLRow] {
        let count = columns.names.count
        var rows: [SQLRow] = []
        try forEachRow(handle, columns: columns, sql: sql, connection: connection) { row in
            var values: [SQLValue] = []
            values.reserveCapacity(count)
            for i in 0..<count { values.append(row.value(at: i)) }
            rows.append(SQLRow(columns: columns, values: values))
            return true
        }
        return rows
    }

    /// Steps `handle` to its end (or until `each` returns false), handing `each` each row
    /// read in place: its columns are read from the statement when asked for.
    static func forEachRow(_ handle: OpaquePointer, columns: SQLColumns, sql: String, connection: OpaquePointer?,
                           _ each: (SQLiteRow) throws -> Bool) throws {
        defer { sqlite3_reset(handle) }
        let row = SQLiteRow(handle: handle, columns: columns)
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw failure(code, sql, connection) }
            guard try each(row) else { return }
        }
    }

    static func failure(_ code: Int32, _ sql: String, _ connection: OpaquePointer?) -> DatabaseError {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }

    /// SQLite copies each text and blob when it is bound.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// Every parameter is bound (their count is checked), so the previous execution's
    /// values need no clearing: `sqlite3_clear_bindings` walked all of a multi-row
    /// INSERT's 640 parameters for nothing (callgrind: 1,380 instructions a call).
    static func bind(_ arguments: [any SQLBindable], to handle: OpaquePointer, sql: String) throws {
        sqlite3_reset(handle)
        guard Int(sqlite3_bind_parameter_count(handle)) == arguments.count else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE,
                                message: "\(arguments.count) arguments for \(sqlite3_bind_parameter_count(handle)) parameters", sql: sql)
        }
        // By index: each value is read in place, not copied out of the array first.
        for i in arguments.indices {
            let index = Int32(i + 1)
            let code: Int32
            switch arguments[i].sqlValue {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let v): code = sqlite3_bind_int64(handle, index, v)
            case .real(let v): code = sqlite3_bind_double(handle, index, v)
            case .text(let v):
                // The length is given: a text holding U+0000 is bound whole.
                code = v.withCString { sqlite3_bind_text(handle, index, $0, Int32(v.utf8.count), transient) }
            case .blob(let v):
                code = v.withUnsafeBytes { bytes in
                    bytes.baseAddress.map { sqlite3_bind_blob(handle, index, $0, Int32(bytes.count), transient) }
                        ?? sqlite3_bind_zeroblob(handle, index, 0)
                }
            }
            guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: nil, sql: sql) }
        }
    }

    static func column(_ i: Int32, of handle: OpaquePointer) -> SQLValue {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT:
            guard let text = sqlite3_column_text(handle, i) else { return .text("") }
            let length = Int(sqlite3_column_bytes(handle, i))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self))
        case SQLITE_BLOB:
            let length = Int(sqlite3_column_bytes(handle, i))
            guard length > 0, let blob = sqlite3_column_blob(handle, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: blob, count: length)))
        default: return .null
        }
    }

    /// The result's column names, as SQLite reports them.
    static func columnNames(of handle: OpaquePointer) -> [String] {
        (0..<sqlite3_column_count(handle)).map { String(cString: sqlite3_column_name(handle, $0)) }
    }
}

/// The row a statement stands on, its columns read from SQLite when asked for (valid until
/// the statement steps again).
struct SQLiteRow: SQLColumnReader {
    let handle: OpaquePointer
    let columns: SQLColumns

    func value(at position: Int) -> SQLValue { SQLiteStatement.column(Int32(position), of: handle) }
    func name(at position: Int) -> String { columns.names[position] }

    // Integers and texts straight from SQLite, with no `SQLValue` in between; any other
    // storage class as `SQLRow` reads it.
    func integer(at position: Int) -> Int64? {
        let i = Int32(position)
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return sqlite3_column_int64(handle, i)
        case SQLITE_NULL: return nil
        default: return SQLRow.decode(value(at: position), column: name(at: position)) as Int64
        }
    }

    func withText<R>(at position: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let i = Int32(position)
        guard sqlite3_column_type(handle, i) == SQLITE_TEXT, let text = sqlite3_column_text(handle, i) else {
            var other: String = SQLRow.decode(value(at: position), column: name(at: position))
            return try other.withUTF8(body)
        }
        return try body(UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, i))))
    }
}
