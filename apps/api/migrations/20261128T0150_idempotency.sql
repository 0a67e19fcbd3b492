-- Idempotency-Key records: the first response of a (user, key) is replayed for every retry.
-- The row is inserted in the same transaction as the change it guards, so a failed or
-- interrupted request leaves no record and a retry runs again.
create table idempotency_keys (
  user_id uuid not null references users(id) on delete cascade,
  key text not null check (length(key) between 1 and 200),
  request_hash text not null,
  status_code int not null,
  response jsonb not null,
  created_at timestamptz not null default now(),
  primary key (user_id, key)
);
create index idempotency_keys_created_idx on idempotency_keys (created_at);
