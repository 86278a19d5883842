import Foundation
import GRDB
import GRDBSQLite
import LedgerStore
import Synchronization

/// The relational store's view of a GRDB connection: statements prepared once per
/// connection (GRDB's statement cache) and reused, arguments always bound.
///
/// Binding, stepping and reading columns go straight to SQLite's C calls on the cached
/// statement: GRDB's `StatementArguments`, `Row` and `DatabaseValue` layers cost more
/// than the statements themselves on the hot paths (callgrind: about half of a
/// casualties read's store time, and key-path lookups on every bound argument of a
/// write). GRDB still owns the connection, its transactions and its statement cache.
struct GRDBSession: SQLSession {
    let db: Database

    func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int {
        let handle = try prepared(sql, arguments)
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw failure(code, sql) }
        }
        return db.changesCount
    }

    func rows(_ sql: String, _ arguments: [any SQLBindable]) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let handle = statement.sqliteStatement
        try Self.bind(arguments, to: handle, sql: sql)
        defer { sqlite3_reset(handle) }
        let columns = ColumnNames.shared.columns(of: statement, sql: sql)
        let count = Int(sqlite3_column_count(handle))
        var rows: [SQLRow] = []
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw failure(code, sql) }
            var values: [SQLValue] = []
            values.reserveCapacity(count)
            for i in 0..<Int32(count) { values.append(Self.column(i, of: handle)) }
            rows.append(SQLRow(columns: columns, values: values))
        }
        return rows
    }

    private func prepared(_ sql: String, _ arguments: [any SQLBindable]) throws -> OpaquePointer {
        let handle = try db.cachedStatement(sql: sql).sqliteStatement
        try Self.bind(arguments, to: handle, sql: sql)
        return handle
    }

    private func failure(_ code: Int32, _ sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: sql)
    }

    /// SQLite copies each text and blob when it is bound.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    private static func bind(_ arguments: [any SQLBindable], to handle: OpaquePointer, sql: String) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        guard Int(sqlite3_bind_parameter_count(handle)) == arguments.count else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE,
                                message: "\(arguments.count) arguments for \(sqlite3_bind_parameter_count(handle)) parameters", sql: sql)
        }
        for (i, argument) in arguments.enumerated() {
            let index = Int32(i + 1)
            let code: Int32
            switch argument.sqlValue {
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

    private static func column(_ i: Int32, of handle: OpaquePointer) -> SQLValue {
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
}

/// The column names of each statement text, read from SQLite once: a statement's
/// result columns depend on its text alone (the schema changes only by migration,
/// before the first query). Bounded: cleared when it grows past `limit` texts.
final class ColumnNames: Sendable {
    static let shared = ColumnNames()
    private let known = Mutex<[String: SQLColumns]>([:])
    private let limit = 1024

    func columns(of statement: Statement, sql: String) -> SQLColumns {
        if let columns = known.withLock({ $0[sql] }) { return columns }
        let columns = SQLColumns(statement.columnNames)
        known.withLock { known in
            if known.count >= limit { known.removeAll(keepingCapacity: true) }
            known[sql] = columns
        }
        return columns
    }
}
