/// A value bound to a statement parameter (`$1`, `$2`, ...). Values are always sent
/// apart from the SQL text, never pasted into it.
///
/// The server decides each parameter's type when the statement is prepared (from the
/// context: `WHERE id = $1` makes `$1` a bigint); the value is then encoded for that
/// type. Integers, floats, booleans, text and bytes go in binary, exactly; a value sent
/// to a parameter of another type (a string for a `date`, an integer for a `numeric`)
/// goes as text, which the server parses as it would a literal.
public enum PostgresValue: Sendable, Equatable {
    case null
    case int64(Int64)
    case double(Double)
    case bool(Bool)
    case text(String)
    case bytes([UInt8])
    /// For `= ANY($1)`: one statement, and one prepared plan, for any number of ids.
    case int64Array([Int64])

    public init(_ value: Int64?) { self = value.map(PostgresValue.int64) ?? .null }
    public init(_ value: Int?) { self = value.map { .int64(Int64($0)) } ?? .null }
    public init(_ value: Double?) { self = value.map(PostgresValue.double) ?? .null }
    public init(_ value: Bool?) { self = value.map(PostgresValue.bool) ?? .null }
    public init(_ value: String?) { self = value.map(PostgresValue.text) ?? .null }
    public init(_ value: [UInt8]?) { self = value.map(PostgresValue.bytes) ?? .null }
    public init(_ value: [Int64]) { self = .int64Array(value) }
}

extension PostgresValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByStringLiteral, ExpressibleByNilLiteral
{
    public init(integerLiteral value: Int64) { self = .int64(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(nilLiteral: ()) { self = .null }
}

/// The type OIDs of PostgreSQL's built-in types that the client encodes and decodes
/// itself (from the server's `pg_type.dat`; they never change).
enum TypeOID {
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let char: UInt32 = 18
    static let name: UInt32 = 19
    static let int8: UInt32 = 20
    static let int2: UInt32 = 21
    static let int4: UInt32 = 23
    static let text: UInt32 = 25
    static let oid: UInt32 = 26
    static let json: UInt32 = 114
    static let float4: UInt32 = 700
    static let float8: UInt32 = 701
    static let unknown: UInt32 = 705
    static let bpchar: UInt32 = 1042
    static let varchar: UInt32 = 1043
    static let numeric: UInt32 = 1700

    /// Types whose binary form is their UTF-8 text.
    static let textual: Set<UInt32> = [text, varchar, bpchar, name, unknown, json, char]
}

/// One parameter, encoded: the bytes to send and whether they are binary (format 1)
/// or text (format 0).
struct EncodedParameter {
    var bytes: [UInt8]?
    var binary: Bool
}

extension PostgresValue {
    /// Encodes the value for a parameter of type `oid`; throws when it cannot fit.
    func encoded(for oid: UInt32, position: Int) throws(PostgresError) -> EncodedParameter {
        func refuse(_ why: String) -> PostgresError {
            PostgresError(.invalidParameter, message: "parameter $\(position): \(why)")
        }
        switch self {
        case .null:
            return EncodedParameter(bytes: nil, binary: false)
        case .int64(let v):
            switch oid {
            case TypeOID.int8: return .binary(bigEndian: UInt64(bitPattern: v))
            case TypeOID.int4:
                guard let narrow = Int32(exactly: v) else { throw refuse("\(v) does not fit an integer (int4)") }
                return .binary(bigEndian: UInt32(bitPattern: narrow))
            case TypeOID.int2:
                guard let narrow = Int16(exactly: v) else { throw refuse("\(v) does not fit a smallint") }
                return .binary(bigEndian: UInt16(bitPattern: narrow))
            case TypeOID.float8: return .binary(bigEndian: Double(v).bitPattern)
            case TypeOID.bytea: throw refuse("an integer is not bytes")
            default: return .text(String(v))
            }
        case .double(let v):
            switch oid {
            case TypeOID.float8: return .binary(bigEndian: v.bitPattern)
            case TypeOID.float4: return .binary(bigEndian: Float(v).bitPattern)
            case TypeOID.int8, TypeOID.int4, TypeOID.int2, TypeOID.bytea: throw refuse("\(v) is not an integer")
            default: return .text(Self.text(of: v))
            }
        case .bool(let v):
            switch oid {
            case TypeOID.bool: return EncodedParameter(bytes: [v ? 1 : 0], binary: true)
            case TypeOID.bytea: throw refuse("a boolean is not bytes")
            default: return .text(v ? "true" : "false")
            }
        case .text(let v):
            if oid == TypeOID.bytea { throw refuse("text is not bytes; bind .bytes") }
            if TypeOID.textual.contains(oid) {
                // Binary text carries its length, so a NUL byte reaches the server, which
                // refuses it (22021) instead of the text being cut short at it.
                return EncodedParameter(bytes: Array(v.utf8), binary: true)
            }
            if v.utf8.contains(0) { throw refuse("text with a NUL byte") }
            return .text(v)
        case .bytes(let v):
            guard oid == TypeOID.bytea else { throw refuse("bytes bound to a parameter that is not bytea (type \(oid))") }
            return EncodedParameter(bytes: v, binary: true)
        case .int64Array(let v):
            return .text("{" + v.map(String.init).joined(separator: ",") + "}")
        }
    }

    /// The text PostgreSQL parses back to the same double.
    static func text(of v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Infinity" : "Infinity" }
        return "\(v)"
    }
}

extension EncodedParameter {
    static func binary<T: FixedWidthInteger>(bigEndian value: T) -> EncodedParameter {
        withUnsafeBytes(of: value.bigEndian) { EncodedParameter(bytes: Array($0), binary: true) }
    }

    static func text(_ s: String) -> EncodedParameter { EncodedParameter(bytes: Array(s.utf8), binary: false) }
}
