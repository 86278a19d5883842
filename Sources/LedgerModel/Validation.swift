/// One field that breaks a rule, as the API reports it in a 422 problem's `errors`.
public struct FieldError: Sendable, Equatable, JSONWritable {
    public var field: String
    public var message: String
    /// Closest known names, best first (for an unknown city).
    public var suggestions: [String]?

    public init(field: String, message: String, suggestions: [String]? = nil) {
        self.field = field; self.message = message; self.suggestions = suggestions
    }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("field", field)
            o.field("message", message)
            if let suggestions {
                o.key("suggestions")
                o.array { a in for s in suggestions { a.string(s) } }
            }
        }
    }
}

/// Well-formed input that breaks one or more rules (HTTP 422).
public struct ValidationError: Error, Sendable, Equatable {
    public var errors: [FieldError]
    public init(_ errors: [FieldError]) { self.errors = errors }
    public init(field: String, _ message: String, suggestions: [String]? = nil) {
        self.errors = [FieldError(field: field, message: message, suggestions: suggestions)]
    }
}

/// Reads a JSON object field by field, collecting every broken rule instead of
/// stopping at the first, and refusing fields it does not know.
public struct ObjectReader: Sendable {
    /// The object's members as written; a key given twice counts with its last value.
    /// (Searched from the end: objects here have a few keys, and hashing each key to build
    /// a dictionary cost more than the searches, for an import's row after row.)
    private let members: [(key: String, value: JSONValue)]
    private let prefix: String
    public private(set) var errors: [FieldError] = []

    /// Fails at once when `value` is not an object; records unknown keys as errors.
    public init(_ value: JSONValue, allowed: Set<String>, prefix: String = "") throws(ValidationError) {
        guard case .object(let list) = value else {
            throw ValidationError(field: prefix.isEmpty ? "body" : prefix, "must be a JSON object")
        }
        self.prefix = prefix
        self.members = list
        for (k, _) in list where !allowed.contains(k) {
            errors.append(FieldError(field: path(k), message: "is not a known field"))
        }
    }

    private func path(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }

    /// True when the key is present, even with a null value.
    public func contains(_ key: String) -> Bool { member(key) != nil }

    /// The raw value of a present key.
    public func value(_ key: String) -> JSONValue? { member(key) }

    private func member(_ key: String) -> JSONValue? {
        members.last { $0.key == key }?.value
    }

    /// Records a broken rule on `key`.
    public mutating func fail(_ key: String, _ message: String, suggestions: [String]? = nil) {
        errors.append(FieldError(field: path(key), message: message, suggestions: suggestions))
    }

    /// Present and not null; records "is required" when `required` and it is missing.
    private mutating func present(_ key: String, required: Bool) -> JSONValue? {
        let found = member(key)
        guard let v = found, v != .null else {
            if required { fail(key, found == nil ? "is required" : "must not be null") }
            return nil
        }
        return v
    }

    /// A string of 1…maxLength characters after trimming surrounding whitespace.
    public mutating func text(_ key: String, required: Bool = false, maxLength: Int) -> String? {
        guard let v = present(key, required: required) else { return nil }
        guard case .string(let s) = v else { fail(key, "must be a string"); return nil }
        // No database stores U+0000 in text alike (PostgreSQL refuses it): refused for all.
        guard !s.utf8.contains(0) else { fail(key, "must not contain the character U+0000"); return nil }
        let trimmed = s.trimmingWhitespace()
        guard !trimmed.isEmpty else { fail(key, "must not be empty"); return nil }
        // A text has no more Characters than bytes: only a long one is counted.
        guard trimmed.utf8.count <= maxLength || trimmed.count <= maxLength else { fail(key, "must be at most \(maxLength) characters"); return nil }
        return trimmed
    }

