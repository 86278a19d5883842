import LedgerModel
import Testing

@Suite("PlaceName.fold")
struct PlaceNameFoldTests {
    @Test(arguments: [
        ("Kyiv", "kyiv"), ("KYIV", "kyiv"), ("kYiV", "kyiv"),
        ("Kijów", "kijow"), ("Járkov", "jarkov"), ("Charków", "charkow"), ("Zaporižžja", "zaporizzja"),
        ("Khmel'nyts'kyi", "khmelnytskyi"),          // ASCII apostrophe
        ("Khmel’nyts’kyi", "khmelnytskyi"),          // U+2019 right single quotation mark
        ("Khmelʼnytsʼkyi", "khmelnytskyi"),          // U+02BC modifier letter apostrophe
        ("Khmel‘nyts‘kyi", "khmelnytskyi"),          // U+2018
        ("Khmel`nyts`kyi", "khmelnytskyi"),          // backtick
        ("Kryvyi Rih", "kryvyi rih"), ("Kryvyi-Rih", "kryvyi rih"), ("Kryvyi  Rih", "kryvyi rih"),
        ("Kryvyi – Rih", "kryvyi rih"), ("Kryvyi\tRih", "kryvyi rih"), ("  Kryvyi Rih  ", "kryvyi rih"),
        ("Kryvyi—Rih", "kryvyi rih"), ("-Kyiv-", "kyiv"),
        ("", ""), ("   ", ""),
    ])
    func folds(input: String, expected: String) {
        #expect(PlaceName.fold(input) == expected)
    }

    @Test func theASCIIShortcutFoldsAsTheUnicodePathDoes() {
        var names = (0..<128).map { String(UnicodeScalar(UInt8($0))) }
        names += ["  A-b\t\u{0B}C'`d\u{1F}E\u{7F} ", "Kryvyi - Rih", "--", "O'Neil", "ABC xyz 123 _.~"]
        for name in names {
            #expect(PlaceName.fold(name) == PlaceName.foldScalars(name), "\(Array(name.utf8))")
        }
    }

    @Test func cyrillicStaysCyrillic() {
        let folded = PlaceName.fold("Київ")
        #expect(!folded.isEmpty)
        #expect(folded.unicodeScalars.allSatisfy { (0x0400...0x04FF).contains($0.value) })
        #expect(folded == PlaceName.fold("КИЇВ"))
        #expect(folded != PlaceName.fold("Kyiv"))
        #expect(PlaceName.fold("Харків") == "харків")
        #expect(PlaceName.fold("ОДЕСА") == "одеса")
        #expect(PlaceName.fold("Кривий Ріг") == PlaceName.fold("кривий-ріг"))
        #expect(PlaceName.fold("Хмельницький") == PlaceName.fold("ХМЕЛЬНИЦЬКИЙ"))
        #expect(PlaceName.fold("Хмельницький").unicodeScalars.allSatisfy { (0x0400...0x04FF).contains($0.value) })
    }

    @Test func yoFoldsToYe() {
        #expect(PlaceName.fold("Орёл") == PlaceName.fold("Орел"))
        #expect(PlaceName.fold("Орёл") == "орел")
    }

    @Test func precomposedAndDecomposedAreOne() {
        #expect(PlaceName.fold("Kij\u{00F3}w") == PlaceName.fold("Kijo\u{0301}w"))
        #expect(PlaceName.fold("Ки\u{0457}в") == PlaceName.fold("Ки\u{0456}\u{0308}в"))
    }

    @Test func distance() {
        #expect(PlaceName.distance("khrakiv", "kharkiv") == 1)   // one transposition
        #expect(PlaceName.distance("kyiv", "kyiv") == 0)
        #expect(PlaceName.distance("", "abc") == 3)
        #expect(PlaceName.distance("abc", "") == 3)
        #expect(PlaceName.distance("kiev", "kyiv") == 2)
        #expect(PlaceName.distance("odessa", "odesa") == 1)
        #expect(PlaceName.distance("sumy", "lviv") == 4)
    }
}

