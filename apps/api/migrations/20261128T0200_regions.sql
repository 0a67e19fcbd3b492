-- Regions and unit grids: the territory tree city → district → street → community → grid.
-- Geometry is GeoJSON (WGS84) in jsonb with its bbox and geodesic area beside it (no PostGIS, D3).
create table regions (
  code region_code primary key,
  name text not null check (length(name) between 1 and 100),
  level text not null check (level in ('city', 'district', 'street', 'community', 'grid')),
  parent_code region_code references regions (code),
  -- the shard key of D14: the 6-digit district part of the code (a city row carries its own code)
  district_code text generated always as (left(code, 6)) stored,
  -- the code as it was imported when it was normalised (a 14-digit CJ/T 213 grid code)
  source_code text check (source_code ~ '^[0-9]{6,15}$'),
  geometry jsonb check (geometry is null or geometry ->> 'type' in ('Polygon', 'MultiPolygon')),
  area_m2 double precision check (area_m2 >= 0),
  min_lng double precision,
  min_lat double precision,
  max_lng double precision,
  max_lat double precision,
  -- generated or simplified outlines (e.g. demo street/community zones), not legal boundaries
  approximate boolean not null default false,
  valid_from date not null default current_date,
  valid_to date,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint regions_code_length check (case level
    when 'city' then code ~ '^[0-9]{4}00$' and code !~ '0000$'
    when 'district' then code ~ '^[0-9]{6}$' and code !~ '00$'
    when 'street' then code ~ '^[0-9]{9}$'
    when 'community' then code ~ '^[0-9]{12}$'
    else code ~ '^[0-9]{15}$' end),
  -- codes nest by prefix: a street is its district's code + 3 digits, and so on down
  constraint regions_parent_prefix check (case level
    when 'city' then parent_code is null
    when 'district' then parent_code is null or parent_code = left(code, 4) || '00'
    else parent_code = left(code, length(code) - 3) end),
  constraint regions_grid_geometry check (level <> 'grid' or geometry is not null),
  constraint regions_geometry_measured check ((geometry is null) = (area_m2 is null)
    and (geometry is null) = (min_lng is null) and (geometry is null) = (max_lat is null)),
  constraint regions_bbox check (min_lng <= max_lng and min_lat <= max_lat),
  constraint regions_validity check (valid_to is null or valid_to >= valid_from)
);
create index regions_parent_idx on regions (parent_code, code);
create index regions_level_idx on regions (level, code);
create index regions_district_idx on regions (district_code);

-- Who works a grid: one primary person and any helpers, with history. An active row
-- (assigned_to is null) is mirrored by a user_scopes row, so access checks need nothing new.
-- No foreign key to regions: history outlives a grid that is replaced by a new division.
create table grid_assignments (
  id uuid primary key default gen_random_uuid(),
  grid_code region_code not null check (length(grid_code) = 15),
  district_code text generated always as (left(grid_code, 6)) stored,
  user_id uuid not null references users (id),
  role text not null check (role in ('primary', 'helper')),
  assigned_from timestamptz not null,
  assigned_to timestamptz,
  assigned_by uuid references users (id),
  ended_by uuid references users (id),
  check (assigned_to is null or assigned_to >= assigned_from)
);
create unique index grid_assignments_one_primary on grid_assignments (grid_code) where role = 'primary' and assigned_to is null;
create unique index grid_assignments_once on grid_assignments (grid_code, user_id) where assigned_to is null;
create index grid_assignments_grid_idx on grid_assignments (grid_code, assigned_from);
create index grid_assignments_user_idx on grid_assignments (user_id) where assigned_to is null;
