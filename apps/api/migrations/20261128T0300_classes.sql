-- Classification of components (部件) and events (事件): major classes (大类, 2 digits) and minor
-- classes (小类, 4 digits = major + 2). Tenant data: seeded from datasets/standards/classification.json
-- at first start, then edited per deployment (local classes such as 21xx). A class that is in use
-- is never deleted (foreign keys from components and cases restrict it), only retired.
create table major_classes (
  kind text not null check (kind in ('component', 'event')),
  code text collate "C" not null check (code ~ '^[0-9]{2}$'),
  name text not null check (length(name) between 1 and 50),
  retired boolean not null default false,
  -- added by this deployment rather than by the seed
  local boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (kind, code)
);

create table minor_classes (
  kind text not null check (kind in ('component', 'event')),
  code text collate "C" not null check (code ~ '^[0-9]{4}$'),
  major_code text collate "C" not null,
  name text not null check (length(name) between 1 and 100),
  retired boolean not null default false,
  local boolean not null default false,
  -- extra attributes of this class: [{name, type, required, values?, description?}]
  attributes jsonb not null default '[]' check (jsonb_typeof(attributes) = 'array'),
  source text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (kind, code),
  foreign key (kind, major_code) references major_classes (kind, code),
  check (left(code, 2) = major_code)
);
create index minor_classes_major_idx on minor_classes (kind, major_code, code);

-- Which seed files have been applied, so a class an administrator deleted is not seeded again.
create table class_seeds (
  name text primary key,
  checksum text not null,
  applied_at timestamptz not null default now()
);
