-- 007_chat_approvals: every tool approval Sapflow asks a person for in chat, so an answer can be checked against what
-- was really asked: the approval id is unguessable and names its user, chat, turn, tool call, tool and the exact
-- arguments the model wrote. An approved call runs with these arguments, never with what the client sends back, and
-- an answer is taken once (`decided_at`). Safe to re-run.

CREATE TABLE IF NOT EXISTS chat_approvals (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  chat_id text NOT NULL,
  -- the turn that asked; a resumed turn asks again for the same call and gets the same approval
  execution_id text NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
  tool_call_id text NOT NULL,
  tool_name text NOT NULL,
  arguments text NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  approved boolean,
  reason text,
  -- the turn that carried the answer
  decided_in text,
  CONSTRAINT chat_approvals_call_key UNIQUE (execution_id, tool_call_id)
);
CREATE INDEX IF NOT EXISTS chat_approvals_chat_idx ON chat_approvals (user_id, chat_id);

-- Row-level security as for the executions: a user reaches only their own approvals.
ALTER TABLE chat_approvals ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS chat_approvals_owner ON chat_approvals;
CREATE POLICY chat_approvals_owner ON chat_approvals
  FOR ALL
  USING (user_id = (SELECT auth.uid()::text))
  WITH CHECK (user_id = (SELECT auth.uid()::text));

DO $$
DECLARE
  grantee text;
BEGIN
  FOREACH grantee IN ARRAY ARRAY['sapflow_app', 'authenticated'] LOOP
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = grantee);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE ON chat_approvals TO %I', grantee);
  END LOOP;
END
$$;
