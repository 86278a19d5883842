/// Who stated a figure: an official, a military unit, an emergency service, a newsroom…
public struct Source: Sendable, Equatable, JSONWritable {
    public enum Kind: String, Sendable, CaseIterable {
        case official, military, emergency_service, media, social, ngo, other
    }

    /// Admiralty-code source reliability, A (reliable) to F (cannot be judged).
    public enum Reliability: String, Sendable, CaseIterable {
        case A, B, C, D, E, F
    }

    public var id: Int64
    public var name: String
    public var kind: Kind
    public var url: String?
    public var reliability: Reliability?
    public var createdAt: Timestamp

    public init(id: Int64, name: String, kind: Kind, url: String?, reliability: Reliability?, createdAt: Timestamp) {
        self.id = id; self.name = name; self.kind = kind; self.url = url
        self.reliability = reliability; self.createdAt = createdAt
    }

    public var ref: SourceRef { SourceRef(id: id, name: name, kind: kind) }

    public func write(to json: inout JSONWriter) {
        json.object { o in
            o.field("id", id)
            o.field("name", name)
            o.field("kind", kind.rawValue)
            o.field("url", url)
            o.field("reliability", reliability?.rawValue)
            o.field("created_at", createdAt)
        }
    }
}

/// The short form of a source inside a revision.
public struct SourceRef: Sendable, Equatable, JSONWritable {
    public var id: Int64
    public var name: String
    public var kind: Source.Kind
    public init(id: Int64, name: String, kind: Source.Kind) { self.id = id; self.name = name; self.kind = kind }
    public func write(to json: inout JSONWriter) {
        json.object { o in o.field("id", id); o.field("name", name); o.field("kind", kind.rawValue) }
    }
}

/// A source as given in a request body. Sources with the same kind, name and url are one.
public struct NewSource: Sendable, Equatable {
    public var name: String
    public var kind: Source.Kind
    public var url: String?
    public var reliability: Source.Reliability?

    public init(name: String, kind: Source.Kind, url: String? = nil, reliability: Source.Reliability? = nil) {
        self.name = name; self.kind = kind; self.url = url; self.reliability = reliability
    }

    static let fields: Set<String> = ["name", "kind", "url", "reliability"]

    /// Reads a source object; errors are reported under `prefix` (e.g. `source.kind`).
    static func read(_ value: JSONValue, prefix: String, into outer: inout ObjectReader) -> NewSource? {
        guard var r = outer.nested(value, prefix: prefix, allowed: fields) else { return nil }
        let name = r.text("name", required: true, maxLength: 200)
        let kind = r.enumeration("kind", Source.Kind.self, required: true)
        let url = r.text("url", maxLength: 2000)
        let reliability = r.enumeration("reliability", Source.Reliability.self)
        outer.absorb(r)
        guard let name, let kind else { return nil }
        return NewSource(name: name, kind: kind, url: url, reliability: reliability)
    }

    public static func decode(_ body: JSONValue) throws(ValidationError) -> NewSource {
        var r = try ObjectReader(body, allowed: fields)
        let name = r.text("name", required: true, maxLength: 200)
        let kind = r.enumeration("kind", Source.Kind.self, required: true)
        let url = r.text("url", maxLength: 2000)
        let reliability = r.enumeration("reliability", Source.Reliability.self)
        try r.finish()
        return NewSource(name: name!, kind: kind!, url: url, reliability: reliability)
    }
}

/// A source named either by id or inline.
public enum SourceSpec: Sendable, Equatable {
    case id(Int64)
    case inline(NewSource)
}
