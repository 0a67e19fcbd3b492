-- Slimmer statistics rollups (docs/STATS.md, issue #7 at ten million cases).
--
-- The daily and per-minute rollups no longer keep the grid level: at 10M cases it was ~18 rows
-- per case. Their size is now bounded by days × regions (city, district, street, community) ×
-- metrics (× classes, × departments). A screen scoped to one grid, and the grids of a community,
-- are computed from the case history of those grids (a few hundred cases). The stock stays per
-- grid (bounded by the grids). Hot spots read a small grid × day table of reports that the
-- snapshot job prunes to the last 35 days. Reports and closings per class are also kept per
-- month, for year-long class views.

-- Reports per grid and local day, the last 35 days only (hot spots: grids with most reports in
-- the last days). Keyed by day first: a hot-spot query reads a few days of one region's grids.
create table stat_grid_reports (
  day date not null,
  grid_code text collate "C" not null check (length(grid_code) = 15),
  n int not null check (n >= 0),
  primary key (day, grid_code)
);

-- Reports and closings per region, month (its first day) and class.
create table stat_monthly_classes (
  region_code text collate "C" not null check (length(region_code) in (6, 9, 12)),
  month date not null check (extract(day from month) = 1),
  class_kind text not null,
  minor_class text not null,
  metric text not null check (metric in ('report', 'close')),
  n int not null check (n >= 0),
  primary key (region_code, month, class_kind, minor_class, metric)
);

-- Existing data moves over: grid-level reports of the last days (a day more than kept, for the
-- time zone; the snapshot job prunes the rest), and the class rollups summed per month.
insert into stat_grid_reports (day, grid_code, n)
  select day, region_code, n from stat_daily where length(region_code) = 15 and metric = 'report' and day >= current_date - 36 and n > 0;
insert into stat_monthly_classes (region_code, month, class_kind, minor_class, metric, n)
  select region_code, date_trunc('month', day)::date, class_kind, minor_class, metric, sum(n)::int from stat_daily_classes
  where length(region_code) < 15 group by 1, 2, 3, 4, 5 having sum(n) > 0;

delete from stat_daily where length(region_code) = 15;
drop index if exists stat_daily_grid_idx;
alter table stat_daily add constraint stat_daily_level check (length(region_code) in (6, 9, 12));

delete from stat_daily_classes where length(region_code) = 15;
alter table stat_daily_classes add constraint stat_daily_classes_level check (length(region_code) in (6, 9, 12));

delete from stat_daily_departments where length(region_code) = 15;
alter table stat_daily_departments add constraint stat_daily_departments_level check (length(region_code) in (6, 9, 12));

delete from stat_minutes where length(region_code) = 15;
alter table stat_minutes add constraint stat_minutes_level check (length(region_code) in (6, 9, 12));

-- The live feed's first fill: the latest case events, newest first.
create index case_events_at_idx on case_events (at desc, id desc);

