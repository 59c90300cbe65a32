-- 005_log_batches: the execution log is stored one row per appended batch, not one row per event. A row per event
-- cost the embedded store about 45 us per event (a heap tuple, a foreign-key check and two index entries each); a
-- batch row pays those once for up to a few hundred events. `workflow_logs` stays, as a view with the same columns,
-- for anyone who reads the log with SQL.

CREATE TABLE IF NOT EXISTS workflow_log_batches (
  execution_id text NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
  first_seq integer NOT NULL CHECK (first_seq > 0),
  last_seq integer NOT NULL,
  -- the batch's events in seq order: events->0 has seq first_seq
  events jsonb NOT NULL CHECK (jsonb_typeof(events) = 'array'),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (execution_id, first_seq),
  CHECK (last_seq = first_seq + jsonb_array_length(events) - 1)
);

-- what was logged before this migration moves over, one batch per event (a re-run by hand finds the view and skips this)
DO $$
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('public.workflow_logs')) = 'r' THEN
    INSERT INTO workflow_log_batches (execution_id, first_seq, last_seq, events, created_at)
    SELECT execution_id, seq, seq, jsonb_build_array(payload), created_at FROM workflow_logs;
    DROP TABLE workflow_logs;
  END IF;
END
$$;

-- security_invoker: a reader sees through the view what row-level security lets it see of the batches
CREATE OR REPLACE VIEW workflow_logs WITH (security_invoker = true) AS
SELECT b.execution_id, b.first_seq + e.ord::int - 1 AS seq, e.value ->> 'type' AS type, e.value ->> 'taskId' AS task_id,
  e.value AS payload, b.created_at
FROM workflow_log_batches b CROSS JOIN LATERAL jsonb_array_elements(b.events) WITH ORDINALITY AS e(value, ord);

ALTER TABLE workflow_log_batches ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS workflow_log_batches_owner_select ON workflow_log_batches;
CREATE POLICY workflow_log_batches_owner_select ON workflow_log_batches
  FOR SELECT
  USING (EXISTS (
    SELECT 1 FROM workflow_executions e
    WHERE e.id = workflow_log_batches.execution_id AND e.user_id = (SELECT auth.uid()::text)
  ));

DROP POLICY IF EXISTS workflow_log_batches_owner_insert ON workflow_log_batches;
CREATE POLICY workflow_log_batches_owner_insert ON workflow_log_batches
  FOR INSERT
  WITH CHECK (EXISTS (
    SELECT 1 FROM workflow_executions e
    WHERE e.id = workflow_log_batches.execution_id AND e.user_id = (SELECT auth.uid()::text)
  ));

DO $$
DECLARE
  grantee text;
BEGIN
  FOREACH grantee IN ARRAY ARRAY['sapflow_app', 'authenticated'] LOOP
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = grantee);
    EXECUTE format('GRANT SELECT, INSERT ON workflow_log_batches TO %I', grantee);
    EXECUTE format('GRANT SELECT ON workflow_logs TO %I', grantee);
  END LOOP;
END
$$;
