-- Cases (案件): intake, the workflow's state with stage clocks, events, settings per class,
-- dispatch rules, the working calendar, numbering and overdue notifications.

-- Stage limits, urgency, closing standard and default department per minor class (event or component class).
create table case_class_settings (
  class_kind text not null check (class_kind in ('event', 'component')),
  minor_class text not null check (minor_class ~ '^[0-9]{4}$'),
  limits jsonb not null,
  urgency text not null default 'normal' check (urgency in ('normal', 'urgent', 'emergency')),
  closing_standard text not null default '',
  default_department_id uuid references departments(id),
  updated_at timestamptz not null default now(),
  primary key (class_kind, minor_class)
);

-- Auto-dispatch: the most specific matching rule (class, then longest region prefix, then priority) proposes the department.
create table dispatch_rules (
  id uuid primary key default gen_random_uuid(),
  class_kind text check (class_kind in ('event', 'component')),
  minor_class text check (minor_class ~ '^[0-9]{4}$'),
  region_code region_code,
  department_id uuid not null references departments(id),
  priority int not null default 0,
  created_at timestamptz not null default now(),
  check ((minor_class is null) or (class_kind is not null))
);

-- Public holidays and make-up working days (调休) of the tenant; seeded from datasets/calendars.
create table work_calendar_days (
  day date primary key,
  kind text not null check (kind in ('holiday', 'workday')),
  name text not null default ''
);

-- Human case numbers: YYYYMMDD (tenant date) + 5-digit sequence per district and day.
create table case_number_counters (
  district_code text not null,
  day date not null,
  last int not null check (last between 1 and 99999),
  primary key (district_code, day)
);

create table cases (
  id uuid primary key default gen_random_uuid(),
  number text not null check (number ~ '^[0-9]{13}$'),
  source text not null check (source in ('supervisor', 'public', 'hotline', 'device', 'superior')),
  class_kind text not null check (class_kind in ('event', 'component')),
  major_class text not null check (major_class ~ '^[0-9]{2}$'),
  minor_class text not null check (minor_class ~ '^[0-9]{4}$' and left(minor_class, 2) = major_class),
  component_code text check (component_code ~ '^[0-9]{16}$'),
  description text not null check (length(description) between 1 and 2000),
  address text check (length(address) <= 200),
  lng double precision not null check (lng between 73 and 136),
  lat double precision not null check (lat between 3 and 54),
  grid_code text not null,
  community_code text,
  street_code text,
  district_code text not null check (district_code ~ '^[0-9]{6}$' and left(grid_code, 6) = district_code),
  state text not null check (state in ('reported', 'verifying', 'pendingRegister', 'rejected', 'registered', 'returned',
    'dispatched', 'handling', 'handled', 'checking', 'checked', 'suspended', 'closed', 'voided', 'merged')),
  suspended_from text,
  extension_pending boolean not null default false,
  supervised boolean not null default false,
  urgency text not null default 'normal' check (urgency in ('normal', 'urgent', 'emergency')),
  department_id uuid references departments(id),
  proposed_department_id uuid references departments(id),
  primary_case_id uuid references cases(id),
  last_check_outcome text check (last_check_outcome in ('passed', 'failed')),
  reporter_id uuid references users(id),
  reporter_name_enc text,
  reporter_phone_enc text,
  reporter_phone_hash text,
  anonymous boolean not null default false,
  confidence real check (confidence between 0 and 1),
  photos jsonb not null default '[]',
  stage text check (stage in ('register', 'dispatch', 'handle', 'check', 'close')),
  clocks jsonb not null default '{}',
  timings jsonb not null default '{}',
  stage_deadline timestamptz,
  stage_warn_at timestamptz,
  light text not null default 'green' check (light in ('green', 'yellow', 'red')),
  version int not null default 1 check (version > 0),
  reported_at timestamptz not null,
  registered_at timestamptz,
  dispatched_at timestamptz,
  handled_at timestamptz,
  closed_at timestamptz,
  updated_at timestamptz not null default now(),
  unique (district_code, number),
  check ((state = 'merged') = (primary_case_id is not null)),
  check (state <> 'suspended' or suspended_from is not null),
  check ((reporter_phone_enc is null) = (reporter_phone_hash is null))
);
-- Queues: open cases by urgency of their clock.
create index cases_open_idx on cases (light desc, stage_deadline) where state not in ('rejected', 'closed', 'voided', 'merged');
-- Region scopes are code prefixes.
create index cases_grid_idx on cases (grid_code text_pattern_ops);
create index cases_department_idx on cases (department_id, state);
create index cases_reported_idx on cases (reported_at desc, id desc);
-- Duplicate proposals: open cases of a class near a point.
create index cases_duplicate_idx on cases (minor_class, lat, lng) where state not in ('rejected', 'closed', 'voided', 'merged');
create index cases_text_idx on cases using gin ((description || ' ' || coalesce(address, '')) gin_trgm_ops);
-- The timer job's two scans.
create index cases_warn_idx on cases (stage_warn_at) where light = 'green' and stage_warn_at is not null;
create index cases_deadline_idx on cases (stage_deadline) where light <> 'red' and stage_deadline is not null;

-- The timeline: one row per action, written in the same transaction as the case change.
create table case_events (
  id bigint generated always as identity primary key,
  case_id uuid not null references cases(id) on delete cascade,
  at timestamptz not null,
  actor_id uuid references users(id),
  actor_name text not null,
  action text not null,
  from_state text,
  to_state text not null,
  comment text,
  input jsonb not null default '{}',
  photos jsonb not null default '[]'
);
create index case_events_case_idx on case_events (case_id, id);

-- Yellow and red notices: unique per case, stage run and deadline, so no instance or restart sends one twice.
create table case_notifications (
  id bigint generated always as identity primary key,
  case_id uuid not null references cases(id) on delete cascade,
  kind text not null check (kind in ('warning', 'overdue')),
  stage text not null,
  deadline timestamptz not null,
  department_id uuid,
  grid_code text not null,
  created_at timestamptz not null,
  unique (case_id, kind, stage, deadline)
);
create index case_notifications_created_idx on case_notifications (created_at desc);
