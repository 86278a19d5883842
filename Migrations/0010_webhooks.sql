-- Webhooks (issue 16): subscriptions, and the outbox of their deliveries. A delivery row
-- is written by the transaction that appends its change event, so a crash between the
-- commit and the send loses nothing. Instants in seconds; the worker's schedule and
-- leases in milliseconds (retry delays under a second in tests).
CREATE TABLE webhook_subscriptions (
  id INTEGER PRIMARY KEY,
  url TEXT NOT NULL,
  description TEXT,
  city_id INTEGER REFERENCES cities(id),
  strike_id INTEGER,
  wants_revision INTEGER NOT NULL,
  wants_void INTEGER NOT NULL,
  wants_merge INTEGER NOT NULL,
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_secret_until INTEGER,
  active INTEGER NOT NULL DEFAULT 1,
  failing_since INTEGER,
  disabled_at INTEGER,
  disabled_reason TEXT,
  lease_owner TEXT,
  lease_until_ms INTEGER,
  created_at INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
  subscription_id INTEGER NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  delivered_at INTEGER,
  PRIMARY KEY (subscription_id, seq)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (subscription_id, seq) WHERE delivered_at IS NULL;

CREATE TABLE webhook_attempts (
  subscription_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  status INTEGER,
  latency_ms INTEGER NOT NULL,
  error TEXT,
  PRIMARY KEY (subscription_id, seq, attempt),
  FOREIGN KEY (subscription_id, seq) REFERENCES webhook_deliveries(subscription_id, seq) ON DELETE CASCADE
);
