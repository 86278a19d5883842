import LedgerModel
import Testing

@Suite("JSONValue.parse")
struct JSONParseTests {
    func parse(_ text: String, maxDepth: Int = 64) throws(JSONSyntaxError) -> JSONValue {
        try JSONValue.parse(Array(text.utf8), maxDepth: maxDepth)
    }

    func refused(_ bytes: [UInt8], maxDepth: Int = 64) -> Bool {
        do { _ = try JSONValue.parse(bytes, maxDepth: maxDepth); return false } catch { return true }
    }

    @Test func scalars() throws {
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("0") == .integer(0))
        #expect(try parse("-0") == .integer(0))
        #expect(try parse("42") == .integer(42))
        #expect(try parse("-17") == .integer(-17))
        #expect(try parse("1.5") == .number(1.5))
        #expect(try parse("1.0") == .number(1.0))
        #expect(try parse("-0.25") == .number(-0.25))
        #expect(try parse("1e2") == .number(100))
        #expect(try parse("1E+2") == .number(100))
        #expect(try parse("25e-1") == .number(2.5))
        #expect(try parse("\"\"") == .string(""))
        #expect(try parse("\"Kyiv\"") == .string("Kyiv"))
        #expect(try parse(" \t\r\n 7 \n") == .integer(7))
    }

    @Test func bigIntegersBecomeNumbers() throws {
        #expect(try parse("9223372036854775807") == .integer(Int64.max))
        #expect(try parse("-9223372036854775808") == .integer(Int64.min))
        #expect(try parse("9223372036854775808") == .number(9_223_372_036_854_775_808.0))
        #expect(try parse("-9223372036854775809") == .number(-9_223_372_036_854_775_809.0))
        #expect(try parse("123456789012345678901234567890") == .number(1.2345678901234568e29))
        guard case .number = try parse("100000000000000000000") else { Issue.record("not a number"); return }
    }

    @Test func containers() throws {
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object([]))
        #expect(try parse("[ 1 , \"a\" , null , [ ] , { } ]") == .array([.integer(1), .string("a"), .null, .array([]), .object([])]))
        let v = try parse(#"{"city": "Kiev", "killed": 3, "weapons": [{"kind": "drone"}], "location": null}"#)
        #expect(keys(v) == ["city", "killed", "weapons", "location"])
        #expect(v["city"] == .string("Kiev"))
        #expect(v["killed"] == .integer(3))
        #expect(v["weapons"] == .array([.object([(key: "kind", value: .string("drone"))])]))
        #expect(v["location"] == .null)
        #expect(v["missing"] == nil)
        #expect(JSONValue.integer(1)["a"] == nil)
    }

    @Test func objectKeysKeepDocumentOrder() throws {
        let v = try parse(#"{"z": 1, "a": 2, "m": 3}"#)
        #expect(keys(v) == ["z", "a", "m"])
        #expect(v != (try parse(#"{"a": 2, "z": 1, "m": 3}"#)))
    }

    @Test(arguments: [
        (#""\u00e9""#, "é"), (#""\u00E9""#, "é"), (#""\u041a\u0438\u0457\u0432""#, "Київ"),
        (#""\ud83d\ude00""#, "😀"), (#""\uD83D\uDE00""#, "😀"), (#""\u0000""#, "\u{0}"), (#""\u001f""#, "\u{1F}"),
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"), (#""a\u0022b""#, "a\"b"),
        ("\"Київ 😀\"", "Київ 😀"), (#""\u2028""#, "\u{2028}"), (#""\uFFFF""#, "\u{FFFF}"),
        (#""\uDBFF\uDFFF""#, "\u{10FFFF}"),
    ])
    func stringEscapes(input: String, expected: String) throws {
        #expect(try parse(input) == .string(expected))
    }

    @Test(arguments: [
        // duplicate keys
        #"{"a": 1, "a": 2}"#, #"{"a": 1, "b": {"c": 1, "c": 1}}"#, #"{"a": 1, "\u0061": 2}"#,
        // trailing commas
        #"{"a": 1,}"#, "[1, 2,]", "[,]", "[1,,2]", "{,}",
        // leading zeros and malformed numbers
        "01", "-01", "[00]", "007", "-", "1.", ".5", "1e", "1e+", "+1", "0x10", "1.5.2", "--1", "NaN", "Infinity", "-Infinity", "1e400",
        // lone surrogates
        #""\uD800""#, #""\uDC00""#, #""\uD800\u0041""#, #""\uD800x""#, #""\uDE00\uD83D""#, #""\uD83D\uD83D""#,
        // bad escapes
        #""\x""#, #""\u12G4""#, #""\u12""#, #""\'""#, #""\U00e9""#,
        // structure
        "", "   ", "[", "]", "{", "}", "[1", "[1 2]", #"{"a" 1}"#, #"{"a":}"#, "{a: 1}", "{'a': 1}", "'a'", #"{"a": 1"#,
        #"{1: 2}"#, "1 2", "[] []", "tru", "nul", "True", "nulll", #""unterminated"#, #"{"a": 1} x"#,
        "// comment\n1", "/* c */ 1", "[1] // c",
    ])
    func refusesInvalidDocuments(input: String) {
        #expect(refused(Array(input.utf8)))
    }

    @Test(arguments: [UInt8(0x00), 0x01, 0x08, 0x09, 0x0A, 0x0D, 0x1F])
    func refusesRawControlCharactersInStrings(byte: UInt8) {
        #expect(refused([0x22, 0x61, byte, 0x62, 0x22]))
    }

    @Test func delIsAllowedRaw() throws {
        #expect(try JSONValue.parse([0x22, 0x7F, 0x22]) == .string("\u{7F}"))
    }

    @Test func refusesInvalidUTF8() {
        #expect(refused([0x22, 0xFF, 0x22]))
        #expect(refused([0x22, 0xC3, 0x22]))                 // truncated sequence
        #expect(refused([0x22, 0xED, 0xA0, 0x80, 0x22]))     // encoded surrogate
        #expect(refused([0x22, 0xC0, 0xAF, 0x22]))           // overlong
        #expect(refused([0xEF, 0xBB, 0xBF, 0x31]))           // byte order mark
        #expect(refused([0x31, 0x00]))                       // NUL after the value
    }

    @Test(arguments: [3, 15, 16, 17, 40])
    func aDuplicateKeyIsFoundAmongManyMembers(members: Int) throws {
        // Few members are looked through one by one, many are kept in a set: both find it,
        // early or late, and an object without one is read whole.
        let keys = (0..<members).map { "k\($0)" }
        let whole = "{" + keys.map { "\"\($0)\": 1" }.joined(separator: ", ")
        guard case .object(let read) = try parse(whole + "}") else { Issue.record("not an object"); return }
        #expect(read.count == members)
        for again in [keys[0], keys[members - 1], keys[members / 2]] {
            #expect(throws: JSONSyntaxError.self) { try self.parse(whole + ", \"\(again)\": 2}") }
        }
    }

    @Test func syntaxErrorsCarryAnOffset() {
        do {
            _ = try JSONValue.parse(Array(#"{"a": 1, "a": 2}"#.utf8))
            Issue.record("accepted a duplicate key")
        } catch {
            #expect(error.offset == 9)
            #expect(error.reason.contains("duplicate"))
            #expect(error.description.hasPrefix("invalid JSON at byte 9"))
        }
    }

    static func nested(_ depth: Int, inner: String = "") -> String {
        String(repeating: "[", count: depth) + inner + String(repeating: "]", count: depth)
    }

    @Test func nestingUpToMaxDepthIsAccepted() throws {
        _ = try parse(Self.nested(64))
        _ = try parse(Self.nested(64, inner: "1"))
        _ = try parse(Self.nested(3), maxDepth: 3)
        _ = try parse(#"{"a": {"b": {"c": 1}}}"#, maxDepth: 3)
        _ = try parse(#"{"a": [{"c": []}]}"#, maxDepth: 4)
    }

    @Test func nestingBeyondMaxDepthIsRefused() {
        #expect(refused(Array(Self.nested(65).utf8)))
        #expect(refused(Array(Self.nested(65, inner: "1").utf8)))
        #expect(refused(Array(Self.nested(4).utf8), maxDepth: 3))
        #expect(refused(Array(Self.nested(4, inner: "\"x\"").utf8), maxDepth: 3))
        #expect(refused(Array(#"{"a": {"b": {"c": {}}}}"#.utf8), maxDepth: 3))
        #expect(refused(Array(#"{"a": [{"c": []}]}"#.utf8), maxDepth: 3))
    }

    @Test func veryDeepNestingIsRefusedWithoutCrashing() {
        #expect(refused(Array(String(repeating: "[", count: 200_000).utf8)))
        #expect(refused(Array(String(repeating: #"{"a":"#, count: 100_000).utf8)))
    }

    @Test func typeNames() throws {
        #expect(try parse("1").typeName == "number")
        #expect(try parse("1.5").typeName == "number")
        #expect(try parse("\"a\"").typeName == "string")
        #expect(try parse("[]").typeName == "array")
        #expect(try parse("{}").typeName == "object")
        #expect(try parse("null").typeName == "null")
        #expect(try parse("true").typeName == "boolean")
    }
}

@Suite("JSONWriter")
struct JSONWriterTests {
    static func written(_ s: String) -> [UInt8] {
        var w = JSONWriter()
        w.string(s)
        return w.bytes
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        ("a\"b", #""a\"b""#),
        ("a\\b", #""a\\b""#),
        ("line\nbreak", #""line\nbreak""#),
        ("tab\there", #""tab\there""#),
        ("cr\r", #""cr\r""#),
        ("\u{0}", #""\u0000""#),
        ("\u{1}\u{1F}", #""\u0001\u001f""#),
        ("\u{8}\u{C}", #""\u0008\u000c""#),
        ("a/b", #""a/b""#),
        ("Київ", "\"Київ\""),
        ("😀", "\"😀\""),
    ])
    func escapes(input: String, expected: String) {
        #expect(text(Self.written(input)) == expected)
    }

    @Test(arguments: [
        "", "plain", "quote \" backslash \\ slash /", "\u{0}\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}\t\n\u{B}\u{C}\r\u{E}\u{F}",
        "\u{10}\u{11}\u{12}\u{13}\u{14}\u{15}\u{16}\u{17}\u{18}\u{19}\u{1A}\u{1B}\u{1C}\u{1D}\u{1E}\u{1F}\u{7F}",
        "Київ, Харків; Одеса", "Kijów Járkov", "😀 \u{10FFFF} \u{FFFF}", "\u{2028}\u{2029}", "\\u0041", "\"\\\"\\\\",
        "e\u{0301}", "</script>",
    ])
    func stringsRoundTripThroughTheParser(s: String) throws {
        let back = try JSONValue.parse(Self.written(s))
        #expect(back == .string(s))
    }

    @Test func documentsRoundTrip() throws {
        var w = JSONWriter()
        w.object { o in
            o.field("name", "Kyiv \"capital\"\n")
            o.field("killed", Int64(4))
            o.field("injured", nil as Int64?)
            o.field("latitude", 50.4501)
            o.field("whole", 30.0)
            o.field("ok", true)
            o.field("when", Timestamp(seconds: 0))
            o.field("date", CivilDate("2025-10-10"))
            o.field("none", nil as String?)
            o.key("list")
            o.array { a in a.int(1); a.string("two"); a.null(); a.bool(false); a.array { _ in }; a.object { _ in } }
        }
        let s = text(w.bytes)
        #expect(s == #"{"name":"Kyiv \"capital\"\n","killed":4,"injured":null,"latitude":50.4501,"whole":30,"ok":true,"when":"1970-01-01T00:00:00Z","date":"2025-10-10","none":null,"list":[1,"two",null,false,[],{}]}"#)
        let v = try JSONValue.parse(w.bytes)
        #expect(keys(v) == ["name", "killed", "injured", "latitude", "whole", "ok", "when", "date", "none", "list"])
        #expect(v["name"] == .string("Kyiv \"capital\"\n"))
        #expect(v["latitude"] == .number(50.4501))
    }

    @Test func aDocumentLargerThanItsFirstRoomIsWrittenWhole() throws {
        // The writer starts with room for 64 bytes: every kind of value crosses its end.
        let long = String(repeating: "Київ \"", count: 200)
        let escaped = String(repeating: "\u{1}", count: 500)
        var w = JSONWriter(capacity: 1)
        w.array { a in
            for i in 0..<300 {
                a.object { o in
                    o.field("n", Int64(i))
                    o.field("when", Timestamp(seconds: Int64(i) * 86_399))
                    o.field("date", CivilDate(daysSinceEpoch: Int64(i)))
                }
            }
            a.string(long)
            a.string(escaped)
            a.raw(Array(#"{"x":[1,2]}"#.utf8))
            a.int(UInt64.max)
            a.int(Int64.min)
        }
        let v = try JSONValue.parse(w.bytes)
        guard case .array(let items) = v else { Issue.record("not an array"); return }
        #expect(items.count == 305)
        #expect(items[299]["n"] == .integer(299))
        #expect(items[299]["when"] == .string(Timestamp(seconds: 299 * 86_399).rfc3339))
        #expect(items[300] == .string(long))
        #expect(items[301] == .string(escaped))
        #expect(text(w.bytes).hasSuffix(#",{"x":[1,2]},18446744073709551615,-9223372036854775808]"#))
        #expect(w.byteCount == w.bytes.count)
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"),
        (-62_135_596_800, "0001-01-01T00:00:00Z"),
        (-62_167_219_200, "0000-01-01T00:00:00Z"),
        (-62_198_755_200, "-1-01-01T00:00:00Z"),  // outside RFC 3339: as before, the year unpadded
        (253_402_300_799, "9999-12-31T23:59:59Z"),
        (253_402_300_800, "10000-01-01T00:00:00Z"),
    ])
    func instantsAtTheEdgesOfFourDigitYears(seconds: Int64, expected: String) {
        var w = JSONWriter()
        w.timestamp(Timestamp(seconds: seconds))
        #expect(text(w.bytes) == "\"" + expected + "\"")
        #expect(Timestamp(seconds: seconds).rfc3339 == expected)
    }

    @Test func nonFiniteDoublesAreWrittenAsNull() throws {
        var w = JSONWriter()
        w.array { a in a.double(.nan); a.double(.infinity); a.double(-1.5); a.double(1e20) }
        let v = try JSONValue.parse(w.bytes)
        #expect(v == .array([.null, .null, .number(-1.5), .number(1e20)]))
    }
}
