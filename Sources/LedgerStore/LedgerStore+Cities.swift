import GRDB
import LedgerModel

extension LedgerStore {
    /// Every city and spelling, folded for lookups. Cheap: a copy of an in-memory value.
    public var gazetteer: Gazetteer { gazetteerCache.withLock { $0 } }

    func reloadGazetteer() throws {
        let cities = try pool.read { db in try Self.fetchCities(db) }
        let g = Gazetteer(cities: cities)
        if !g.clashes.isEmpty { logger.warning("gazetteer spellings owned by two cities: \(g.clashes)") }
        gazetteerCache.withLock { $0 = g }
    }

    static func fetchCities(_ db: Database) throws -> [City] {
        var aliases: [Int64: [String]] = [:]
        // city_aliases is WITHOUT ROWID (no rowid, no insertion order): order by its key.
        for row in try Row.fetchAll(db, sql: "SELECT city_id, alias FROM city_aliases ORDER BY city_id, alias") {
            aliases[row["city_id"], default: []].append(row["alias"])
        }
        return try Row.fetchAll(db, sql: "SELECT * FROM cities ORDER BY id").map { row in
            City(id: row["id"], name: row["name"], country: row["country"], region: row["region"],
                 timezone: row["timezone"], latitude: row["latitude"], longitude: row["longitude"],
                 aliases: aliases[row["id"]] ?? [])
        }
    }

    /// The city a request names, or a 422 on `field` with suggestions.
    public func resolveCity(_ name: CityName, field: String = "city") throws(StoreError) -> City {
        let g = gazetteer
        if let city = g.city(named: name) { return city }
        switch name {
        case .id(let id):
            throw .invalid(ValidationError(field: field, "no city has id \(id)"))
        case .name(let text):
            throw .invalid(ValidationError(field: field, "unknown city \"\(text)\"", suggestions: g.suggestions(for: text)))
        }
    }

    /// Adds a city with its aliases (admin).
    public func addCity(_ new: NewCity) throws(StoreError) -> City {
        let g = gazetteer
        var errors: [FieldError] = []
        if let owner = g.owner(of: new.name) { errors.append(FieldError(field: "name", message: "is already a spelling of \(owner.name)")) }
        for (i, alias) in new.aliases.enumerated() {
            if let owner = g.owner(of: alias) { errors.append(FieldError(field: "aliases[\(i)]", message: "is already a spelling of \(owner.name)")) }
        }
        if !errors.isEmpty { throw .conflict(errors.map { "\($0.field) \($0.message)" }.joined(separator: "; ")) }
        let id: Int64 = try write { db in
            try db.execute(sql: "INSERT INTO cities (name, country, region, timezone, latitude, longitude) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [new.name, new.country, new.region, new.timezone, new.latitude, new.longitude])
            let id = db.lastInsertedRowID
            var seen = Set([PlaceName.fold(new.name)])
            for alias in new.aliases where seen.insert(PlaceName.fold(alias)).inserted {
                try db.execute(sql: "INSERT INTO city_aliases (city_id, alias) VALUES (?, ?)", arguments: [id, alias])
            }
            return id
        }
        try refreshGazetteer()
        return gazetteer.cities[id]!
    }

    /// Adds a spelling to a city (editor). 409 when another city owns it.
    public func addAlias(_ alias: String, toCity id: Int64) throws(StoreError) -> City {
        let g = gazetteer
        guard let city = g.cities[id] else { throw .notFound("city \(id)") }
        if let owner = g.owner(of: alias) {
            if owner.id != id { throw .conflict("\"\(alias)\" is already a spelling of \(owner.name)") }
            // Already a spelling of this city, up to case, diacritics and apostrophes: a
            // near-duplicate ("kiev" beside "Kiev") would add nothing but noise.
            return city
        }
        try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO city_aliases (city_id, alias) VALUES (?, ?)", arguments: [id, alias])
        }
        try refreshGazetteer()
        return gazetteer.cities[id]!
    }

    private func refreshGazetteer() throws(StoreError) {
        do { try reloadGazetteer() } catch { throw .database("\(error)") }
    }
}
