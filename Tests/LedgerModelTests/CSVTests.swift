import LedgerModel
import Testing

@Suite("CSV reader and writer")
struct CSVTests {
    /// Reads every record, the input handed over `chunk` bytes at a time (record and quote
    /// boundaries fall anywhere in a chunk).
    func records(_ text: String, chunk: Int = 3) throws -> [CSVRecord] {
        try records(Array(text.utf8), chunk: chunk)
    }

    func records(_ bytes: [UInt8], chunk: Int = 3) throws -> [CSVRecord] {
        var offset = 0
        let reader = CSVReader {
            defer { offset += chunk }
            return offset < bytes.count ? Array(bytes[offset..<min(bytes.count, offset + chunk)]) : []
        }
        var out: [CSVRecord] = []
        while let r = try reader.next() { out.append(r) }
        return out
    }

    @Test func writerQuotesOnlyWhatMustBe() {
        #expect(CSV.line(["a", "b c", ""]) == "a,b c,\r\n")
        #expect(CSV.line(["1,2", "say \"hi\"", "two\nlines", "cr\r"]) == "\"1,2\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\"\r\n")
        #expect(CSV.line(["Київ", "Харків, Одеса"]) == "Київ,\"Харків, Одеса\"\r\n")
    }

    @Test(arguments: [1, 2, 3, 7, 4096]) func readerRoundTripsWhatTheWriterWrites(chunk: Int) throws {
        let rows: [[String]] = [
            ["id", "note", "city"],
            ["1", "plain", "Kyiv"],
            ["2", "comma, inside", "Київ"],
            ["3", "quote \" inside and \"\"two\"\"", "Харків"],
            ["4", "multi\nline\r\nnote", ""],
            ["5", "", ""],
            ["6", String(repeating: "long note with, commas and \"quotes\" — і кирилиця. ", count: 4000), "Odesa"],
        ]
        var bytes: [UInt8] = []
        for r in rows { CSV.appendRecord(r, to: &bytes) }
        let read = try records(bytes, chunk: chunk)
        #expect(read.map(\.fields) == rows)
        #expect(read.map(\.line) == [1, 2, 3, 4, 5, 8, 9], "a record's line is where it starts; line breaks in quotes count")
    }

    @Test func bomCRLFAndLFAndBlankLines() throws {
        let text = "\u{FEFF}city,killed\r\nKyiv,3\n\nKharkiv,\r\n,\r\n"
        let read = try records(text)
        #expect(read.map(\.fields) == [["city", "killed"], ["Kyiv", "3"], ["Kharkiv", ""], ["", ""]])
        #expect(read.map(\.line) == [1, 2, 4, 5])
    }

    @Test func noFinalLineBreak() throws {
        #expect(try records("a,b\n1,2").map(\.fields) == [["a", "b"], ["1", "2"]])
        #expect(try records("a,\"b\"").map(\.fields) == [["a", "b"]])
        #expect(try records("").isEmpty)
    }

    @Test func malformedInputIsRefusedWithItsLine() throws {
        #expect(throws: CSVError(line: 2, reason: "a quoted field is not closed before the end of the input")) {
            _ = try records("a,b\n1,\"open\n2,3\n")
        }
        #expect(throws: CSVError(line: 1, reason: "field 2 has text after its closing quote")) {
            _ = try records("a,\"b\"c\n")
        }
        #expect(throws: CSVError(line: 2, reason: "field 1 has a quote inside an unquoted field")) {
            _ = try records("a\nb\"c\n")
        }
        #expect(throws: CSVError(line: 1, reason: "field 1 is not valid UTF-8")) {
            _ = try records([0x61, 0xFF, 0x0A])
        }
    }

    @Test func aFieldLongerThanTheLimitIsRefused() throws {
        let long = CSVReader(bytes: Array(("a," + String(repeating: "x", count: 2_000_000) + "\n").utf8))
        #expect(throws: CSVError.self) { _ = try long.next() }
    }

    @Test func geoJSONFeaturesAreSplitOneByOne() throws {
        let doc = """
            {"type": "FeatureCollection", "bbox": [1, 2, 3, 4],
             "features": [
              {"type": "Feature", "geometry": {"type": "Point", "coordinates": [30.5, 50.4]}, "properties": {"note": "a } and ] in a \\"string\\""}},
              {"type": "Feature", "geometry": null, "properties": {"city": "Київ"}}
             ]}
            """
        var offset = 0
        let bytes = Array(doc.utf8)
        let reader = GeoJSONFeatureReader {
            defer { offset += 5 }
            return offset < bytes.count ? Array(bytes[offset..<min(bytes.count, offset + 5)]) : []
        }
        var features: [(String, Int)] = []
        while let (f, line) = try reader.next() { features.append((String(decoding: f, as: UTF8.self), line)) }
        #expect(features.count == 2)
        #expect(features.map(\.1) == [3, 4])
        #expect(features.first?.0.hasSuffix(#""string\""}}"#) == true)
        #expect(throws: CSVError.self) {
            let r = GeoJSONFeatureReader(source: { [] })
            _ = try r.next()
        }
    }
}
