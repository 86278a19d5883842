import Foundation

/// Place-name folding: the key under which every spelling of a city is looked up.
public enum PlaceName {
    /// Lowercases, strips diacritics (after canonical decomposition, so `Київ` and
    /// `Kijów` lose their marks too), removes apostrophes of every kind, folds `ё` to `е`,
    /// and turns runs of whitespace and hyphens into one space. Cyrillic stays Cyrillic.
    public static func fold(_ name: String) -> String {
        foldASCII(name) ?? foldScalars(name)
    }

    /// `fold` by Unicode scalars, for any name (`fold` takes a shortcut for ASCII).
    public static func foldScalars(_ name: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in name.decomposedStringWithCanonicalMapping.unicodeScalars {
            let props = scalar.properties
            if props.generalCategory == .nonspacingMark || props.generalCategory == .enclosingMark { continue }
            if apostrophes.contains(scalar) { continue }
            if props.isWhitespace || dashes.contains(scalar) {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            for lower in String(scalar).lowercased().unicodeScalars { out.append(lower) }
        }
        return String(out)
    }

    /// `fold` for a name of ASCII alone (most queries): the same result without Unicode
    /// normalisation. Nil for any other name.
    private static func foldASCII(_ name: String) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count)
        var pendingSpace = false
        for b in name.utf8 {
            switch b {
            case 0x80...: return nil
            case UInt8(ascii: "'"), UInt8(ascii: "`"): continue
            case 0x09...0x0D, UInt8(ascii: " "), UInt8(ascii: "-"): pendingSpace = !out.isEmpty
            default:
                if pendingSpace { out.append(UInt8(ascii: " ")); pendingSpace = false }
                out.append(b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b + 32 : b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let apostrophes: Set<Unicode.Scalar> = ["'", "\u{2019}", "\u{2018}", "\u{02BC}", "\u{02B9}", "`", "\u{00B4}", "\u{2032}"]
    private static let dashes: Set<Unicode.Scalar> = ["-", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}"]

    /// Edit distance with adjacent transpositions counted as one edit (optimal string
    /// alignment), so "Khrakiv" is one edit from "Kharkiv".
    public static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous2 = [Int](repeating: 0, count: y.count + 1)
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                var best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    best = min(best, previous2[j - 2] + 1)
                }
                current[j] = best
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[y.count]
    }
}

/// Every spelling of every city, folded, for lookups and suggestions. A value: build a
/// new one when cities or aliases change.
public struct Gazetteer: Sendable {
    public private(set) var cities: [Int64: City] = [:]
    private var byFoldedName: [String: Int64] = [:]
    /// Spellings that clashed while building (an alias already owned by another city).
    public private(set) var clashes: [String] = []

    public init(cities list: [City]) {
        for city in list.sorted(by: { $0.id < $1.id }) {
            cities[city.id] = city
            for spelling in [city.name] + city.aliases {
                let key = PlaceName.fold(spelling)
                if let owner = byFoldedName[key], owner != city.id { clashes.append(spelling); continue }
                byFoldedName[key] = city.id
            }
        }
    }

    /// The city for a name, an alias (any case, diacritics, apostrophes) or an id.
    public func city(named name: CityName) -> City? {
        switch name {
        case .id(let id): return cities[id]
        case .name(let text): return byFoldedName[PlaceName.fold(text)].flatMap { cities[$0] }
        }
    }

    /// The city that already owns this spelling, if any.
    public func owner(of spelling: String) -> City? {
        byFoldedName[PlaceName.fold(spelling)].flatMap { cities[$0] }
    }

    /// Up to `limit` city names closest to an unknown spelling, best first.
    public func suggestions(for text: String, limit: Int = 5) -> [String] {
        let key = PlaceName.fold(text)
        guard !key.isEmpty else { return [] }
        var best: [Int64: Int] = [:]
        for (spelling, id) in byFoldedName {
            var d = PlaceName.distance(key, spelling)
            // A prefix of a longer name ("zapor") is a near miss, not a stranger.
            if spelling.hasPrefix(key), key.count >= 3 { d = min(d, 1) }
            if d < best[id] ?? .max { best[id] = d }
        }
        let threshold = max(2, key.count / 2)
        return best.filter { $0.value <= threshold }
            .sorted { ($0.value, cities[$0.key]!.name) < ($1.value, cities[$1.key]!.name) }
            .prefix(limit)
            .map { cities[$0.key]!.name }
    }

    /// Cities whose name or an alias contains the folded query (all when it is empty),
    /// by id.
    public func search(_ query: String) -> [City] {
        let key = PlaceName.fold(query)
        if key.isEmpty { return cities.values.sorted { $0.id < $1.id } }
        let ids = Set(byFoldedName.filter { $0.key.contains(key) }.map(\.value))
        return ids.sorted().compactMap { cities[$0] }
    }
}
