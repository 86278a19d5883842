import Foundation
import Testing

/// The live page over a real socket: HTML with its policy and tag, its files, revalidation, gzip.
@Suite("Live page over HTTP")
struct LivePageEndToEndTests {
    let fixture = Shared.fixture

    @Test("GET / is the page with a Content-Security-Policy and an ETag; its files are served")
    func pageAndFiles() throws {
        let client = fixture.server.client()
        let page = try client.get("/")
        #expect(page.status == 200)
        #expect(page.header("Content-Type") == "text/html; charset=utf-8")
        #expect(page.header("Content-Security-Policy")?.hasPrefix("default-src 'self'") == true)
        let etag = try #require(page.header("ETag"))
        #expect(page.text.contains(#"<script src="/assets/page.js" defer></script>"#))
        #expect(try client.get("/", headers: [("If-None-Match", etag)]).status == 304)
        let compressed = try client.get("/", headers: [("Accept-Encoding", "gzip")])
        #expect(compressed.header("Content-Encoding") == "gzip" && gunzip(compressed.body) == page.body)

        var weight = page.body.count
        for (name, type) in [("page.js", "text/javascript"), ("page.css", "text/css"), ("icon.svg", "image/svg+xml")] {
            let file = try client.get("/assets/\(name)")
            #expect(file.status == 200, "\(name)")
            #expect(file.header("Content-Type")?.hasPrefix(type) == true, "\(name)")
            let tag = try #require(file.header("ETag"), "\(name)")
            #expect(try client.get("/assets/\(name)", headers: [("If-None-Match", tag)]).status == 304, "\(name)")
            weight += file.body.count
        }
        #expect(weight < 100_000, "the whole page weighs \(weight) bytes")
        #expect(try client.get("/assets/nothing.css").status == 404)
    }
}