@Suite("Gazetteer")
struct GazetteerTests {
    static let cities: [City] = [
        City(id: 1, name: "Kyiv", country: "UA", region: "Kyiv", timezone: "Europe/Kyiv", latitude: 50.4501, longitude: 30.5234,
             aliases: ["Kiev", "Київ", "Киев", "Kijów", "Kiew"]),
        City(id: 2, name: "Kharkiv", country: "UA", region: "Kharkiv", timezone: "Europe/Kyiv", latitude: 49.9935, longitude: 36.2304,
             aliases: ["Kharkov", "Харків", "Харьков", "Charkiw", "Charków", "Járkov", "Jarkiv", "Kharkiw"]),
        City(id: 3, name: "Odesa", country: "UA", region: "Odesa", timezone: "Europe/Kyiv", latitude: 46.4825, longitude: 30.7233,
             aliases: ["Odessa", "Одеса", "Одесса"]),
        City(id: 4, name: "Sumy", country: "UA", region: "Sumy", timezone: "Europe/Kyiv", latitude: 50.9077, longitude: 34.7981,
             aliases: ["Суми", "Сумы"]),
        City(id: 5, name: "Kherson", country: "UA", region: "Kherson", timezone: "Europe/Kyiv", latitude: 46.6354, longitude: 32.6169,
             aliases: ["Херсон"]),
        City(id: 6, name: "Khmelnytskyi", country: "UA", region: "Khmelnytskyi", timezone: "Europe/Kyiv", latitude: 49.4229, longitude: 26.9871,
             aliases: ["Khmel'nyts'kyi", "Хмельницький", "Khmelnitsky"]),
        City(id: 7, name: "Kryvyi Rih", country: "UA", region: "Dnipropetrovsk", timezone: "Europe/Kyiv", latitude: 47.9105, longitude: 33.3918,
             aliases: ["Krivoy Rog", "Кривий Ріг", "Кривой Рог"]),
        City(id: 8, name: "Zaporizhzhia", country: "UA", region: "Zaporizhzhia", timezone: "Europe/Kyiv", latitude: 47.8388, longitude: 35.1396,
             aliases: ["Zaporozhye", "Запоріжжя"]),
        City(id: 9, name: "Lviv", country: "UA", region: "Lviv", timezone: "Europe/Kyiv", latitude: 49.8397, longitude: 24.0297,
             aliases: ["Lvov", "Львів", "Lwów", "Lemberg"]),
    ]
    static let gazetteer = Gazetteer(cities: cities)

    @Test(arguments: [
        ("Kyiv", Int64(1)), ("KYIV", 1), ("kiev", 1), ("Київ", 1), ("Киев", 1), ("КИЇВ", 1), ("Kijow", 1), ("kijów", 1), ("  Kiew ", 1),
        ("Kharkiv", 2), ("Jarkiv", 2), ("Járkov", 2), ("jarkov", 2), ("Charkow", 2), ("ХАРЬКОВ", 2),
        ("Odessa", 3), ("одесса", 3), ("Сумы", 4),
        ("Khmelʼnytsʼkyi", 6), ("Khmel’nyts’kyi", 6), ("khmelnytskyi", 6),
        ("Kryvyi-Rih", 7), ("kryvyi rih", 7), ("Krivoy-Rog", 7), ("кривий ріг", 7),
        ("lemberg", 9),
    ])
    func looksUpByNameOrAlias(name: String, id: Int64) {
        #expect(Self.gazetteer.city(named: .name(name))?.id == id)
        #expect(Self.gazetteer.owner(of: name)?.id == id)
    }

    @Test func looksUpById() {
        #expect(Self.gazetteer.city(named: .id(3))?.name == "Odesa")
        #expect(Self.gazetteer.city(named: .id(99)) == nil)
        #expect(Self.gazetteer.city(named: .id(0)) == nil)
        #expect(Self.gazetteer.cities.count == Self.cities.count)
    }

    @Test(arguments: ["Paris", "", "Kyivv", "Kharkiv Oblast", "Kyiv;", "1"])
    func unknownNamesFindNothing(name: String) {
        #expect(Self.gazetteer.city(named: .name(name)) == nil)
    }

    @Test func cityNameParsing() {
        #expect(CityName(parsing: "12") == .id(12))
        #expect(CityName(parsing: "Kyiv") == .name("Kyiv"))
        #expect(CityName(parsing: "0") == .name("0"))
        #expect(CityName(parsing: "-3") == .name("-3"))
        #expect(CityName(parsing: "12a") == .name("12a"))
    }

