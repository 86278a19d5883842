// swift-tools-version:6.1
import PackageDescription

/// The SQL migrations, embedded in the binary so the server finds its schema from any
/// working directory and inside the container image. Adding a file to `Migrations/`
/// means adding it here and to `Migrations/Migrations.swift` (a test checks all three agree).
let migrationFiles = [
    "0001_schema.sql",
    "0002_gazetteer.sql",
    "0003_local_date_index.sql",
    "0004_merge_city.sql",
    "0005_feed_head.sql",
    "0006_revisions_latest.sql",
    "0007_imports.sql",
    "0008_attacks.sql",
    "0009_weapon_catalogue.sql",
    "0010_webhooks.sql",
]

/// PostgreSQL's own migrations, in `Migrations/postgres/` (the gazetteer, 0002, and the
/// weapon catalogue, 0009, are the SQLite files above, shared). SwiftPM embeds resources by file name alone, so these
/// names must differ from the SQLite ones: hence the `_pg_` in each.
let postgresMigrationFiles = [
    "postgres/0001_pg_schema.sql",
    "postgres/0003_pg_gazetteer_ids.sql",
    "postgres/0004_pg_revisions_latest.sql",
    "postgres/0005_pg_imports.sql",
    "postgres/0006_pg_attacks.sql",
    "postgres/0007_pg_webhooks.sql",
]

let package = Package(
    name: "strikeledger",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "strikeledger", targets: ["strikeledger"]),
        .library(name: "LedgerModel", targets: ["LedgerModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
    ],
    targets: [
        .target(name: "LedgerModel"),
        .target(
            name: "LedgerMigrations",
            path: "Migrations",
            exclude: ["README.md"],
            resources: (migrationFiles + postgresMigrationFiles).map { .embedInCode($0) }),
        // The store's protocol and what every engine shares (the change hub, errors, keys,
        // idempotency, and the ledger's SQL); each engine is a target of its own behind it.
        .target(
            name: "LedgerStore",
            dependencies: [
                "LedgerModel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "LedgerSQLite",
            dependencies: [
                "LedgerModel", "LedgerMigrations", "LedgerStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .target(
            name: "LedgerPostgres",
            dependencies: [
                "CLibPQ", "LedgerModel", "LedgerMigrations", "LedgerStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(name: "CSocketHTTPShims"),
        /// The system's zlib, for gzip responses (Debian: zlib1g-dev).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "SocketHTTP",
            dependencies: [
                "CSocketHTTPShims", "CZlib",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "LedgerAPI",
            dependencies: [
                "LedgerModel", "LedgerStore", "SocketHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The OpenAPI document, a file of its own, embedded as it is and served at /openapi.json;
            // the live page's files, served at / and /assets/ (LivePage.swift).
            resources: [
                .embedInCode("Resources/openapi.json"),
                .embedInCode("Resources/site/index.html"),
                .embedInCode("Resources/site/page.css"),
                .embedInCode("Resources/site/page.js"),
                .embedInCode("Resources/site/icon.svg"),
            ]),
        .executableTarget(
            name: "strikeledger",
            dependencies: [
                "LedgerAPI", "LedgerStore", "LedgerSQLite", "LedgerPostgres", "LedgerModel", "SocketHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "LedgerModelTests", dependencies: ["LedgerModel"]),
        .testTarget(name: "LedgerStoreTests", dependencies: ["LedgerStore", "LedgerSQLite", "LedgerPostgres", "LedgerModel", "LedgerMigrations", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "LedgerPostgresTests", dependencies: ["LedgerPostgres", "LedgerMigrations"]),
        .testTarget(name: "SocketHTTPTests", dependencies: ["SocketHTTP", "CZlib", .product(name: "HTTPTypes", package: "swift-http-types")]),
        .testTarget(
            name: "LedgerAPITests",
            dependencies: ["LedgerAPI", "LedgerStore", "LedgerSQLite", "LedgerModel", "SocketHTTP",
                           .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["LedgerModel", "CZlib", .target(name: "strikeledger")]),
    ],
    swiftLanguageModes: [.v6]
)
