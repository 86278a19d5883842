-- Webhooks (issue 16), as Migrations/0010_webhooks.sql has them for SQLite: subscriptions,
-- and the outbox of their deliveries, written in the transaction of the change event.
CREATE TABLE webhook_subscriptions (
  id BIGINT PRIMARY KEY,
  url TEXT NOT NULL,
  description TEXT,
  city_id BIGINT REFERENCES cities(id),
  strike_id BIGINT,
  wants_revision BIGINT NOT NULL,
  wants_void BIGINT NOT NULL,
  wants_merge BIGINT NOT NULL,
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_secret_until BIGINT,
  active BIGINT NOT NULL DEFAULT 1,
  failing_since BIGINT,
  disabled_at BIGINT,
  disabled_reason TEXT,
  lease_owner TEXT,
  lease_until_ms BIGINT,
  created_at BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
  subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  next_attempt_ms BIGINT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  delivered_at BIGINT,
  PRIMARY KEY (subscription_id, seq)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (subscription_id, seq) WHERE delivered_at IS NULL;

CREATE TABLE webhook_attempts (
  subscription_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  attempt BIGINT NOT NULL,
  at BIGINT NOT NULL,
  status BIGINT,
  latency_ms BIGINT NOT NULL,
  error TEXT,
  PRIMARY KEY (subscription_id, seq, attempt),
  FOREIGN KEY (subscription_id, seq) REFERENCES webhook_deliveries(subscription_id, seq) ON DELETE CASCADE
);
