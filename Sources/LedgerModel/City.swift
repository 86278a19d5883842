/// A city in the gazetteer: where strikes happen, and whose time zone dates them.
public struct City: Sendable, Equatable, JSONWritable {
    public var id: Int64
    public var name: String
    /// ISO 3166-1 alpha-2.
    public var country: String
    public var region: String?
    /// IANA time zone name, e.g. `Europe/Kyiv`.
    public var timezone: String
    public var latitude: Double
    public var longitude: Double
    /// Other spellings, in the order they were added.
    public var aliases: [String]

    public init(id: Int64, name: String, country: String, region: String?, timezone: String,
                latitude: Double, longitude: Double, aliases: [String] = []) {
        self.id = id; self.name = name; self.country = country; self.region = region
        self.timezone = timezone; self.latitude = latitude; self.longitude = longitude; self.aliases = aliases
    }

    public var ref: CityRef { CityRef(id: id, name: name) }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("id", id)
            o.field("name", name)
            o.field("country", country)
            o.field("region", region)
            o.field("timezone", timezone)
            o.field("latitude", latitude)
            o.field("longitude", longitude)
            o.key("aliases")
            o.array { a in for alias in aliases { a.string(alias) } }
        }
    }
}

/// The short form of a city inside other resources: `{"id": 1, "name": "Kyiv"}`.
public struct CityRef: Sendable, Equatable, Hashable, JSONWritable {
    public var id: Int64
    public var name: String
    public init(id: Int64, name: String) { self.id = id; self.name = name }
    public func write(to json: inout JSONWriter) {
        json.object { o in o.field("id", id); o.field("name", name) }
    }
}

/// A city to be added (`POST /v1/cities`).
public struct NewCity: Sendable, Equatable {
    public var name: String
    public var country: String
    public var region: String?
    public var timezone: String
    public var latitude: Double
    public var longitude: Double
    public var aliases: [String]

    public init(name: String, country: String, region: String?, timezone: String,
                latitude: Double, longitude: Double, aliases: [String]) {
        self.name = name; self.country = country; self.region = region; self.timezone = timezone
        self.latitude = latitude; self.longitude = longitude; self.aliases = aliases
    }

    public static func decode(_ body: JSONValue) throws(ValidationError) -> NewCity {
        var r = try ObjectReader(body, allowed: ["name", "country", "region", "timezone", "latitude", "longitude", "aliases"])
        let name = r.text("name", required: true, maxLength: 200)
        let country = r.text("country", required: true, maxLength: 2)
        if let country, !(country.count == 2 && country.allSatisfy({ $0.isASCII && $0.isUppercase })) {
            r.fail("country", "must be an ISO 3166-1 alpha-2 code such as UA")
        }
        let region = r.text("region", maxLength: 200)
        let timezone = r.text("timezone", required: true, maxLength: 100)
        if let timezone, Zone(timezone) == nil { r.fail("timezone", "must be an IANA time zone such as Europe/Kyiv") }
        let latitude = r.double("latitude", required: true, range: -90...90)
        let longitude = r.double("longitude", required: true, range: -180...180)
        let aliases = r.stringList("aliases", maxLength: 200) ?? []
        try r.finish()
        return NewCity(name: name!, country: country!, region: region, timezone: timezone!,
                       latitude: latitude!, longitude: longitude!, aliases: aliases)
    }
}
