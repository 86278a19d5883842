import LedgerModel

/// The column names of a statement's result, shared by all its rows.
public final class SQLColumns: Sendable {
    public let names: [String]
    private let index: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        // The first of two equal names wins, as `SELECT s.*, c.name AS city_name` expects.
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        self.index = index
    }

    public func position(of name: String) -> Int? { index[name] }
}

/// One row of a result, read by column name or position.
public struct SQLRow: Sendable {
    public let columns: SQLColumns
    public let values: [SQLValue]

    public init(columns: SQLColumns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value of a column by position. A value the schema promises (NOT NULL, typed)
    /// that is missing is a broken database, not an input error: it stops the process.
    public subscript<T: SQLDecodable>(_ position: Int) -> T {
        guard let v = T.decode(values[position]) else {
            fatalError("column \(columns.names[position]) holds \(values[position]), not \(T.self)")
        }
        return v
    }

    public subscript<T: SQLDecodable>(_ name: String) -> T {
        guard let position = columns.position(of: name) else { fatalError("no column \(name) in the result") }
        return self[position]
    }

    public func timestamp(_ column: String) -> Timestamp { Timestamp(seconds: self[column]) }
    public func optionalTimestamp(_ column: String) -> Timestamp? { (self[column] as Int64?).map(Timestamp.init(seconds:)) }
}
