/// One SQL migration, embedded in the binary.
public struct Migration: Sendable {
    /// The file name, e.g. `0001_schema.sql`; recorded once applied.
    public let name: String
    public let sql: String

    public init(name: String, sql: String) { self.name = name; self.sql = sql }
}

/// The SQL migrations of `Migrations/`, embedded in the binary, in the order they are
/// applied. Add a new file here when you add one to the folder (a test checks the two agree).
public enum LedgerMigrations {
    public static let all: [Migration] = [
        Migration(name: "0001_schema.sql", sql: String(decoding: PackageResources._001_schema_sql, as: UTF8.self)),
        Migration(name: "0002_gazetteer.sql", sql: String(decoding: PackageResources._002_gazetteer_sql, as: UTF8.self)),
        Migration(name: "0003_local_date_index.sql", sql: String(decoding: PackageResources._003_local_date_index_sql, as: UTF8.self)),
        Migration(name: "0004_merge_city.sql", sql: String(decoding: PackageResources._004_merge_city_sql, as: UTF8.self)),
        Migration(name: "0005_feed_head.sql", sql: String(decoding: PackageResources._005_feed_head_sql, as: UTF8.self)),
        Migration(name: "0006_revisions_latest.sql", sql: String(decoding: PackageResources._006_revisions_latest_sql, as: UTF8.self)),
        Migration(name: "0007_imports.sql", sql: String(decoding: PackageResources._007_imports_sql, as: UTF8.self)),
        Migration(name: "0008_attacks.sql", sql: String(decoding: PackageResources._008_attacks_sql, as: UTF8.self)),
        Migration(name: "0009_weapon_catalogue.sql", sql: String(decoding: PackageResources._009_weapon_catalogue_sql, as: UTF8.self)),
        Migration(name: "0010_webhooks.sql", sql: String(decoding: PackageResources._010_webhooks_sql, as: UTF8.self)),
    ]

    /// The PostgreSQL migrations, in the order they are applied: the files of
    /// `Migrations/postgres/`, and the gazetteer shared with SQLite (the same file, the
    /// same data and checksum on both engines). Each is recorded under its file name.
    public static let postgres: [Migration] = [
        Migration(name: "0001_pg_schema.sql", sql: String(decoding: PackageResources._001_pg_schema_sql, as: UTF8.self)),
        Migration(name: "0002_gazetteer.sql", sql: String(decoding: PackageResources._002_gazetteer_sql, as: UTF8.self)),
        Migration(name: "0003_pg_gazetteer_ids.sql", sql: String(decoding: PackageResources._003_pg_gazetteer_ids_sql, as: UTF8.self)),
        Migration(name: "0004_pg_revisions_latest.sql", sql: String(decoding: PackageResources._004_pg_revisions_latest_sql, as: UTF8.self)),
        Migration(name: "0005_pg_imports.sql", sql: String(decoding: PackageResources._005_pg_imports_sql, as: UTF8.self)),
        Migration(name: "0006_pg_attacks.sql", sql: String(decoding: PackageResources._006_pg_attacks_sql, as: UTF8.self)),
        Migration(name: "0007_pg_webhooks.sql", sql: String(decoding: PackageResources._007_pg_webhooks_sql, as: UTF8.self)),
        Migration(name: "0009_weapon_catalogue.sql", sql: String(decoding: PackageResources._009_weapon_catalogue_sql, as: UTF8.self)),
    ]
}
