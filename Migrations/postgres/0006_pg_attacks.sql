-- PostgreSQL's translation of 0008_attacks.sql (same tables, columns and rows; see
-- 0001_pg_schema.sql for the rules). Attack waves (issue 17): a night's attack as a whole, its weapons launched, shot down,
-- lost to electronic warfare and hitting, as attributed append-only revisions; the weapon
-- catalogue those counts (and strikes' weapons) name; and who says what about a strike.

-- The weapon catalogue: each model, its kind, and the spellings reports use (looked up
-- folded, as city names are). Filled below; the same rows on PostgreSQL.
CREATE TABLE weapon_models (
  id BIGINT PRIMARY KEY,
  model TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('drone','decoy','cruise_missile','ballistic_missile','guided_bomb'))
);
CREATE TABLE weapon_aliases (
  model_id BIGINT NOT NULL REFERENCES weapon_models(id),
  alias TEXT NOT NULL,
  UNIQUE (model_id, alias)
);

-- An attack: one wave, aimed at one country, between two instants.
CREATE TABLE attacks (
  id BIGINT PRIMARY KEY,
  country TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  ended_at BIGINT,
  description TEXT,
  -- How many of its revisions count (not voided): cached like toll_revisions.
  revisions BIGINT NOT NULL DEFAULT 0,
  version BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX attacks_started ON attacks (started_at, id);
CREATE INDEX attacks_country_started ON attacks (country, started_at, id);

-- A strike belongs to at most one attack. The strike a group is merged into carries the
-- link of every strike merged into it (a merge hands it on).
ALTER TABLE strikes ADD COLUMN attack_id BIGINT REFERENCES attacks(id);
CREATE INDEX strikes_attack ON strikes (attack_id, occurred_at) WHERE attack_id IS NOT NULL;

-- Feed events of attacks. Their seqs come from feed_head, as change_events' do, so the
-- feed interleaves both tables in one seq order. `counts` is the attack's weapon counts
-- right after the event (JSON, as the feed shows it); the cities are those of the
-- attack's strikes at that moment, for the feed's city filter.
CREATE TABLE attack_events (
  seq BIGINT PRIMARY KEY,
  type TEXT NOT NULL CHECK (type IN ('attack_revision','attack_void')),
  attack_id BIGINT NOT NULL REFERENCES attacks(id),
  revision_seq BIGINT NOT NULL,
  counts TEXT NOT NULL,
  revisions BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX attack_events_attack ON attack_events (attack_id, seq);
CREATE TABLE attack_event_cities (
  seq BIGINT NOT NULL REFERENCES attack_events(seq),
  city_id BIGINT NOT NULL REFERENCES cities(id),
  PRIMARY KEY (seq, city_id)
);
CREATE INDEX attack_event_cities_city ON attack_event_cities (city_id, seq);
-- A strike's events name the attack the strike belonged to then (feed filter attack_id).
ALTER TABLE change_events ADD COLUMN attack_id BIGINT REFERENCES attacks(id);
CREATE INDEX change_events_attack ON change_events (attack_id, seq) WHERE attack_id IS NOT NULL;

-- One source's statement of weapon counts about an attack: append-only, voided by a row
-- in attack_revision_voids, as casualty revisions are.
CREATE TABLE attack_revisions (
  seq BIGINT PRIMARY KEY REFERENCES attack_events(seq),
  attack_id BIGINT NOT NULL REFERENCES attacks(id),
  reported_at BIGINT NOT NULL,
  recorded_at BIGINT NOT NULL,
  source_id BIGINT NOT NULL REFERENCES sources(id),
  note TEXT
);
CREATE INDEX attack_revisions_attack ON attack_revisions (attack_id, seq);
-- Its figures per model. attack_id and reported_at are copied from the revision so the
-- latest counting figure of a model is an index walk from the newest (as revisions_latest).
CREATE TABLE attack_revision_weapons (
  revision_seq BIGINT NOT NULL REFERENCES attack_revisions(seq),
  attack_id BIGINT NOT NULL REFERENCES attacks(id),
  model_id BIGINT NOT NULL REFERENCES weapon_models(id),
  reported_at BIGINT NOT NULL,
  launched BIGINT CHECK (launched IS NULL OR launched BETWEEN 0 AND 100000),
  intercepted BIGINT CHECK (intercepted IS NULL OR intercepted BETWEEN 0 AND 100000),
  suppressed BIGINT CHECK (suppressed IS NULL OR suppressed BETWEEN 0 AND 100000),
  hit BIGINT CHECK (hit IS NULL OR hit BETWEEN 0 AND 100000),
  approximate BIGINT NOT NULL DEFAULT 0 CHECK (approximate IN (0, 1)),
  PRIMARY KEY (revision_seq, model_id)
);
CREATE INDEX attack_revision_weapons_latest ON attack_revision_weapons (attack_id, model_id, reported_at, revision_seq);
CREATE TABLE attack_revision_voids (
  revision_seq BIGINT PRIMARY KEY REFERENCES attack_revisions(seq),
  event_seq BIGINT NOT NULL UNIQUE REFERENCES attack_events(seq),
  voided_at BIGINT NOT NULL,
  reason TEXT NOT NULL
);

CREATE TRIGGER attack_revisions_no_update BEFORE UPDATE ON attack_revisions
  FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change('attack revisions');
CREATE TRIGGER attack_revisions_no_delete BEFORE DELETE ON attack_revisions
  FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change('attack revisions');
CREATE TRIGGER attack_revisions_no_truncate BEFORE TRUNCATE ON attack_revisions
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change('attack revisions');
CREATE TRIGGER attack_revision_weapons_no_update BEFORE UPDATE ON attack_revision_weapons
  FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change('attack revisions');
CREATE TRIGGER attack_revision_weapons_no_delete BEFORE DELETE ON attack_revision_weapons
  FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change('attack revisions');
CREATE TRIGGER attack_revision_weapons_no_truncate BEFORE TRUNCATE ON attack_revision_weapons
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change('attack revisions');
CREATE TRIGGER attack_revision_voids_no_update BEFORE UPDATE ON attack_revision_voids
  FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change('voids');
CREATE TRIGGER attack_revision_voids_no_delete BEFORE DELETE ON attack_revision_voids
  FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change('voids');
CREATE TRIGGER attack_revision_voids_no_truncate BEFORE TRUNCATE ON attack_revision_voids
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change('voids');
CREATE TRIGGER attack_events_no_update BEFORE UPDATE ON attack_events
  FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change('change events');
CREATE TRIGGER attack_events_no_delete BEFORE DELETE ON attack_events
  FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change('change events');
CREATE TRIGGER attack_events_no_truncate BEFORE TRUNCATE ON attack_events
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change('change events');
CREATE TRIGGER attack_event_cities_no_update BEFORE UPDATE ON attack_event_cities
  FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change('change events');
CREATE TRIGGER attack_event_cities_no_delete BEFORE DELETE ON attack_event_cities
  FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change('change events');
CREATE TRIGGER attack_event_cities_no_truncate BEFORE TRUNCATE ON attack_event_cities
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change('change events');

-- The current count per model and figure (the toll rule per field: latest reported_at,
-- then seq, among counting revisions), kept in the same transaction as every revision
-- and void. The seq and time of the revision each figure comes from let a void find
-- whether it must look again.
CREATE TABLE attack_weapon_counts (
  attack_id BIGINT NOT NULL REFERENCES attacks(id),
  model_id BIGINT NOT NULL REFERENCES weapon_models(id),
  launched BIGINT, launched_seq BIGINT, launched_at BIGINT, launched_approximate BIGINT NOT NULL DEFAULT 0,
  intercepted BIGINT, intercepted_seq BIGINT, intercepted_at BIGINT, intercepted_approximate BIGINT NOT NULL DEFAULT 0,
  suppressed BIGINT, suppressed_seq BIGINT, suppressed_at BIGINT, suppressed_approximate BIGINT NOT NULL DEFAULT 0,
  hit BIGINT, hit_seq BIGINT, hit_at BIGINT, hit_approximate BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (attack_id, model_id)
);

-- Who says what: per strike (the one a group is merged into) and source, the source's
-- latest counting figures, each by the toll rule over that source's revisions alone.
-- Kept with the toll in the same transaction as every revision, void and merge.
CREATE TABLE strike_statements (
  strike_id BIGINT NOT NULL REFERENCES strikes(id),
  source_id BIGINT NOT NULL REFERENCES sources(id),
  killed BIGINT, killed_at BIGINT, killed_seq BIGINT,
  injured BIGINT, injured_at BIGINT, injured_seq BIGINT,
  PRIMARY KEY (strike_id, source_id)
);
CREATE INDEX strike_statements_killed ON strike_statements (strike_id, killed) WHERE killed IS NOT NULL;
CREATE INDEX strike_statements_injured ON strike_statements (strike_id, injured) WHERE injured IS NOT NULL;
-- A source's latest counting revision on a strike, found from the newest.
CREATE INDEX revisions_source_latest ON revisions (source_id, strike_id, reported_at, seq);
-- toll.range: the lowest and highest current statement of each figure.
ALTER TABLE strikes ADD COLUMN toll_killed_low BIGINT;
ALTER TABLE strikes ADD COLUMN toll_killed_high BIGINT;
ALTER TABLE strikes ADD COLUMN toll_injured_low BIGINT;
ALTER TABLE strikes ADD COLUMN toll_injured_high BIGINT;

-- The weapon catalogue's rows are in 0009_weapon_catalogue.sql, shared with the other engine.

-- The statements of the history already stored, and the ranges they give.
WITH RECURSIVE roots(id, root) AS (
  SELECT id, id FROM strikes WHERE merged_into IS NULL
  UNION ALL SELECT s.id, roots.root FROM strikes s JOIN roots ON s.merged_into = roots.id
), counting AS (
  SELECT roots.root, r.source_id, r.seq, r.killed, r.injured, r.reported_at
  FROM revisions r JOIN roots ON roots.id = r.strike_id
  WHERE NOT EXISTS (SELECT 1 FROM revision_voids v WHERE v.revision_seq = r.seq)
), k AS (
  SELECT root, source_id, killed, reported_at, seq,
         row_number() OVER (PARTITION BY root, source_id ORDER BY reported_at DESC, seq DESC) AS n
  FROM counting WHERE killed IS NOT NULL
), i AS (
  SELECT root, source_id, injured, reported_at, seq,
         row_number() OVER (PARTITION BY root, source_id ORDER BY reported_at DESC, seq DESC) AS n
  FROM counting WHERE injured IS NOT NULL
), pairs AS (
  SELECT DISTINCT root, source_id FROM counting
)
INSERT INTO strike_statements (strike_id, source_id, killed, killed_at, killed_seq, injured, injured_at, injured_seq)
SELECT p.root, p.source_id, k.killed, k.reported_at, k.seq, i.injured, i.reported_at, i.seq
FROM pairs p
LEFT JOIN k ON k.root = p.root AND k.source_id = p.source_id AND k.n = 1
LEFT JOIN i ON i.root = p.root AND i.source_id = p.source_id AND i.n = 1;

UPDATE strikes SET
  toll_killed_low = (SELECT min(killed) FROM strike_statements st WHERE st.strike_id = strikes.id),
  toll_killed_high = (SELECT max(killed) FROM strike_statements st WHERE st.strike_id = strikes.id),
  toll_injured_low = (SELECT min(injured) FROM strike_statements st WHERE st.strike_id = strikes.id),
  toll_injured_high = (SELECT max(injured) FROM strike_statements st WHERE st.strike_id = strikes.id);
