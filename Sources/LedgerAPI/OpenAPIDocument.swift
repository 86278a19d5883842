/// The OpenAPI 3.1 document of the HTTP API, served at `GET /openapi.json`.
///
/// It lives in `Resources/openapi.json`, a file of its own that editors, the validator
/// (`scripts/check-openapi.sh`) and client generators open directly; the build embeds it
/// byte for byte, so the server needs no file at run time.
enum OpenAPIDocument {
    /// The document as served: the bytes of `Resources/openapi.json`.
    static let bytes: [UInt8] = PackageResources.openapi_json
}
