import HTTPTypes
import SocketHTTP

/// The live page at `GET /`: one HTML file, its style sheet and its script, embedded in
/// the binary from `Resources/site/` and served from memory.
///
/// Each file is answered with a strong `ETag` of its bytes and `Cache-Control: no-cache`,
/// so the server's output filters answer a revalidation with 304 and gzip the body (its
/// gzip form made once and kept). The page reads the API from its own origin only, and
/// says so to the browser with a strict `Content-Security-Policy`: no inline script or
/// style, nothing from another host.
enum LivePage {
    /// One embedded file, as served.
    struct File: Sendable {
        let contentType: String
        let bytes: [UInt8]
        let etag: String
        let gzip = GzipCache()

        init(_ contentType: String, _ bytes: [UInt8]) {
            self.contentType = contentType
            self.bytes = bytes
            self.etag = ETag.digest(bytes)
        }
    }

    static let contentSecurityPolicy =
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"

    /// `GET /`.
    static let html = File("text/html; charset=utf-8", PackageResources.index_html)

    /// `GET /assets/{file}`, by file name.
    static let assets: [String: File] = [
        "page.css": File("text/css; charset=utf-8", PackageResources.page_css),
        "page.js": File("text/javascript; charset=utf-8", PackageResources.page_js),
        "icon.svg": File("image/svg+xml", PackageResources.icon_svg),
    ]

    /// The answer for one of the page's files.
    static func response(_ file: File) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = file.contentType
        fields[.eTag] = file.etag
        fields[.cacheControl] = "no-cache"
        fields[.contentSecurityPolicy] = contentSecurityPolicy
        fields[.xContentTypeOptions] = "nosniff"
        fields[.referrerPolicy] = "no-referrer"
        return Response(head: HTTPResponse(status: .ok, headerFields: fields), body: file.bytes, gzipCache: file.gzip)
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
