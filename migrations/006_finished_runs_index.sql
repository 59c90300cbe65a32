-- 006_finished_runs_index: the Monitoring page reads a user's runs that finished in the last hour
-- (store/run-stats.ts); this index finds them without reading the user's whole history. Safe to re-run.

CREATE INDEX IF NOT EXISTS workflow_executions_user_finished_idx
  ON workflow_executions (user_id, finished_at) WHERE finished_at IS NOT NULL;
