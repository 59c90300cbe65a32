-- 003_leases: every live execution has an owner. The process running it holds a lease it renews; a lease that is
-- not renewed expires, and any live process may claim the run and resume it from its log. Safe to re-run.

ALTER TABLE workflow_executions ADD COLUMN IF NOT EXISTS lease_owner text;
ALTER TABLE workflow_executions ADD COLUMN IF NOT EXISTS lease_expires_at timestamptz;
-- how many times the run was claimed after its owner went away; past a few, it is failed with resume_failed
ALTER TABLE workflow_executions ADD COLUMN IF NOT EXISTS resume_count integer NOT NULL DEFAULT 0;
-- useChat's chat id, so GET /api/chat/:id/stream can find the chat's turn in progress
ALTER TABLE workflow_executions ADD COLUMN IF NOT EXISTS chat_id text;

-- the sweep for expired leases reads only live runs
CREATE INDEX IF NOT EXISTS workflow_executions_live_lease_idx
  ON workflow_executions (lease_expires_at) WHERE status IN ('pending', 'running');
CREATE INDEX IF NOT EXISTS workflow_executions_chat_idx
  ON workflow_executions (user_id, chat_id, created_at DESC) WHERE chat_id IS NOT NULL;
