-- 007_approvals: a run can wait for a person. `waiting` is a parked run: nothing runs it, no process holds its lease,
-- and only a decision (POST .../tasks/:taskId/approval) or its wake time (the earliest approval_timeout of its
-- waiting tasks) makes it run again. Safe to re-run.

ALTER TABLE workflow_executions DROP CONSTRAINT IF EXISTS workflow_executions_status_check;
ALTER TABLE workflow_executions ADD CONSTRAINT workflow_executions_status_check
  CHECK (status IN ('pending', 'running', 'waiting', 'completed', 'partial', 'failed', 'cancelled'));

-- when a parked run wakes by itself to deny the tasks nobody decided on in time
ALTER TABLE workflow_executions ADD COLUMN IF NOT EXISTS wake_at timestamptz;
-- approval requests logged and not yet decided: a live run with one is listed by ?status=waiting as well
ALTER TABLE workflow_executions ADD COLUMN IF NOT EXISTS open_approvals integer NOT NULL DEFAULT 0;

CREATE INDEX IF NOT EXISTS workflow_executions_wake_idx ON workflow_executions (wake_at) WHERE status = 'waiting';

-- Decisions on waiting tasks, one per task: the primary key settles two deciders racing (the second is told the
-- task was decided), and a decision stored here is never lost - a run that resumes applies the ones its log lacks.
CREATE TABLE IF NOT EXISTS task_decisions (
  execution_id text NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
  task_id text NOT NULL,
  approved boolean NOT NULL,
  decided_by text NOT NULL,
  reason text,
  decided_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (execution_id, task_id)
);

ALTER TABLE task_decisions ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS task_decisions_owner ON task_decisions;
CREATE POLICY task_decisions_owner ON task_decisions
  FOR ALL
  USING (EXISTS (SELECT 1 FROM workflow_executions e WHERE e.id = task_decisions.execution_id AND e.user_id = (SELECT auth.uid()::text)))
  WITH CHECK (EXISTS (SELECT 1 FROM workflow_executions e WHERE e.id = task_decisions.execution_id AND e.user_id = (SELECT auth.uid()::text)));

DO $$
DECLARE
  grantee text;
BEGIN
  FOREACH grantee IN ARRAY ARRAY['sapflow_app', 'authenticated'] LOOP
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = grantee);
    EXECUTE format('GRANT SELECT, INSERT ON task_decisions TO %I', grantee);
  END LOOP;
END
$$;
