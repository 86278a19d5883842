import LedgerModel
import Testing

/// An instant from RFC 3339 text that the test knows to be valid.
func ts(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Timestamp {
    guard let t = Timestamp(rfc3339: text) else {
        Issue.record("not a valid instant: \(text)", sourceLocation: sourceLocation)
        return Timestamp(seconds: 0)
    }
    return t
}

/// A date from `YYYY-MM-DD` that the test knows to be valid.
func day(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> CivilDate {
    guard let d = CivilDate(text) else {
        Issue.record("not a valid date: \(text)", sourceLocation: sourceLocation)
        return CivilDate(daysSinceEpoch: 0)
    }
    return d
}

/// Parses JSON text that the test knows to be valid.
func json(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue {
    do { return try JSONValue.parse(Array(text.utf8)) } catch {
        Issue.record("invalid JSON in test: \(error)", sourceLocation: sourceLocation)
        return .null
    }
}

/// The field errors a decoder throws; empty when it accepts the body.
func fieldErrors<T>(_ decode: () throws(ValidationError) -> T) -> [FieldError] {
    do { _ = try decode(); return [] } catch { return error.errors }
}

/// The value a decoder returns; records an issue and returns nil when it refuses.
func decoded<T>(_ decode: () throws(ValidationError) -> T, sourceLocation: SourceLocation = #_sourceLocation) -> T? {
    do { return try decode() } catch {
        Issue.record("refused: \(error.errors)", sourceLocation: sourceLocation)
        return nil
    }
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// The keys of a JSON object, in document order.
func keys(_ value: JSONValue) -> [String] {
    guard case .object(let members) = value else { return [] }
    return members.map(\.key)
}

/// The "now" that decoders are judged against in these tests.
let now = Timestamp(rfc3339: "2025-10-10T08:00:00Z")!
