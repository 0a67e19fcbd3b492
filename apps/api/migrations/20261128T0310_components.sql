-- Components registry (部件): the city's managed objects with 16-digit codes, class, geometry,
-- grid, status, responsible units, photos, class attributes and field-level change history.
-- Geometry is GeoJSON (WGS84) in jsonb with a representative point (lng, lat) and a bbox (D3).

-- Code sequence per (district, minor class): allocation takes the row lock with an upsert
-- (… on conflict do update … returning) in the creating transaction, so codes are gap-free
-- and unique even under concurrent creation; a rolled-back creation rolls its number back too.
create table component_code_counters (
  district_code text collate "C" not null check (district_code ~ '^[0-9]{6}$'),
  minor_class text collate "C" not null check (minor_class ~ '^[0-9]{4}$'),
  last_seq integer not null check (last_seq between 0 and 999999),
  primary key (district_code, minor_class)
);

create table components (
  -- 标识码: 6 district + 2 major + 2 minor + 6 sequence
  -- (digit checks with ltrim, not regular expressions: they run a million times in a bulk import)
  code text collate "C" primary key check (length(code) = 16 and ltrim(code, '0123456789') = ''),
  -- the shard key of D14: the district part of the code (immutable, like the code)
  district_code text collate "C" generated always as (left(code, 6)) stored,
  class_kind text not null default 'component' check (class_kind = 'component'),
  minor_class text collate "C" not null,
  major_class text collate "C" generated always as (left(minor_class, 2)) stored,
  name text not null check (length(name) between 1 and 100),
  geometry jsonb not null check (geometry ->> 'type' in ('Point', 'LineString', 'Polygon')),
  -- representative point (the point itself, the middle of a line, a point inside a polygon)
  lng double precision not null check (lng between -180 and 180),
  lat double precision not null check (lat between -90 and 90),
  min_lng double precision not null,
  min_lat double precision not null,
  max_lng double precision not null,
  max_lat double precision not null,
  -- the unit grid containing the representative point, resolved at every write
  grid_code text collate "C" not null check (length(grid_code) = 15 and ltrim(grid_code, '0123456789') = ''),
  street_code text collate "C" generated always as (left(grid_code, 9)) stored,
  community_code text collate "C" generated always as (left(grid_code, 12)) stored,
  location text check (length(location) <= 200),
  -- 完好 / 破损 / 丢失 / 占用
  status text not null default 'intact' check (status in ('intact', 'damaged', 'lost', 'occupied')),
  -- 现势性: 在用 / 作废
  currency text not null default 'inUse' check (currency in ('inUse', 'retired')),
  -- 主管部门 / 权属单位 / 养护单位
  authority_dept_id uuid references departments (id),
  owner_dept_id uuid references departments (id),
  maintainer_dept_id uuid references departments (id),
  -- 数据来源: 实测 / 地形图 / 调绘 / 其它
  data_source text not null default 'other' check (data_source in ('survey', 'topographicMap', 'fieldMapping', 'other')),
  -- photos: sha256 of stored files
  photos text[] not null default '{}' check (cardinality(photos) = 0 or array_to_string(photos, ',') ~ '^[0-9a-f]{64}(,[0-9a-f]{64})*$'),
  install_date date,
  attributes jsonb not null default '{}' check (jsonb_typeof(attributes) = 'object'),
  note text check (length(note) <= 1000),
  version integer not null default 1 check (version > 0),
  -- the import that last wrote the row, if any
  import_id uuid,
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  foreign key (class_kind, minor_class) references minor_classes (kind, code),
  check (substr(code, 7, 4) = minor_class),
  check (min_lng <= lng and lng <= max_lng and min_lat <= lat and lat <= max_lat),
  check (max_lng - min_lng <= 0.2 and max_lat - min_lat <= 0.2)
);
-- nearest of a class: a range on lng then lat inside one class; map windows use it for all
-- classes at once (minor_class = any(…)), so there is no separate (lng, lat) index to maintain
create index components_nearest_idx on components (minor_class, lng, lat);
-- region scopes and region filters are prefixes of the grid code
create index components_grid_idx on components (grid_code, minor_class, status);
-- lines and polygons (anything with an extent), few, found by their bbox
create index components_extent_idx on components (minor_class, min_lng) where min_lng < max_lng or min_lat < max_lat;
-- text search on name and location
create index components_search_idx on components using gin ((name || ' ' || coalesce(location, '')) gin_trgm_ops);

-- Field-level history: one row per create and per change, {field: [before, after]} for changes.
create table component_changes (
  id bigint generated always as identity primary key,
  component_code text collate "C" not null,
  district_code text collate "C" generated always as (left(component_code, 6)) stored,
  at timestamptz not null,
  actor_id uuid,
  actor_name text not null,
  source text not null check (source in ('api', 'import', 'case')),
  import_id uuid,
  action text not null check (action in ('create', 'update')),
  changes jsonb
);
create index component_changes_component_idx on component_changes (component_code, id);

-- Imports: the uploaded file is read into a per-import staging table (component_staging_<id>),
-- checked, then applied in one transaction that also drops the staging table; a killed import
-- leaves the registry untouched and is marked failed at the next start or by the reaper job.
create table component_imports (
  id uuid primary key,
  status text not null check (status in ('pending', 'reading', 'applying', 'succeeded', 'rejected', 'failed')),
  format text not null check (format in ('csv', 'xlsx', 'geojson')),
  file_name text,
  file_size bigint,
  mode text not null check (mode in ('all-or-nothing', 'keep-valid')),
  crs text not null check (crs in ('WGS84', 'GCJ-02', 'BD-09')),
  encoding text not null default 'utf-8',
  mapping jsonb not null default '{}',
  rows_read integer not null default 0,
  rows_valid integer not null default 0,
  rows_invalid integer not null default 0,
  bytes_read bigint not null default 0,
  created integer not null default 0,
  updated integer not null default 0,
  unchanged integer not null default 0,
  errors_truncated boolean not null default false,
  message text,
  instance_id text,
  heartbeat_at timestamptz,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz
);
create index component_imports_created_idx on component_imports (created_at desc);
create index component_imports_running_idx on component_imports (status) where status in ('pending', 'reading', 'applying');

create table component_import_errors (
  import_id uuid not null references component_imports (id) on delete cascade,
  row_no integer not null,
  column_name text,
  value text,
  reason text not null
);
create index component_import_errors_idx on component_import_errors (import_id, row_no);
