/// Why a PostgreSQL operation failed.
///
/// `kind` says what the caller can do about it; `sqlState` keeps the server's own code
/// (for example `23505`, a unique violation) whenever the server sent one, so the
/// engine can map each case to its answer without parsing messages.
public struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The connection could not be opened (refused, bad password, unknown database).
        case connectionFailed
        /// The connection broke while in use (server restart, terminated backend,
        /// network). Nothing sent on it committed, unless the kind is `commitOutcomeUnknown`.
        case connectionLost
        /// The connection broke during COMMIT: the transaction may or may not have
        /// committed. A retry must be idempotent.
        case commitOutcomeUnknown
        /// The server refused a statement; `sqlState` says why.
        case server
        /// No pooled connection became free within the checkout timeout.
        case poolTimeout
        /// The pool was closed.
        case poolClosed
        /// The URL is not a `postgres://` or `postgresql://` URL.
        case invalidURL
        /// A bound value does not fit its parameter (or the count is wrong).
        case invalidParameter
        /// A column read as a type it cannot be read as, or a NULL read as non-optional.
        case invalidColumn
        /// The connection is being used in a way it does not allow (for example a
        /// transaction inside a transaction).
        case misuse
    }

    public var kind: Kind
    /// The five-character SQLSTATE the server sent, if any.
    public var sqlState: String?
    /// The primary message (the server's, when it sent one).
    public var message: String
    /// The server's DETAIL field, if any.
    public var detail: String?
    /// The constraint the server named, if any (unique and check violations).
    public var constraint: String?

    public init(_ kind: Kind, sqlState: String? = nil, message: String, detail: String? = nil, constraint: String? = nil) {
        self.kind = kind; self.sqlState = sqlState; self.message = message; self.detail = detail; self.constraint = constraint
    }

    /// `23505`: a unique index refused the row.
    public var isUniqueViolation: Bool { sqlState == SQLState.uniqueViolation }
    /// `40001` or `40P01`: the transaction lost a race and may be retried as a whole.
    public var isSerializationFailure: Bool {
        sqlState == SQLState.serializationFailure || sqlState == SQLState.deadlockDetected
    }
    /// True when the connection itself is gone or going: the connection kinds, any
    /// SQLSTATE of class 08, and the server's shutdown codes (57P01 admin shutdown,
    /// 57P02 crash shutdown, 57P03 cannot connect now). The engine answers 503.
    public var isConnectionProblem: Bool {
        switch kind {
        case .connectionFailed, .connectionLost, .commitOutcomeUnknown, .poolTimeout: return true
        default: break
        }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || SQLState.shutdown.contains(sqlState)
    }

    public var description: String {
        var text = "\(kind)"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": " + message
        if let detail { text += " (\(detail))" }
        return text
    }

    /// SQLSTATE codes the store handles by name.
    public enum SQLState {
        public static let uniqueViolation = "23505"
        public static let foreignKeyViolation = "23503"
        public static let checkViolation = "23514"
        public static let integrityConstraintViolation = "23000"
        public static let serializationFailure = "40001"
        public static let deadlockDetected = "40P01"
        public static let lockNotAvailable = "55P03"
        public static let queryCanceled = "57014"
        public static let adminShutdown = "57P01"
        public static let crashShutdown = "57P02"
        public static let cannotConnectNow = "57P03"
        public static let shutdown: Set<String> = [adminShutdown, crashShutdown, cannotConnectNow]
        /// `0A000` with "cached plan must not change result type": a prepared statement
        /// outlived a change of the table it reads.
        public static let featureNotSupported = "0A000"
        /// `26000`: the prepared statement is gone (a `DISCARD ALL` by someone else).
        public static let invalidStatementName = "26000"
        /// `22021`: the text is not valid in the database encoding (a NUL byte, say).
        public static let characterNotInRepertoire = "22021"
        /// `53100`: the server could not extend a file (its disk is full).
        public static let diskFull = "53100"
        /// `25006`: a write in a read-only transaction (a standby, or
        /// `default_transaction_read_only`).
        public static let readOnlySQLTransaction = "25006"
    }
}
