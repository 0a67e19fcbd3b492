-- Parking (停车预约): lots, spaces (incl. shared private spaces), reservations that can never
-- overlap, gate events from plate cameras, parking sessions, the charge ledger, permits,
-- booking bans and hourly occupancy. Every row carries the lot's grid code and the district
-- code derived from it (the shard key of D14).

create table parking_lots (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 100),
  type text not null check (type in ('public', 'community', 'commercial')),
  status text not null default 'open' check (status in ('open', 'closed')),
  address text check (length(address) <= 200),
  lng double precision not null check (lng between -180 and 180),
  lat double precision not null check (lat between -90 and 90),
  -- resolved once from the location (regions.locatePoint)
  grid_code region_code not null check (length(grid_code) = 15),
  community_code region_code,
  street_code region_code,
  district_code text generated always as (left(grid_code, 6)) stored,
  -- physical spaces, numbered or not; walk-ins are admitted while open sessions + held bookings < capacity
  capacity int not null check (capacity between 0 and 100000),
  -- {weekly: [{weekday, start, end}], exceptions: [{date, available, start?, end?}]}; null = always open
  opening_hours jsonb,
  -- booking, cancellation, no-show and gate rules (see parking.schemas.ts LotRules)
  rules jsonb not null,
  -- pricing.ts Tariff, amounts in 分
  tariff jsonb not null,
  version int not null default 1,
  created_by uuid references users (id),
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index parking_lots_grid_idx on parking_lots (grid_code);
create index parking_lots_district_idx on parking_lots (district_code);
create index parking_lots_location_idx on parking_lots (lng, lat);

create table parking_gates (
  lot_id uuid not null references parking_lots (id) on delete cascade,
  code text not null check (code ~ '^[A-Za-z0-9_-]{1,32}$'),
  name text not null check (length(name) between 1 and 100),
  direction text not null check (direction in ('entry', 'exit', 'both')),
  primary key (lot_id, code)
);

