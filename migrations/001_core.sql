-- 001_core: user-authored definitions, executions and their append-only event log, with row-level security by
-- auth.uid(). Runs unchanged on Supabase, plain Postgres (15+) and PGlite; every statement is safe to re-run.

-- Supabase ships auth.uid() (returning uuid) and owns the auth schema: create either only when missing.
-- Elsewhere auth.uid() reads the same settings PostgREST sets, so callers set `request.jwt.claim.sub` per session.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth') THEN
    CREATE SCHEMA auth;
  END IF;
  IF NOT EXISTS (
    SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'auth' AND p.proname = 'uid' AND p.pronargs = 0
  ) THEN
    CREATE FUNCTION auth.uid() RETURNS text
      LANGUAGE sql STABLE
      SET search_path = ''
      AS $fn$
        SELECT coalesce(
          nullif(current_setting('request.jwt.claim.sub', true), ''),
          nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
        )
      $fn$;
  END IF;
END
$$;

-- The role an application login is granted to use these tables without owning them (so RLS applies to it).
-- Roles are cluster-wide: another database on the same server may have created it a moment ago.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sapflow_app') THEN
    CREATE ROLE sapflow_app NOLOGIN;
  END IF;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL;
  WHEN insufficient_privilege THEN RAISE NOTICE 'sapflow: cannot create role sapflow_app; grant table access yourself';
END
$$;

CREATE TABLE IF NOT EXISTS workflow_definitions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id text NOT NULL,
  workflow_id text NOT NULL,
  definition jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT workflow_definitions_user_workflow_key UNIQUE (user_id, workflow_id)
);

CREATE TABLE IF NOT EXISTS workflow_executions (
  id text PRIMARY KEY,
  workflow_id text NOT NULL,
  kind text NOT NULL DEFAULT 'workflow' CHECK (kind IN ('workflow', 'chat')),
  user_id text NOT NULL,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'completed', 'partial', 'failed', 'cancelled')),
  input jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- the compiled definition as it ran, so history can draw the DAG even after the template changes
  definition jsonb,
  started_at timestamptz,
  finished_at timestamptz,
  total_duration_ms double precision,
  error jsonb,
  -- per-task state, kept current from the log; the final outcomes once the run finishes
  tasks jsonb,
  -- the seq of the last logged event: appends claim seqs by updating this row, which serialises concurrent writers
  last_seq integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS workflow_logs (
  execution_id text NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq > 0),
  type text NOT NULL,
  task_id text,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (execution_id, seq)
);

CREATE INDEX IF NOT EXISTS workflow_definitions_user_id_idx ON workflow_definitions (user_id);
CREATE INDEX IF NOT EXISTS workflow_executions_user_id_idx ON workflow_executions (user_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS workflow_executions_status_idx ON workflow_executions (status);
CREATE INDEX IF NOT EXISTS workflow_executions_created_at_idx ON workflow_executions (created_at);
CREATE INDEX IF NOT EXISTS workflow_executions_status_user_id_idx ON workflow_executions (status, user_id);
-- from 005_log_batches on, workflow_logs is a view over workflow_log_batches: re-running this file by hand leaves it be
DO $$
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('public.workflow_logs')) = 'r' THEN
    CREATE INDEX IF NOT EXISTS workflow_logs_created_at_idx ON workflow_logs (created_at);
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION sapflow_touch_updated_at() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = ''
  AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS workflow_definitions_touch_updated_at ON workflow_definitions;
CREATE TRIGGER workflow_definitions_touch_updated_at
  BEFORE UPDATE ON workflow_definitions
  FOR EACH ROW EXECUTE FUNCTION sapflow_touch_updated_at();

DROP TRIGGER IF EXISTS workflow_executions_touch_updated_at ON workflow_executions;
CREATE TRIGGER workflow_executions_touch_updated_at
  BEFORE UPDATE ON workflow_executions
  FOR EACH ROW EXECUTE FUNCTION sapflow_touch_updated_at();

-- Row-level security: a user sees and changes only their own rows. The table owner bypasses RLS; the gateway's
-- queries filter by user_id as well, so both layers hold. `(SELECT auth.uid())` is evaluated once per query.
ALTER TABLE workflow_definitions ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow_executions ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS workflow_definitions_owner ON workflow_definitions;
CREATE POLICY workflow_definitions_owner ON workflow_definitions
  FOR ALL
  USING (user_id = (SELECT auth.uid()::text))
  WITH CHECK (user_id = (SELECT auth.uid()::text));

DROP POLICY IF EXISTS workflow_executions_owner ON workflow_executions;
CREATE POLICY workflow_executions_owner ON workflow_executions
  FOR ALL
  USING (user_id = (SELECT auth.uid()::text))
  WITH CHECK (user_id = (SELECT auth.uid()::text));

-- The log is append-only: read and insert through an execution the user owns; no update or delete policy.
-- the log's own policies, while it is a table (see above)
DO $$
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('public.workflow_logs')) = 'r' THEN
    ALTER TABLE workflow_logs ENABLE ROW LEVEL SECURITY;
    DROP POLICY IF EXISTS workflow_logs_owner_select ON workflow_logs;
    CREATE POLICY workflow_logs_owner_select ON workflow_logs
      FOR SELECT
      USING (EXISTS (
        SELECT 1 FROM workflow_executions e
        WHERE e.id = workflow_logs.execution_id AND e.user_id = (SELECT auth.uid()::text)
      ));

    DROP POLICY IF EXISTS workflow_logs_owner_insert ON workflow_logs;
    CREATE POLICY workflow_logs_owner_insert ON workflow_logs
      FOR INSERT
      WITH CHECK (EXISTS (
        SELECT 1 FROM workflow_executions e
        WHERE e.id = workflow_logs.execution_id AND e.user_id = (SELECT auth.uid()::text)
      ));
  END IF;
END
$$;

-- Grants for non-owner roles: sapflow_app everywhere, and Supabase's `authenticated` when present
-- (Supabase also grants it by default; granting again is harmless). RLS above decides which rows they reach.
DO $$
DECLARE
  grantee text;
BEGIN
  FOREACH grantee IN ARRAY ARRAY['sapflow_app', 'authenticated'] LOOP
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = grantee);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON workflow_definitions, workflow_executions TO %I', grantee);
    IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('public.workflow_logs')) = 'r' THEN
      EXECUTE format('GRANT SELECT, INSERT ON workflow_logs TO %I', grantee);
    END IF;
    BEGIN
      EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', grantee);
    EXCEPTION
      -- PUBLIC usually holds USAGE on public already; a migrating user without grant option need not add it
      WHEN insufficient_privilege THEN NULL;
    END;
    BEGIN
      EXECUTE format('GRANT USAGE ON SCHEMA auth TO %I', grantee);
      EXECUTE format('GRANT EXECUTE ON FUNCTION auth.uid() TO %I', grantee);
    EXCEPTION
      -- on Supabase the auth schema belongs to supabase_auth_admin, which already grants these
      WHEN insufficient_privilege THEN NULL;
    END;
  END LOOP;
END
$$;