    @Test func suggestsKharkivFirstForKhrakiv() {
        let s = Self.gazetteer.suggestions(for: "Khrakiv")
        #expect(s.first == "Kharkiv")
        #expect(s.count <= 5)
        #expect(Set(s).count == s.count)
    }

    @Test(arguments: [
        ("Kharkof", "Kharkiv"), ("Kyyv", "Kyiv"), ("Odessaa", "Odesa"), ("Zapor", "Zaporizhzhia"), ("Sumi", "Sumy"),
        ("Khersn", "Kherson"), ("Khmelnytsky", "Khmelnytskyi"), ("Kryvyj Rih", "Kryvyi Rih"), ("Львов", "Lviv"),
        ("Харкив", "Kharkiv"),
    ])
    func suggestsTheClosestCityFirst(typo: String, best: String) {
        let s = Self.gazetteer.suggestions(for: typo)
        #expect(s.first == best)
        #expect(s.count <= 5)
    }

    @Test func suggestionsNameEachCityOnceByItsName() {
        // "Kharkiw" is an alias itself, and close to several other spellings of the same city.
        let s = Self.gazetteer.suggestions(for: "Kharkiww")
        #expect(s.filter { $0 == "Kharkiv" }.count == 1)
        #expect(s.allSatisfy { name in Self.cities.contains { $0.name == name } })
    }

    @Test func atMostFiveSuggestions() {
        let many = (1...9).map { i in
            City(id: Int64(i), name: "Ba" + ["r", "z", "t", "m", "p", "g", "y", "d", "n"][i - 1], country: "UA", region: nil,
                 timezone: "Europe/Kyiv", latitude: 0, longitude: 0)
        }
        let g = Gazetteer(cities: many)
        let s = g.suggestions(for: "Bax")
        #expect(s.count == 5)
        #expect(Set(s).isSubset(of: Set(many.map(\.name))))
        #expect(g.suggestions(for: "Bax", limit: 2).count == 2)
        #expect(g.suggestions(for: "Bax", limit: 5) == s)
    }

    @Test(arguments: ["Qwxzqwxzqwxz", "Zzzzzzzzzzzzzzz", "Buenos Aires", "xq", "", "   ", "'-'"])
    func nothingForGibberishFarFromEverything(text: String) {
        #expect(Self.gazetteer.suggestions(for: text).isEmpty)
    }

    @Test func searchMatchesSubstringsOfAnySpellingByID() {
        #expect(Self.gazetteer.search("kh").map(\.id) == [2, 5, 6])
        #expect(Self.gazetteer.search("KH").map(\.id) == [2, 5, 6])
        #expect(Self.gazetteer.search("одес").map(\.name) == ["Odesa"])
        #expect(Self.gazetteer.search("ki").map(\.id) == [1, 2])          // Kiev, Kijów, Kharkiv, Kharkiw...
        #expect(Self.gazetteer.search("jarkov").map(\.name) == ["Kharkiv"])
        #expect(Self.gazetteer.search("rih").map(\.name) == ["Kryvyi Rih"])
        #expect(Self.gazetteer.search("vyi r").map(\.name) == ["Kryvyi Rih"])
        #expect(Self.gazetteer.search("nowhere").isEmpty)
    }

    @Test func emptySearchListsEveryCityByID() {
        #expect(Self.gazetteer.search("").map(\.id) == Array(1...9))
        #expect(Self.gazetteer.search("  ").map(\.id) == Array(1...9))
    }

    @Test func aliasOwnedByAnotherCityClashes() {
        let a = City(id: 2, name: "Alpha", country: "UA", region: nil, timezone: "Europe/Kyiv", latitude: 0, longitude: 0, aliases: ["Shared"])
        let b = City(id: 1, name: "Beta", country: "UA", region: nil, timezone: "Europe/Kyiv", latitude: 0, longitude: 0, aliases: ["SHARED", "Beta"])
        let g = Gazetteer(cities: [a, b])
        // Built in id order: Beta (1) owns "shared"; Alpha's spelling clashes.
        #expect(g.owner(of: "shared")?.name == "Beta")
        #expect(g.clashes == ["Shared"])
        #expect(g.city(named: .name("alpha"))?.id == 2)
        #expect(Self.gazetteer.clashes.isEmpty)
    }
}