create table parking_spaces (
  id uuid primary key default gen_random_uuid(),
  lot_id uuid not null references parking_lots (id),
  grid_code region_code not null,
  district_code text generated always as (left(grid_code, 6)) stored,
  code text not null check (code ~ '^[A-Za-z0-9_-]{1,32}$'),
  type text not null check (type in ('standard', 'ev', 'accessible', 'large')),
  level text check (length(level) <= 20),
  status text not null default 'active' check (status in ('active', 'maintenance', 'retired')),
  -- "any space" bookings may be assigned this space (the lot's own bays)
  pooled boolean not null default true,
  -- a shared private space: its resident owner publishes availability and a price
  owner_id uuid references users (id),
  owner_price_per_hour_fen int check (owner_price_per_hour_fen >= 0),
  -- {weekly, exceptions} published by the owner; null = not shared yet
  availability jsonb,
  -- the owner withdrew availability from this instant on (existing bookings are honoured)
  sharing_until timestamptz,
  version int not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (lot_id, code),
  check (owner_id is null or not pooled)
);
create index parking_spaces_owner_idx on parking_spaces (owner_id) where owner_id is not null;

-- Reservations. The exclusion constraint is the guarantee: no two active reservations of one
-- space overlap, whatever the application does. Periods are half-open [start, end), never
-- empty or unbounded, so back-to-back bookings (10:00–12:00, 12:00–13:00) are both allowed.
create table parking_reservations (
  id uuid primary key default gen_random_uuid(),
  lot_id uuid not null references parking_lots (id),
  space_id uuid not null references parking_spaces (id),
  grid_code region_code not null,
  district_code text generated always as (left(grid_code, 6)) stored,
  account_id uuid not null references users (id),
  plate text not null,
  plate_colour text not null,
  period tstzrange not null,
  status text not null default 'booked'
    check (status in ('booked', 'checkedIn', 'completed', 'cancelled', 'noShow', 'expired')),
  -- the price promised at booking, and the tariff and rules it was computed under
  quote_fen int not null check (quote_fen >= 0),
  tariff jsonb not null,
  rules jsonb not null,
  shared boolean not null,
  owner_id uuid references users (id),
  -- what the booking finally cost (quote + early/overstay, or the cancellation/no-show fee)
  fee_fen int check (fee_fen >= 0),
  booked_at timestamptz not null,
  checked_in_at timestamptz,
  ended_at timestamptz,
  cancel_reason text,
  version int not null default 1,
  constraint parking_reservations_period_valid check (
    not isempty(period) and lower_inc(period) and not upper_inc(period)
    and not lower_inf(period) and not upper_inf(period)),
  constraint parking_reservations_no_overlap
    exclude using gist (space_id with =, period with &&) where (status in ('booked', 'checkedIn'))
);
create index parking_reservations_account_idx on parking_reservations (account_id, booked_at);
create index parking_reservations_active_plate_idx on parking_reservations (lot_id, plate) where status in ('booked', 'checkedIn');
-- province-misread matching at the gate: the plate without its first character
create index parking_reservations_active_tail_idx on parking_reservations (lot_id, substr(plate, 2)) where status = 'booked';
create index parking_reservations_lot_period_idx on parking_reservations using gist (lot_id, period);
create index parking_reservations_due_idx on parking_reservations (lower(period)) where status = 'booked';

create table parking_permits (
  id uuid primary key default gen_random_uuid(),
  lot_id uuid not null references parking_lots (id),
  grid_code region_code not null,
  district_code text generated always as (left(grid_code, 6)) stored,
  plate text not null,
  -- monthly: parks free in the lot while valid; accessible: may book accessible spaces
  kind text not null check (kind in ('monthly', 'accessible')),
  valid_from timestamptz not null,
  valid_to timestamptz not null,
  price_fen int not null default 0 check (price_fen >= 0),
  issued_by uuid references users (id),
  issued_at timestamptz not null,
  revoked_at timestamptz,
  check (valid_to > valid_from)
);
create index parking_permits_plate_idx on parking_permits (lot_id, plate);

-- Every camera reading as received; (lot, camera event id) makes retries idempotent and the
-- stored result is what a duplicate gets back.
create table parking_gate_events (
  id uuid primary key default gen_random_uuid(),
  lot_id uuid not null references parking_lots (id),
  grid_code region_code not null,
  district_code text generated always as (left(grid_code, 6)) stored,
  camera_event_id text not null check (length(camera_event_id) between 1 and 128),
  gate text not null,
  direction text not null check (direction in ('entry', 'exit')),
  plate_raw text not null,
  plate text,
  plate_colour text not null,
  plate_status text not null check (plate_status in ('valid', 'manual', 'invalid')),
  confidence double precision check (confidence between 0 and 1),
  occurred_at timestamptz not null,
  received_at timestamptz not null,
  snapshot_sha256 text references files (sha256),
  action text not null check (action in ('open', 'refuse', 'review')),
  reason text not null,
  session_id uuid,
  reservation_id uuid,
  result jsonb not null,
  -- the manual path: an operator's decision on an event answered 'review'
  decided_action text check (decided_action in ('open', 'refuse')),
  decided_by uuid references users (id),
  decided_at timestamptz,
  unique (lot_id, camera_event_id)
);
create index parking_gate_events_lot_idx on parking_gate_events (lot_id, occurred_at);
create index parking_gate_events_review_idx on parking_gate_events (lot_id, occurred_at) where action = 'review' and decided_at is null;

-- A stay in a lot, from entry to exit. An exit seen before its entry (cameras out of order)
-- is kept as 'awaitingEntry'; a session without exit for too long is flagged for review and is
-- never billed beyond one day without a human decision.
create table parking_sessions (
  id uuid primary key default gen_random_uuid(),
  lot_id uuid not null references parking_lots (id),
  grid_code region_code not null,
  district_code text generated always as (left(grid_code, 6)) stored,
  plate text not null,
  plate_colour text not null,
  kind text not null check (kind in ('reservation', 'permit', 'walkIn', 'manual')),
  reservation_id uuid unique references parking_reservations (id),
  permit_id uuid references parking_permits (id),
  status text not null check (status in ('open', 'closed', 'awaitingEntry', 'void')),
  entered_at timestamptz,
  exited_at timestamptz,
  entry_gate text,
  exit_gate text,
  entry_event_id uuid references parking_gate_events (id),
  exit_event_id uuid references parking_gate_events (id),
  fee_fen int check (fee_fen >= 0),
  -- the priced breakdown, and the charged intervals later visits need for the 24-hour cap
  fee_detail jsonb,
  charges jsonb not null default '[]',
  review_status text not null default 'none' check (review_status in ('none', 'pending', 'resolved')),
  review_reasons text[] not null default '{}',
  reviewed_by uuid references users (id),
  reviewed_at timestamptz,
  review_note text,
  created_at timestamptz not null,
  check (status not in ('open', 'closed') or entered_at is not null),
  check (status <> 'awaitingEntry' or exited_at is not null),
  check (exited_at is null or entered_at is null or exited_at >= entered_at)
);
-- one car is inside a lot at most once
create unique index parking_sessions_one_open_idx on parking_sessions (lot_id, plate) where status = 'open';
create index parking_sessions_plate_idx on parking_sessions (lot_id, plate, exited_at);
create index parking_sessions_open_idx on parking_sessions (entered_at) where status = 'open';
create index parking_sessions_review_idx on parking_sessions (lot_id, created_at) where review_status = 'pending';

-- The ledger: every amount owed or refunded, already split between owner, community and
-- platform. Refunds and downward adjustments are negative rows; nothing is updated.
create table parking_charges (
  id bigint generated always as identity primary key,
  lot_id uuid not null references parking_lots (id),
  grid_code region_code not null,
  district_code text generated always as (left(grid_code, 6)) stored,
  kind text not null check (kind in ('booking', 'cancellation', 'noShow', 'session', 'permit', 'adjustment')),
  reservation_id uuid references parking_reservations (id),
  session_id uuid references parking_sessions (id),
  permit_id uuid references parking_permits (id),
  space_id uuid references parking_spaces (id),
  owner_id uuid references users (id),
  account_id uuid references users (id),
  plate text,
  amount_fen int not null,
  owner_fen int not null,
  community_fen int not null,
  platform_fen int not null,
  at timestamptz not null,
  check (owner_fen + community_fen + platform_fen = amount_fen)
);
create index parking_charges_owner_idx on parking_charges (owner_id, at) where owner_id is not null;
create index parking_charges_lot_idx on parking_charges (lot_id, at);

-- Temporary booking bans after repeated no-shows (or set by an operator).
create table parking_bans (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references users (id),
  reason text not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  lifted_at timestamptz,
  lifted_by uuid references users (id),
  check (ends_at > starts_at)
);
create index parking_bans_account_idx on parking_bans (account_id, ends_at);

-- Occupancy per lot and hour, sampled by a job and counted at the gates (statistics, charts).
create table parking_occupancy_hourly (
  lot_id uuid not null references parking_lots (id),
  hour timestamptz not null,
  grid_code region_code not null,
  district_code text generated always as (left(grid_code, 6)) stored,
  capacity int not null,
  samples int not null default 0,
  occupied_sum bigint not null default 0,
  occupied_max int not null default 0,
  reserved_max int not null default 0,
  entries int not null default 0,
  exits int not null default 0,
  primary key (lot_id, hour)
);
