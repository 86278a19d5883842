import LedgerModel

extension RelationalStore {
    /// Every city and spelling, folded for lookups. Cheap: a copy of an in-memory value.
    public var gazetteer: Gazetteer { gazetteerCache.gazetteer }

    static func fetchCities(_ db: any SQLSession) throws -> [City] {
        var aliases: [Int64: [String]] = [:]
        // In the order the aliases were added.
        for row in try db.rows("SELECT city_id, alias FROM city_aliases ORDER BY rowid") {
            aliases[row["city_id"], default: []].append(row["alias"])
        }
        return try db.rows("SELECT * FROM cities ORDER BY id").map { row in
            City(id: row["id"], name: row["name"], country: row["country"], region: row["region"],
                 timezone: row["timezone"], latitude: row["latitude"], longitude: row["longitude"],
                 aliases: aliases[row["id"]] ?? [])
        }
    }

    static func fetchCity(_ id: Int64, _ db: any SQLSession) throws -> City {
        guard let city = try fetchCities(db).first(where: { $0.id == id }) else { throw StoreError.notFound("city \(id)") }
        return city
    }

    /// The city a request names, or a 422 on `field` with suggestions.
    public func resolveCity(_ name: CityName, field: String) throws(StoreError) -> City {
        let g = gazetteer
        if let city = g.city(named: name) { return city }
        switch name {
        case .id(let id):
            throw .invalid(ValidationError(field: field, "no city has id \(id)"))
        case .name(let text):
            throw .invalid(ValidationError(field: field, "unknown city \"\(text)\"", suggestions: g.suggestions(for: text)))
        }
    }

    /// Adds a city with its aliases (admin). 409 when a spelling belongs to another city.
    public func addCity(_ new: NewCity, keeping keeper: AnswerKeeper<City>?) throws(StoreError) -> City {
        let now = self.now
        let id: Int64 = try write { db in
            // Checked inside the write transaction, against what is committed, so two
            // requests at once cannot both claim one spelling.
            let g = Gazetteer(cities: try Self.fetchCities(db))
            var clashes: [String] = []
            for spelling in [new.name] + new.aliases {
                if let owner = g.owner(of: spelling) { clashes.append("\"\(spelling)\" is already a spelling of \(owner.name)") }
            }
            if !clashes.isEmpty { throw StoreError.conflict(clashes.joined(separator: "; ")) }
            let id = try Self.nextID(of: "cities", db)
            try db.execute("""
                INSERT INTO cities (id, name, country, region, timezone, latitude, longitude) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [id, new.name, new.country, new.region, new.timezone, new.latitude, new.longitude])
            var seen = Set([PlaceName.fold(new.name)])
            for alias in new.aliases where seen.insert(PlaceName.fold(alias)).inserted {
                try db.execute("INSERT INTO city_aliases (city_id, alias) VALUES (?, ?)", [id, alias])
            }
            if let keeper { try keeper.keep(try Self.fetchCity(id, db), now: now, db) }
            return id
        }
        try reloadGazetteer()
        return gazetteer.cities[id]!
    }

    /// Adds a spelling to a city (editor). 409 when another city owns it; a spelling the
    /// city already has (in any case or accents) changes nothing.
    public func addAlias(_ alias: String, toCity id: Int64, keeping keeper: AnswerKeeper<City>?) throws(StoreError) -> City {
        let now = self.now
        let changed: Bool = try write { db in
            let g = Gazetteer(cities: try Self.fetchCities(db))
            guard g.cities[id] != nil else { throw StoreError.notFound("city \(id)") }
            if let owner = g.owner(of: alias) {
                if owner.id != id { throw StoreError.conflict("\"\(alias)\" is already a spelling of \(owner.name)") }
                if let keeper { try keeper.keep(try Self.fetchCity(id, db), now: now, db) }
                return false
            }
            try db.execute("INSERT INTO city_aliases (city_id, alias) VALUES (?, ?)", [id, alias])
            if let keeper { try keeper.keep(try Self.fetchCity(id, db), now: now, db) }
            return true
        }
        if changed { try reloadGazetteer() }
        return gazetteer.cities[id]!
    }
}
