-- The law firm the legal tools work on: clients, matters, adverse parties, emails, time, documents, and what the
-- tools produce (outbox, calendar). `sample = true` marks demo rows, so they are never mistaken for a real firm's
-- data and can be removed with one DELETE per table.

CREATE TABLE IF NOT EXISTS clients (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name text NOT NULL,
  email text,
  phone text,
  address text,
  kind text NOT NULL DEFAULT 'individual' CHECK (kind IN ('individual', 'organization')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('prospective', 'active', 'former')),
  notes text,
  sample boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS clients_email_idx ON clients (lower(email));

CREATE TABLE IF NOT EXISTS matters (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  number text UNIQUE,
  client_id text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  title text NOT NULL,
  matter_type text,
  description text,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  responsible_lawyer text,
  hourly_rate numeric(10, 2),
  opened_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  sample boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS matters_client_idx ON matters (client_id);

CREATE TABLE IF NOT EXISTS adverse_parties (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  matter_id text NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
  name text NOT NULL,
  email text,
  role text NOT NULL DEFAULT 'opposing party',
  sample boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS adverse_parties_matter_idx ON adverse_parties (matter_id);

CREATE TABLE IF NOT EXISTS emails (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  from_address text NOT NULL,
  from_name text,
  to_address text NOT NULL,
  subject text NOT NULL DEFAULT '',
  body text NOT NULL DEFAULT '',
  received_at timestamptz NOT NULL DEFAULT now(),
  matter_id text REFERENCES matters (id) ON DELETE SET NULL,
  sample boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS emails_received_idx ON emails (received_at DESC);
CREATE INDEX IF NOT EXISTS emails_from_idx ON emails (lower(from_address));

CREATE TABLE IF NOT EXISTS time_entries (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  matter_id text NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
  lawyer text NOT NULL,
  entry_date date NOT NULL,
  hours numeric(6, 2) NOT NULL CHECK (hours >= 0),
  rate numeric(10, 2) NOT NULL CHECK (rate >= 0),
  description text NOT NULL DEFAULT '',
  billed boolean NOT NULL DEFAULT false,
  sample boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS time_entries_date_idx ON time_entries (entry_date);

CREATE TABLE IF NOT EXISTS documents (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  matter_id text REFERENCES matters (id) ON DELETE SET NULL,
  client_id text REFERENCES clients (id) ON DELETE SET NULL,
  kind text NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  content_type text NOT NULL DEFAULT 'text/plain',
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sample boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS documents_matter_idx ON documents (matter_id);
CREATE INDEX IF NOT EXISTS documents_client_idx ON documents (client_id);

CREATE TABLE IF NOT EXISTS outbox (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  -- one row per (run, task): a retried send_email finds its row instead of queueing a second message
  idempotency_key text UNIQUE,
  to_address text NOT NULL,
  cc text,
  subject text NOT NULL,
  body text NOT NULL,
  matter_id text REFERENCES matters (id) ON DELETE SET NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  message_id text,
  error text,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  sample boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS outbox_status_idx ON outbox (status, created_at);

CREATE TABLE IF NOT EXISTS calendar_events (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  uid text NOT NULL UNIQUE,
  title text NOT NULL,
  description text,
  location text,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  all_day boolean NOT NULL DEFAULT false,
  matter_id text REFERENCES matters (id) ON DELETE SET NULL,
  ics text NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sample boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS calendar_events_starts_idx ON calendar_events (starts_at);