    public mutating func int(_ key: String, required: Bool = false, range: ClosedRange<Int64>) -> Int64? {
        guard let v = present(key, required: required) else { return nil }
        let message = "must be an integer from \(range.lowerBound) to \(range.upperBound)"
        switch v {
        case .integer(let i) where range.contains(i): return i
        case .number(let d) where d == d.rounded() && d >= Double(range.lowerBound) && d <= Double(range.upperBound):
            return Int64(d)
        default: fail(key, message); return nil
        }
    }

    public mutating func double(_ key: String, required: Bool = false, range: ClosedRange<Double>) -> Double? {
        guard let v = present(key, required: required) else { return nil }
        let d: Double
        switch v {
        case .integer(let i): d = Double(i)
        case .number(let n): d = n
        default: fail(key, "must be a number from \(range.lowerBound) to \(range.upperBound)"); return nil
        }
        guard range.contains(d) else { fail(key, "must be a number from \(range.lowerBound) to \(range.upperBound)"); return nil }
        return d
    }

    public mutating func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, _: E.Type, required: Bool = false) -> E? where E.RawValue == String {
        guard let v = present(key, required: required) else { return nil }
        if case .string(let s) = v, let e = E(rawValue: s) { return e }
        fail(key, "must be one of " + E.allCases.map(\.rawValue).joined(separator: ", "))
        return nil
    }

    /// An RFC 3339 date-time; fractions of a second are dropped.
    public mutating func instant(_ key: String, required: Bool = false) -> Timestamp? {
        guard let v = present(key, required: required) else { return nil }
        if case .string(let s) = v, let t = Timestamp(rfc3339: s) { return t }
        fail(key, "must be an RFC 3339 date-time such as 2025-10-10T05:30:00+03:00")
        return nil
    }

    /// A positive integer id.
    public mutating func id(_ key: String, required: Bool = false) -> Int64? {
        guard let v = present(key, required: required) else { return nil }
        if let i = v.wholeNumber, i >= 1 { return i }
        fail(key, "must be a positive integer id")
        return nil
    }

    public mutating func stringList(_ key: String, maxLength: Int, maxCount: Int = 100) -> [String]? {
        guard let v = present(key, required: false) else { return nil }
        guard case .array(let items) = v, items.count <= maxCount else {
            fail(key, "must be an array of at most \(maxCount) strings"); return nil
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item, !s.trimmingWhitespace().isEmpty, s.count <= maxLength, !s.utf8.contains(0) else {
                fail("\(key)[\(i)]", "must be a non-empty string of at most \(maxLength) characters, without U+0000"); continue
            }
            out.append(s.trimmingWhitespace())
        }
        return out
    }

    /// A reader for a nested object, whose errors are reported under `prefix`;
    /// nil (with an error recorded) when the value is not an object.
    public mutating func nested(_ value: JSONValue, prefix key: String, allowed: Set<String>) -> ObjectReader? {
        do {
            return try ObjectReader(value, allowed: allowed, prefix: path(key))
        } catch {
            errors.append(contentsOf: error.errors)
            return nil
        }
    }

    /// Takes over the errors of a nested reader.
    public mutating func absorb(_ other: ObjectReader) { errors.append(contentsOf: other.errors) }

    /// Throws every broken rule recorded so far.
    public func finish() throws(ValidationError) {
        if !errors.isEmpty { throw ValidationError(errors) }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        // Most texts have none: an ASCII first and last byte that are not whitespace settle it.
        if let f = utf8.first, let l = utf8.last, f > 32, f < 0x7F, l > 32, l < 0x7F { return self }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}

extension JSONValue {
    /// An integer written either way JSON allows, `7` or `7.0` (JSON Schema counts both as
    /// integers, and so do `int` figures above); nil for fractions and anything else.
    var wholeNumber: Int64? {
        switch self {
        case .integer(let i): return i
        case .number(let d) where d == d.rounded() && abs(d) < 9.0e18: return Int64(d)
        default: return nil
        }
    }
}
