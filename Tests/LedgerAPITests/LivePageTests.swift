import Foundation
@testable import LedgerAPI
import Testing

/// The live page at `/` and its files, as the service answers them.
@Suite("Live page: /, its files, their headers")
struct LivePageTests {
    static let site = OpenAPIDocumentTests.packageRoot.appendingPathComponent("Sources/LedgerAPI/Resources/site")

    @Test func pageIsTheEmbeddedHTMLWithAStrictPolicy() throws {
        let ledger = try Ledger()
        let page = ledger.anonymous.get("/")
        #expect(page.status == 200)
        #expect(page.contentType == "text/html; charset=utf-8")
        #expect(page.body == Array(try Data(contentsOf: Self.site.appendingPathComponent("index.html"))))
        let policy = try #require(page.header("Content-Security-Policy"))
        #expect(policy.hasPrefix("default-src 'self'"))
        #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
        #expect(page.header("X-Content-Type-Options") == "nosniff")
        #expect(page.header("Cache-Control") == "no-cache")
        let etag = try #require(page.etag)
        #expect(ledger.anonymous.get("/", headers: ["If-None-Match": etag]).status == 304)
        let gzipped = ledger.anonymous.get("/", headers: ["Accept-Encoding": "gzip"])
        #expect(gzipped.header("Content-Encoding") == "gzip" && gzipped.etag == "W/" + etag)
        // HEAD, and a query parameter is refused as everywhere.
        #expect(ledger.anonymous.send(.head, "/").status == 200)
        expectProblem(ledger.anonymous.get("/?city=Kyiv"), 400)
    }

    @Test func everyLinkedFileIsServedAndNothingIsInline() throws {
        let ledger = try Ledger()
        let html = ledger.anonymous.get("/").text
        let linked = Set(html.matches(of: /(?:href|src)="\/assets\/([^"]+)"/).map { String($0.output.1) })
        #expect(linked == Set(LivePage.assets.keys), "the page links exactly the embedded files")
        for name in linked {
            let file = ledger.anonymous.get("/assets/\(name)")
            #expect(file.status == 200, "\(name)")
            #expect(file.body == Array(try Data(contentsOf: Self.site.appendingPathComponent(name))), "\(name) as it is")
            #expect(file.header("Content-Security-Policy")?.hasPrefix("default-src 'self'") == true)
            let etag = try #require(file.etag)
            #expect(ledger.anonymous.get("/assets/\(name)", headers: ["If-None-Match": etag]).status == 304)
        }
        #expect(ledger.anonymous.get("/assets/page.js").contentType == "text/javascript; charset=utf-8")
        #expect(ledger.anonymous.get("/assets/page.css").contentType == "text/css; charset=utf-8")
        expectProblem(ledger.anonymous.get("/assets/missing.js"), 404)
        expectProblem(ledger.anonymous.get("/assets/"), 404)
        expectProblem(ledger.anonymous.send(.post, "/", body: "{}"), 405)
        // No inline script, style or event handler: the policy would block them.
        #expect(html.firstMatch(of: /<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/) == nil)
        #expect(html.contains("<noscript>"))
    }

    @Test func theWholePageWeighsUnder100KB() throws {
        let ledger = try Ledger()
        let total = ledger.anonymous.get("/").body.count
            + LivePage.assets.keys.map { ledger.anonymous.get("/assets/\($0)").body.count }.reduce(0, +)
        #expect(total < 100_000, "\(total) bytes")
    }

    @Test func pageNeedsNoKeyOnAServerWithPrivateReads() throws {
        let ledger = try Ledger { $0.privateReads = true }
        #expect(ledger.anonymous.get("/").status == 200)
        #expect(ledger.anonymous.get("/assets/page.js").status == 200)
        expectProblem(ledger.anonymous.get("/v1/cities"), 401)
    }
}
