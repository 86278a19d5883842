import LedgerModel

/// Why a store operation did not happen. The API maps each case to one HTTP status.
public enum StoreError: Error, Sendable, Equatable {
    /// No such resource (404).
    case notFound(String)
    /// The request conflicts with what is stored (409).
    case conflict(String)
    /// Well-formed input that breaks a rule only the store can check (422).
    case invalid(ValidationError)
    /// `If-Match` named another version (412).
    case versionMismatch(current: Int64)
    /// A migration file changed after it was applied; start-up stops.
    case migrationEdited(name: String)
    /// The database records a migration this binary does not have; start-up stops.
    case migrationUnknown(name: String)
    /// The database itself failed (5xx); the message is for logs.
    case database(String)
    /// The disk under the database is full: nothing of the write was kept; reads go on,
    /// and writes succeed again once space is freed (503). The message is for logs.
    case storageFull(String)
    /// The database takes no writes (a PostgreSQL in recovery, or set read-only): nothing
    /// of the write was kept; reads go on (503). The message is for logs.
    case readOnly(String)
    /// An idempotent write found its key answered already (by another server process):
    /// nothing was written, and this is the answer to replay.
    case alreadyAnswered(StoredResponse)
}

extension StoreError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notFound(let m): "not found: \(m)"
        case .conflict(let m): "conflict: \(m)"
        case .invalid(let v): "invalid: " + v.errors.map { "\($0.field) \($0.message)" }.joined(separator: "; ")
        case .versionMismatch(let v): "version mismatch (current version \(v))"
        case .migrationEdited(let name):
            "migration \(name) was edited after it was applied; restore the original file and add a new migration instead"
        case .migrationUnknown(let name):
            "the database has migration \(name) applied, which this binary does not have: run the binary that applied it, or restore that file"
        case .database(let m): "database error: \(m)"
        case .storageFull(let m): "the disk is full: \(m)"
        case .readOnly(let m): "the database is read-only: \(m)"
        case .alreadyAnswered(let r): "already answered (\(r.status)) under this idempotency key"
        }
    }
}
