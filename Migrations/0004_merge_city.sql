-- A city filter on the feed matches a merge when either strike lies in that city: a strike
-- may be merged into one recorded under a neighbouring city. The merged strike's city is
-- kept on the merge event itself, so the filter stays one indexed lookup per side.
-- (A strike's city never changes: PATCH cannot edit it, so this copy cannot go stale.)
ALTER TABLE change_events ADD COLUMN merged_city_id INTEGER REFERENCES cities(id);

-- Events are append-only; this one-time backfill of the new column lifts the guard for
-- the length of the migration's own transaction.
DROP TRIGGER change_events_no_update;
UPDATE change_events
   SET merged_city_id = (SELECT city_id FROM strikes WHERE strikes.id = change_events.merged_strike_id)
 WHERE merged_strike_id IS NOT NULL;
CREATE TRIGGER change_events_no_update BEFORE UPDATE ON change_events
BEGIN SELECT RAISE(ABORT, 'change events are append-only'); END;

CREATE INDEX change_events_merged_city ON change_events (merged_city_id, seq) WHERE merged_city_id IS NOT NULL;
