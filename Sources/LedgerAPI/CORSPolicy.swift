import HTTPTypes
import SocketHTTP

/// Which pages on other origins may read the API (`serve --cors-origin`), and the
/// fields that tell a browser so (the Fetch standard's CORS protocol).
///
/// With no origin configured it adds nothing and answers no preflight. With `*` every
/// answer carries `Access-Control-Allow-Origin: *`. With a list, an answer to a listed
/// `Origin` names that origin, and every answer carries `Vary: Origin`, so that a cache
/// never hands one origin's answer to another; an origin not listed gets no CORS field.
/// The fields are made once, at start, for each origin.
public struct CORSPolicy: Sendable {
    private enum Origins: Sendable {
        case none
        /// Any origin: the fields every answer carries.
        case any([HTTPField])
        /// The fields for each listed origin (lowercase), and for any other request.
        case listed([String: [HTTPField]], others: [HTTPField])
    }

    /// The request fields a page may send: every one the API reads.
    static let allowedHeaders = "Authorization, Content-Type, If-None-Match, If-Match, Idempotency-Key, Last-Event-ID"
    /// The answer fields a page may read besides the CORS-safelisted ones: `ETag` to
    /// revalidate, `Location` after a create, `Retry-After` after a 429 or 503.
    static let exposedHeaders = "ETag, Location, Retry-After"
    /// How long a browser may keep a preflight's answer, in seconds.
    static let maxAge = "600"

    private let origins: Origins

    /// - Parameter origins: `scheme://host[:port]` each, or `*`; empty for none.
    init(origins: [String]) {
        let exposed = HTTPField(name: .accessControlExposeHeaders, value: Self.exposedHeaders)
        if origins.isEmpty {
            self.origins = .none
        } else if origins.contains("*") {
            self.origins = .any([HTTPField(name: .accessControlAllowOrigin, value: "*"), exposed])
        } else {
            let vary = HTTPField(name: .vary, value: "Origin")
            var listed: [String: [HTTPField]] = [:]
            for origin in origins.compactMap(Self.normalized) {
                listed[origin] = [HTTPField(name: .accessControlAllowOrigin, value: origin), exposed, vary]
            }
            self.origins = .listed(listed, others: [vary])
        }
    }

    /// `Origin` as browsers send it, for a configured value: `scheme://host[:port]`,
    /// lowercase, no trailing slash; nil when it is not one.
    static func normalized(_ origin: String) -> String? {
        var value = origin.lowercased()
        if value.hasSuffix("/") { value.removeLast() }
        guard let range = value.range(of: "://") else { return nil }
        let scheme = value[..<range.lowerBound]
        let authority = value[range.upperBound...]
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }),
              !authority.isEmpty, !authority.contains(where: { "/?#@ ".contains($0) }) else { return nil }
        return value
    }

    /// Whether `value` is an origin a browser could send, for checking configuration.
    public static func isOrigin(_ value: String) -> Bool { normalized(value) != nil }

    /// The fields every answer to `request` carries; nil when there are none.
    func fields(for request: HTTPRequest) -> [HTTPField]? {
        switch origins {
        case .none:
            return nil
        case .any(let fields):
            return fields
        case .listed(let listed, let others):
            let name = HTTPField.Name.origin
            guard let origin = request.headerFields.first(where: { $0.name == name })?.value else { return others }
            return listed[origin] ?? listed[origin.lowercased()] ?? others
        }
    }

    /// The answer to a CORS preflight (`OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method`) from an allowed origin to a known route: 204 with
    /// the route's methods and the headers a page may send. Nil for anything else, which
    /// then goes the way any `OPTIONS` goes (405 with `Allow`).
    func preflight(_ request: Request) -> Response? {
        guard request.head.method == .options,
              request.head.headerFields[.accessControlRequestMethod] != nil,
              let allowed = fields(for: request.head),
              allowed.contains(where: { $0.name == .accessControlAllowOrigin }),
              let route = Route(path: request.path) else { return nil }
        var fields = HTTPFields(allowed.filter { $0.name != .accessControlExposeHeaders })
        fields[.accessControlAllowMethods] = route.methods.map(\.rawValue).joined(separator: ", ")
        fields[.accessControlAllowHeaders] = Self.allowedHeaders
        fields[.accessControlMaxAge] = Self.maxAge
        return Response(head: HTTPResponse(status: .noContent, headerFields: fields))
    }
}

extension Response {
    /// The response with `fields` added (`Vary` merged into any it has).
    func adding(_ fields: [HTTPField]?) -> Response {
        guard let fields else { return self }
        var response = self
        response.head.headerFields.add(fields)
        return response
    }
}

extension HTTPResponse {
    func adding(_ fields: [HTTPField]?) -> HTTPResponse {
        guard let fields else { return self }
        var head = self
        head.headerFields.add(fields)
        return head
    }
}

extension HTTPFields {
    mutating func add(_ fields: [HTTPField]) {
        guard contains(.vary) else {
            append(contentsOf: fields)
            return
        }
        for field in fields {
            if field.name == .vary {
                OutputFilters.addVary(field.value, to: &self)
            } else {
                self[field.name] = field.value
            }
        }
    }
}
