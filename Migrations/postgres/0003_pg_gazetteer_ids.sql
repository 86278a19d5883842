-- The gazetteer (0002_gazetteer.sql, shared with SQLite) inserts its cities with
-- explicit ids, which an identity column's sequence does not count. Move the sequence
-- past them, so that the next city added gets max(id) + 1, as SQLite gives it.
-- A later migration that inserts rows with explicit ids does the same.
SELECT setval(pg_get_serial_sequence('cities', 'id'), (SELECT max(id) FROM cities));
