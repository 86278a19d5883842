-- Natural keys of imported rows (a hash of the import's source and the row's content),
-- kept like idempotency records: importing the same file again writes nothing.
CREATE TABLE import_keys (
  key TEXT PRIMARY KEY,
  strike_id INTEGER NOT NULL REFERENCES strikes(id),
  revision_seq INTEGER,
  created_at INTEGER NOT NULL
);
