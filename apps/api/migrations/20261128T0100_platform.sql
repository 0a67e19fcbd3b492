-- Platform foundation: identity, sessions, tokens, audit chain, jobs, files.
create extension if not exists btree_gist;
create extension if not exists pg_trgm;
create extension if not exists pgcrypto;

-- Region codes: 6-digit GB/T 2260 district (or city/province ending in 00), +3 street, +3 community, +3 grid.
create domain region_code as text check (value ~ '^[0-9]{6}([0-9]{3}){0,3}$');

create table departments (
  id uuid primary key default gen_random_uuid(),
  code text not null unique check (code ~ '^[A-Za-z0-9_-]{1,32}$'),
  name text not null check (length(name) between 1 and 100),
  region_code region_code,
  disabled boolean not null default false,
  created_at timestamptz not null default now()
);

create table users (
  id uuid primary key default gen_random_uuid(),
  username text not null check (username ~ '^[A-Za-z0-9_.-]{3,64}$'),
  display_name text not null check (length(display_name) between 1 and 100),
  password_hash text not null,
  roles text[] not null check (
    cardinality(roles) > 0 and roles <@ array['admin','leader','operator','shiftLeader','dispatcher',
      'departmentHandler','supervisor','gridWorker','resident','parkingOperator']::text[]),
  department_id uuid references departments(id),
  -- personal data: AES-256-GCM ciphertext plus a keyed hash for exact lookup (never the plain value)
  phone_enc text,
  phone_hash text,
  disabled boolean not null default false,
  failed_logins int not null default 0,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((phone_enc is null) = (phone_hash is null)),
  -- a department handler must belong to a department
  check (not ('departmentHandler' = any(roles)) or department_id is not null)
);
create unique index users_username_key on users (lower(username));
create index users_phone_hash_idx on users (phone_hash) where phone_hash is not null;

create table user_scopes (
  user_id uuid not null references users(id) on delete cascade,
  region_code region_code not null,
  primary key (user_id, region_code)
);
create index user_scopes_region_idx on user_scopes (region_code);

create table sessions (
  id uuid primary key default gen_random_uuid(),
  token_hash text not null unique,
  user_id uuid not null references users(id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  ip text,
  user_agent text,
  check (expires_at > created_at)
);
create index sessions_user_idx on sessions (user_id);

create table api_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users(id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_tokens_user_idx on api_tokens (user_id);

-- Failed-login counters per account and per IP ('user:<name>', 'ip:<addr>'); rows expire with their window.
create table login_throttle (
  key text primary key,
  failures int not null default 0,
  window_started_at timestamptz not null,
  locked_until timestamptz
);

-- Append-only audit log, hash-chained: hash = sha256(prev_hash || canonical content).
-- audit_head holds the last id and hash; locking it serialises appends and exposes truncation.
create table audit_log (
  id bigint primary key,
  at timestamptz not null,
  actor_id uuid,
  actor_name text,
  action text not null,
  entity_type text not null,
  entity_id text,
  before jsonb,
  after jsonb,
  request_id text,
  ip text,
  prev_hash text not null,
  hash text not null
);
create index audit_log_entity_idx on audit_log (entity_type, entity_id);
create index audit_log_actor_idx on audit_log (actor_id, id);
create table audit_head (
  singleton boolean primary key default true check (singleton),
  last_id bigint not null,
  last_hash text not null
);
insert into audit_head (last_id, last_hash) values (0, repeat('0', 64));

-- Periodic jobs: one row per job; an instance claims a due row with FOR UPDATE SKIP LOCKED and a lease.
create table jobs (
  name text primary key,
  interval_ms int not null check (interval_ms > 0),
  next_run_at timestamptz not null,
  locked_by text,
  locked_until timestamptz,
  last_started_at timestamptz,
  last_finished_at timestamptz,
  last_error text,
  runs bigint not null default 0
);

-- Due work (one-off tasks): claimed the same way, retried with back-off, deduplicated by key.
create table job_tasks (
  id bigint generated always as identity primary key,
  kind text not null,
  payload jsonb not null default '{}',
  run_at timestamptz not null,
  dedupe_key text unique,
  attempts int not null default 0,
  max_attempts int not null default 5 check (max_attempts > 0),
  locked_by text,
  locked_until timestamptz,
  done_at timestamptz,
  failed_at timestamptz,
  last_error text,
  created_at timestamptz not null default now()
);
create index job_tasks_due_idx on job_tasks (run_at) where done_at is null and failed_at is null;

-- Content-addressed blobs: metadata here, bytes under DATA_DIR/files/<sha256 prefix>/<sha256>.
create table files (
  sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
  content_type text not null,
  size bigint not null check (size >= 0),
  original_name text,
  uploaded_by uuid references users(id),
  meta jsonb not null default '{}',
  created_at timestamptz not null default now()
);
