import LedgerModel

/// The rows of an import batch's new strikes (`importNewStrike`), held back and inserted
/// `chunk` rows at a time: one multi-row `INSERT` per table instead of one statement per
/// row, and the feed's seq and the strikes' ids counted here, taken from the database once
/// per chunk.
///
/// Besides each statement's own cost (binding, stepping, resetting), this saves what
/// SQLite spends on the `CHECK (x IN ('a', 'b', 'c'))` of strikes and change_events: it
/// builds a temporary b-tree for a list of three or more values on every execution of the
/// statement (allocate a pager, zero its pages, free them), which cost more than the
/// inserts into the tables and their indexes (callgrind); a multi-row statement builds it
/// once for all its rows. The price: a multi-row statement into a table with foreign keys
/// keeps a statement journal (SQLite checks the keys at its end and must be able to undo
/// it), written to a temporary file past 64 KiB (see bench/README.md, "Fourth pass").
///
/// The rows must be written before anything reads the tables they go to: `flush` before a
/// row takes the report path, and at the end of the batch. Reads that the short path makes
/// itself see the held rows here: their cities and instants (a row within the window of one
/// of them matches it, so it takes the report path after a flush). Their natural keys are
/// kept by `importRows` with every key the batch wrote (a duplicate row is skipped). Rows
/// go in in the order they came, table by table, so every table holds what one statement
/// per row would have written.
struct NewStrikeBatch {
    /// Rows per multi-row statement; fewer left at a flush go in one statement each.
    static let chunk = 32

    private var strikes: [any SQLBindable] = []
    private var events: [any SQLBindable] = []
    private var revisions: [any SQLBindable] = []
    private var statements: [any SQLBindable] = []
    private var keys: [any SQLBindable] = []
    private var held: [EventKey] = []
    private var places: [(cityId: Int64, at: Int64)] = []
    /// The next strike id and seq to give; nil until taken from the database after a flush.
    private var nextId: Int64?
    private var nextSeq: Int64?
    /// The feed's counter as `nextSeq` left it (the first seq held).
    private var counter: Int64 = 0

    var isEmpty: Bool { held.isEmpty }
    var isFull: Bool { held.count >= Self.chunk }

    /// True when a held strike lies in the city within `window` seconds of `at`.
    func holdsStrike(cityId: Int64, near at: Int64, window: Int64) -> Bool {
        places.contains { $0.cityId == cityId && abs($0.at - at) <= window }
    }

    /// A new strike's id: one past the highest, as `nextID(of:)` gives.
    mutating func takeStrikeId<S: RelationalStore>(_: S.Type, _ db: any SQLSession) throws -> Int64 {
        let id = try nextId ?? S.nextID(of: "strikes", db)
        nextId = id + 1
        return id
    }

    /// The next seq of the feed. The first after a flush goes through `nextSeq`, whose
    /// update of the one-row counter holds its lock (PostgreSQL) until the commit; `flush`
    /// sets the counter to the last seq given.
    mutating func takeSeq<S: RelationalStore>(_: S.Type, _ db: any SQLSession) throws -> Int64 {
        let seq: Int64
        if let next = nextSeq {
            seq = next
        } else {
            seq = try S.nextSeq(db)
            counter = seq
        }
        nextSeq = seq + 1
        return seq
    }

    /// Holds one new strike's rows (their values in the columns' order of `Table`).
    mutating func add(strike: [any SQLBindable], event: [any SQLBindable], revision: [any SQLBindable],
                      statement: [any SQLBindable], key: String, strikeId: Int64, revisionSeq: Int64, now: Timestamp,
                      eventKey: EventKey, occurredAt: Int64) {
        strikes += strike
        events += event
        revisions += revision
        statements += statement
        keys += [key, strikeId, revisionSeq, now.seconds] as [any SQLBindable]
        held.append(eventKey)
        places.append((eventKey.cityId, occurredAt))
    }

    /// Writes the held rows, their webhook deliveries and the feed's counter.
    mutating func flush<S: RelationalStore>(_: S.Type, now: Timestamp, _ db: any SQLSession) throws {
        guard let last = held.last else { return }
        try Table.strikes.insert(strikes, db)
        try Table.events.insert(events, db)
        try Table.revisions.insert(revisions, db)
        try Table.statements.insert(statements, db)
        try Table.importKeys.insert(keys, db)
        // The counter only moves forward (PostgreSQL's trigger refuses the same value).
        if last.seq > counter { try db.execute("UPDATE feed_head SET seq = ?", [last.seq]) }
        if try S.anySubscriptionWants(.revision, db) {
            for e in held {
                try S.enqueueDeliveries(.revision, seq: e.seq, strikeId: e.strikeId, cityId: e.cityId, mergedId: nil,
                                        mergedCityId: nil, now: now, db)
            }
        }
        self = NewStrikeBatch()
    }

    /// A table the batch writes, and its insert statements: for `chunk` rows and for one.
    struct Table {
        let columns: Int
        let one: String
        let many: String

        /// Private: only the tables below, named in code, make statements.
        private init(_ table: String, _ columns: [String]) {
            self.columns = columns.count
            let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
            let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
            one = head + row
            many = head + Array(repeating: row, count: NewStrikeBatch.chunk).joined(separator: ", ")
        }

        static let strikes = Table("strikes", [
            "id", "city_id", "occurred_at", "time_precision", "local_date", "latitude", "longitude", "weapons",
            "description", "damage", "created_at", "updated_at", "toll_killed", "toll_injured", "toll_as_of",
            "toll_revisions", "toll_killed_low", "toll_killed_high", "toll_injured_low", "toll_injured_high"])
        static let events = Table("change_events", [
            "seq", "type", "strike_id", "merged_strike_id", "merged_city_id", "revision_seq", "city_id",
            "toll_killed", "toll_injured", "toll_as_of", "toll_revisions", "created_at", "attack_id"])
        static let revisions = Table("revisions", [
            "seq", "strike_id", "killed", "injured", "reported_at", "recorded_at", "source_id", "note"])
        static let statements = Table("strike_statements", [
            "strike_id", "source_id", "killed", "killed_at", "killed_seq", "injured", "injured_at", "injured_seq"])
        static let importKeys = Table("import_keys", ["key", "strike_id", "revision_seq", "created_at"])

        /// Inserts rows given as one flat list of values: `chunk` rows a statement, the
        /// rest one a statement.
        func insert(_ values: [any SQLBindable], _ db: any SQLSession) throws {
            let perChunk = columns * NewStrikeBatch.chunk
            var start = 0
            while values.count - start >= perChunk {
                try db.execute(many, Array(values[start..<start + perChunk]))
                start += perChunk
            }
            while start < values.count {
                try db.execute(one, Array(values[start..<start + columns]))
                start += columns
            }
        }
    }
}
