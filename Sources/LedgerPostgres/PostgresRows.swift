import CLibPQ

/// The rows a statement returned, read by column position.
///
/// It owns libpq's result, which no longer depends on the connection once received:
/// rows may be read after the connection went back to its pool, from any thread.
public final class PostgresRows: @unchecked Sendable {
    // @unchecked: the result is never changed after it is received; libpq's accessors
    // only read it.
    private let result: OpaquePointer
    /// Number of rows.
    public let count: Int
    /// Number of columns.
    public let columnCount: Int
    /// Rows changed by an INSERT, UPDATE or DELETE (PQcmdTuples); 0 for other statements.
    public let affectedRows: Int
    /// The command tag, e.g. `INSERT 0 1`, `COMMIT`, `ROLLBACK`.
    public let commandTag: String
    let types: [UInt32]
    let binary: [Bool]

    init(_ result: OpaquePointer) {
        self.result = result
        count = Int(PQntuples(result))
        columnCount = Int(PQnfields(result))
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
        commandTag = String(cString: PQcmdStatus(result))
        types = (0..<Int32(columnCount)).map { PQftype(result, $0) }
        binary = (0..<Int32(columnCount)).map { PQfformat(result, $0) == 1 }
    }

    deinit { PQclear(result) }

    /// The column names, in order (for diagnostics; read values by position).
    public var columnNames: [String] {
        (0..<Int32(columnCount)).map { String(cString: PQfname(result, $0)) }
    }

    func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(result, Int32(row), Int32(column)) == 1 }

    /// The raw bytes of a value (not NUL-terminated for binary values).
    func withValue<T>(_ row: Int, _ column: Int, _ body: (UnsafeRawBufferPointer) throws(PostgresError) -> T) throws(PostgresError) -> T {
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        guard let pointer = PQgetvalue(result, Int32(row), Int32(column)) else {
            throw PostgresError(.invalidColumn, message: "no value at row \(row), column \(column)")
        }
        return try body(UnsafeRawBufferPointer(start: pointer, count: length))
    }
}

extension PostgresRows: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public subscript(position: Int) -> PostgresRow { PostgresRow(rows: self, index: position) }
}

