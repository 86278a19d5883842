-- A write derives its strike's toll from the latest counting revision stating each
-- figure, found by walking this index from the newest (strike, reported_at, seq), so a
-- revision costs the same whatever the strike's history.
CREATE INDEX revisions_latest ON revisions (strike_id, reported_at, seq);
