/// The SQL migrations, embedded in the binary, in the order they are applied.
public enum LedgerMigrations {
    /// (file name, SQL text) in application order.
    public static let all: [(name: String, sql: String)] = []
}