/// One row of a result. Columns are read by position, as the SELECT lists them: the
/// names are never looked up on the hot path.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let index: Int

    public func isNull(_ column: Int) -> Bool { rows.isNull(index, column) }

    public func int64(_ column: Int) throws(PostgresError) -> Int64 {
        guard let v = try optionalInt64(column) else { throw null(column) }
        return v
    }

    public func optionalInt64(_ column: Int) throws(PostgresError) -> Int64? {
        try check(column)
        if rows.isNull(index, column) { return nil }
        let type = rows.types[column]
        if rows.binary[column] {
            return try rows.withValue(index, column) { raw throws(PostgresError) -> Int64 in
                switch (type, raw.count) {
                case (TypeOID.int8, 8): return Int64(bitPattern: raw.bigEndian(UInt64.self))
                case (TypeOID.int4, 4): return Int64(Int32(bitPattern: raw.bigEndian(UInt32.self)))
                case (TypeOID.int2, 2): return Int64(Int16(bitPattern: raw.bigEndian(UInt16.self)))
                case (TypeOID.oid, 4): return Int64(raw.bigEndian(UInt32.self))
                case (TypeOID.numeric, _):
                    guard let v = Int64(try Numeric.decimalText(raw)) else { throw mismatch(column, "a whole number") }
                    return v
                default: throw mismatch(column, "an integer")
                }
            }
        }
        guard let v = Int64(try textValue(column)) else { throw mismatch(column, "an integer") }
        return v
    }

    public func int(_ column: Int) throws(PostgresError) -> Int { Int(try int64(column)) }
    public func optionalInt(_ column: Int) throws(PostgresError) -> Int? { try optionalInt64(column).map { Int($0) } }

    public func double(_ column: Int) throws(PostgresError) -> Double {
        guard let v = try optionalDouble(column) else { throw null(column) }
        return v
    }

    public func optionalDouble(_ column: Int) throws(PostgresError) -> Double? {
        try check(column)
        if rows.isNull(index, column) { return nil }
        let type = rows.types[column]
        if rows.binary[column] {
            switch type {
            case TypeOID.float8:
                return try rows.withValue(index, column) { raw throws(PostgresError) in
                    guard raw.count == 8 else { throw mismatch(column, "a double") }
                    return Double(bitPattern: raw.bigEndian(UInt64.self))
                }
            case TypeOID.float4:
                return try rows.withValue(index, column) { raw throws(PostgresError) in
                    guard raw.count == 4 else { throw mismatch(column, "a float") }
                    return Double(Float(bitPattern: raw.bigEndian(UInt32.self)))
                }
            case TypeOID.numeric:
                let text = try rows.withValue(index, column) { raw throws(PostgresError) in try Numeric.decimalText(raw) }
                guard let v = Double(text) else { throw mismatch(column, "a number") }
                return v
            default:
                return try optionalInt64(column).map(Double.init)
            }
        }
        guard let v = Double(try textValue(column)) else { throw mismatch(column, "a number") }
        return v
    }

    public func bool(_ column: Int) throws(PostgresError) -> Bool {
        guard let v = try optionalBool(column) else { throw null(column) }
        return v
    }

    public func optionalBool(_ column: Int) throws(PostgresError) -> Bool? {
        try check(column)
        if rows.isNull(index, column) { return nil }
        guard rows.types[column] == TypeOID.bool else { throw mismatch(column, "a boolean") }
        if rows.binary[column] {
            return try rows.withValue(index, column) { raw throws(PostgresError) in raw.first.map { $0 != 0 } ?? false }
        }
        return try textValue(column) == "t"
    }

    public func string(_ column: Int) throws(PostgresError) -> String {
        guard let v = try optionalString(column) else { throw null(column) }
        return v
    }

    /// Text columns as they are; in binary results, integers and floats are printed,
    /// and other types must be cast to text in the SQL (`x::text`).
    public func optionalString(_ column: Int) throws(PostgresError) -> String? {
        try check(column)
        if rows.isNull(index, column) { return nil }
        let type = rows.types[column]
        if !rows.binary[column] {
            if type == TypeOID.bytea { throw mismatch(column, "text (it is bytea: read bytes)") }
            return try textValue(column)
        }
        switch type {
        case _ where TypeOID.textual.contains(type):
            return try rows.withValue(index, column) { raw throws(PostgresError) in String(decoding: raw, as: UTF8.self) }
        case TypeOID.int8, TypeOID.int4, TypeOID.int2, TypeOID.oid:
            return try optionalInt64(column).map(String.init)
        case TypeOID.float8, TypeOID.float4:
            return try optionalDouble(column).map(PostgresValue.text(of:))
        case TypeOID.numeric:
            return try rows.withValue(index, column) { raw throws(PostgresError) in try Numeric.decimalText(raw) }
        case TypeOID.bool:
            return try optionalBool(column).map { $0 ? "t" : "f" }
        default:
            throw mismatch(column, "text (type \(type) in a binary result: cast it to text in the SQL)")
        }
    }

    public func bytes(_ column: Int) throws(PostgresError) -> [UInt8] {
        guard let v = try optionalBytes(column) else { throw null(column) }
        return v
    }

    public func optionalBytes(_ column: Int) throws(PostgresError) -> [UInt8]? {
        try check(column)
        if rows.isNull(index, column) { return nil }
        guard rows.types[column] == TypeOID.bytea else { throw mismatch(column, "bytes (bytea)") }
        if rows.binary[column] { return try rows.withValue(index, column) { raw throws(PostgresError) in Array(raw) } }
        // Text form: `\x` and two hex digits a byte (bytea_output = hex, the default).
        let text = Array(try textValue(column).utf8)
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else {
            throw mismatch(column, "bytes in hex form (set bytea_output = hex)")
        }
        var out: [UInt8] = []
        out.reserveCapacity((text.count - 2) / 2)
        var i = 2
        while i < text.count {
            guard let hi = Self.hex(text[i]), let lo = Self.hex(text[i + 1]) else { throw mismatch(column, "hex bytes") }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private func textValue(_ column: Int) throws(PostgresError) -> String {
        try rows.withValue(index, column) { raw throws(PostgresError) in String(decoding: raw, as: UTF8.self) }
    }

    private func check(_ column: Int) throws(PostgresError) {
        guard column >= 0 && column < rows.columnCount else {
            throw PostgresError(.invalidColumn, message: "column \(column) of \(rows.columnCount)")
        }
    }

    private func null(_ column: Int) -> PostgresError {
        PostgresError(.invalidColumn, message: "column \(column) is NULL; read it as optional")
    }

    private func mismatch(_ column: Int, _ wanted: String) -> PostgresError {
        PostgresError(.invalidColumn, message: "column \(column) (type \(rows.types[column])) cannot be read as \(wanted)")
    }
}

extension UnsafeRawBufferPointer {
    fileprivate func bigEndian<T: FixedWidthInteger>(_: T.Type) -> T {
        T(bigEndian: loadUnaligned(as: T.self))
    }
}

/// PostgreSQL's binary `numeric`: a sign, a weight and base-10000 digits.
enum Numeric {
    /// The value in plain decimal text (`-12.5`, `NaN`, `Infinity`), which `Int64(_:)`
    /// and `Double(_:)` parse exactly.
    static func decimalText(_ raw: UnsafeRawBufferPointer) throws(PostgresError) -> String {
        guard raw.count >= 8 else { throw PostgresError(.invalidColumn, message: "a numeric of \(raw.count) bytes") }
        func int16(_ at: Int) -> Int {
            Int(Int16(bitPattern: UInt16(raw[at]) << 8 | UInt16(raw[at + 1])))
        }
        let ndigits = int16(0), weight = int16(2), sign = UInt16(raw[4]) << 8 | UInt16(raw[5])
        switch sign {
        case 0xC000: return "NaN"
        case 0xD000: return "Infinity"
        case 0xF000: return "-Infinity"
        default: break
        }
        guard ndigits >= 0, raw.count >= 8 + 2 * ndigits else {
            throw PostgresError(.invalidColumn, message: "a numeric of \(ndigits) digits in \(raw.count) bytes")
        }
        let digits = (0..<ndigits).map { int16(8 + 2 * $0) }
        func digit(at position: Int) -> Int { position >= 0 && position < ndigits ? digits[position] : 0 }
        var text = sign == 0x4000 ? "-" : ""
        if weight < 0 {
            text += "0"
        } else {
            text += String(digit(at: 0))
            for i in stride(from: 1, through: weight, by: 1) { text += pad(digit(at: i)) }
        }
        if ndigits > weight + 1 {
            text += "."
            for i in max(weight + 1, 0)..<ndigits {
                // Positions before the first stored digit (weight < -1) are zeros.
                if i == max(weight + 1, 0) { text += String(repeating: "0000", count: max(0, -weight - 1)) }
                text += pad(digit(at: i))
            }
        }
        return text
    }

    private static func pad(_ d: Int) -> String {
        let s = String(d)
        return String(repeating: "0", count: 4 - s.count) + s
    }
}
