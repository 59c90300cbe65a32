-- 004_tool_effects: the built-in tools with side effects act at most once per idempotency key
-- (`<executionId>:<taskId>`, the same on every retry and resume). A tool claims its key and makes its change in one
-- transaction; the primary key makes a second claim - a retry, a resumed run, another process racing - wait for the
-- first and then find its row, so it returns the first call's result instead of acting again. Safe to re-run.

CREATE TABLE IF NOT EXISTS tool_effects (
  idempotency_key text PRIMARY KEY,
  tool text NOT NULL,
  user_id text NOT NULL,
  -- what the first call returned; written in the same transaction as the claim
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS tool_effects_created_at_idx ON tool_effects (created_at);

-- send_email claims a message ('sending') before it talks to SMTP, which has no idempotency key of its own: a message
-- left 'sending' by a process that died mid-send is never sent again by a repeat of its call.
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('queued', 'sending', 'sent', 'failed'));
