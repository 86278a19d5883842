import HTTPTypes
import LedgerModel

/// Every endpoint of API v1, matched from a request's path.
enum Route: Equatable {
    case health, readiness, metrics, openAPI
    /// The live page (`/`) and its files (`/assets/{file}`; an unknown file is 404).
    case page, pageAsset(String)
    case cities, city(Int64), cityAliases(Int64)
    case sources, source(Int64)
    case strikes, strike(Int64), strikeMerge(Int64), strikeRevisions(Int64)
    case revisionVoid(Int64)
    case reports
    case casualties
    case changes, changesStream
    case weapons
    case attacks, attack(Int64), attackRevisions(Int64), attackStrikes(Int64), attackRevisionVoid(Int64)
    case export(ExportFormat), imports
    case subscriptions, subscription(Int64), subscriptionSecret(Int64), subscriptionDeliveries(Int64)
    case deliveryRetry(subscription: Int64, event: Int64)

    /// The route for a path (percent-encoding untouched), or nil (404).
    init?(path: Substring) {
        // The busiest paths whole, before the general walk (whose split into an array of
        // parts cost ~9k instructions a request).
        switch path {
        case "/v1/casualties": self = .casualties; return
        case "/v1/changes": self = .changes; return
        case "/v1/reports": self = .reports; return
        case "/healthz": self = .health; return
        default: break
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.first == "", parts.count >= 2 else { return nil }
        let p = Array(parts.dropFirst())
        func id(_ s: Substring) -> Int64? {
            guard !s.isEmpty, s.utf8.count <= 18, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int64(s), v >= 1 else { return nil }
            return v
        }
        switch p.count {
        case 1:
            switch p[0] {
            case "healthz": self = .health
            case "readyz": self = .readiness
            case "metrics": self = .metrics
            case "openapi.json": self = .openAPI
            case "": self = .page
            default: return nil
            }
        case 2 where p[0] == "assets":
            self = .pageAsset(String(p[1]))
        case 2 where p[0] == "v1":
            switch p[1] {
            case "cities": self = .cities
            case "sources": self = .sources
            case "strikes": self = .strikes
            case "reports": self = .reports
            case "casualties": self = .casualties
            case "changes": self = .changes
            case "weapons": self = .weapons
            case "attacks": self = .attacks
            case "imports": self = .imports
            case "subscriptions": self = .subscriptions
            default: return nil
            }
        case 3 where p[0] == "v1":
            if p[1] == "changes" && p[2] == "stream" { self = .changesStream; return }
            if p[1] == "export" {
                switch p[2] {
                case "strikes.csv": self = .export(.csv)
                case "revisions.csv": self = .export(.revisions)
                case "strikes.geojson": self = .export(.geojson)
                case "strikes.acled.csv": self = .export(.acled)
                default: return nil
                }
                return
            }
            guard let n = id(p[2]) else { return nil }
            switch p[1] {
            case "cities": self = .city(n)
            case "sources": self = .source(n)
            case "strikes": self = .strike(n)
            case "attacks": self = .attack(n)
            case "subscriptions": self = .subscription(n)
            default: return nil
            }
        case 4 where p[0] == "v1":
            guard let n = id(p[2]) else { return nil }
            switch (p[1], p[3]) {
            case ("cities", "aliases"): self = .cityAliases(n)
            case ("strikes", "merge"): self = .strikeMerge(n)
            case ("strikes", "revisions"): self = .strikeRevisions(n)
            case ("revisions", "void"): self = .revisionVoid(n)
            case ("attacks", "revisions"): self = .attackRevisions(n)
            case ("attacks", "strikes"): self = .attackStrikes(n)
            case ("attack-revisions", "void"): self = .attackRevisionVoid(n)
            case ("subscriptions", "rotate-secret"): self = .subscriptionSecret(n)
            case ("subscriptions", "deliveries"): self = .subscriptionDeliveries(n)
            default: return nil
            }
        case 6 where p[0] == "v1" && p[1] == "subscriptions" && p[3] == "deliveries" && p[5] == "retry":
            guard let n = id(p[2]), let event = id(p[4]) else { return nil }
            self = .deliveryRetry(subscription: n, event: event)
        default:
            return nil
        }
    }

    /// The methods the route answers (GET implies HEAD).
    var methods: [HTTPRequest.Method] {
        switch self {
        case .health, .readiness, .metrics, .openAPI, .page, .pageAsset, .city, .source, .casualties, .changes, .changesStream,
             .weapons, .attack, .export, .subscriptionDeliveries:
            [.get, .head]
        case .cities, .sources, .strikes, .strikeRevisions, .attacks, .attackRevisions, .subscriptions: [.get, .head, .post]
        case .subscription: [.get, .head, .patch, .delete]
        case .subscriptionSecret, .deliveryRetry: [.post]
        case .strike: [.get, .head, .patch]
        case .cityAliases, .strikeMerge, .revisionVoid, .reports, .attackStrikes, .attackRevisionVoid, .imports: [.post]
        }
    }

    /// A label for metrics: the path pattern, never ids.
    var pattern: String {
        switch self {
        case .health: "/healthz"
        case .readiness: "/readyz"
        case .metrics: "/metrics"
        case .openAPI: "/openapi.json"
        case .page: "/"
        case .pageAsset: "/assets/{file}"
        case .cities: "/v1/cities"
        case .city: "/v1/cities/{id}"
        case .cityAliases: "/v1/cities/{id}/aliases"
        case .sources: "/v1/sources"
        case .source: "/v1/sources/{id}"
        case .strikes: "/v1/strikes"
        case .strike: "/v1/strikes/{id}"
        case .strikeMerge: "/v1/strikes/{id}/merge"
        case .strikeRevisions: "/v1/strikes/{id}/revisions"
        case .revisionVoid: "/v1/revisions/{seq}/void"
        case .reports: "/v1/reports"
        case .casualties: "/v1/casualties"
        case .changes: "/v1/changes"
        case .changesStream: "/v1/changes/stream"
        case .weapons: "/v1/weapons"
        case .attacks: "/v1/attacks"
        case .attack: "/v1/attacks/{id}"
        case .attackRevisions: "/v1/attacks/{id}/revisions"
        case .attackStrikes: "/v1/attacks/{id}/strikes"
        case .attackRevisionVoid: "/v1/attack-revisions/{seq}/void"
        case .export(let f): "/v1/export/" + f.fileName
        case .imports: "/v1/imports"
        case .subscriptions: "/v1/subscriptions"
        case .subscription: "/v1/subscriptions/{id}"
        case .subscriptionSecret: "/v1/subscriptions/{id}/rotate-secret"
        case .subscriptionDeliveries: "/v1/subscriptions/{id}/deliveries"
        case .deliveryRetry: "/v1/subscriptions/{id}/deliveries/{event}/retry"
        }
    }

    /// Operations endpoints stay public even with private reads, and so does the live page,
    /// which holds no data (it asks for a key, then reads the API with it).
    var isPublic: Bool {
        switch self {
        case .health, .readiness, .page, .pageAsset: true
        default: false
        }
    }

    /// Routes that need an admin key to read as well as to write: webhook subscriptions.
    var isAdminOnly: Bool {
        switch self {
        case .subscriptions, .subscription, .subscriptionSecret, .subscriptionDeliveries, .deliveryRetry: true
        default: false
        }
    }

    /// The subscription an id in the path names, if the route has one.
    var subscriptionId: Int64? {
        switch self {
        case .subscription(let id), .subscriptionSecret(let id), .subscriptionDeliveries(let id): id
        case .deliveryRetry(let id, _): id
        default: nil
        }
    }
}
