-- The live feed's first fill by region (GET /stats/feed, docs/STATS.md). The latest events of a
-- street were found by walking all case events newest first and keeping the street's: ~1% of them
-- at ten million cases, 34–42 s when the street's last events were not among the newest overall.
--
-- `stat_feed` keeps every case event of the recent window (`stat_feed_window.since` and later:
-- the last day, moved forward by the stats snapshot job) with its grid, indexed per region level,
-- so a district, street or community reads its latest events from one index range. It is exact
-- for any region with at least `limit` events since the window's start (all its events since then
-- are there, and every other one is older); a region with fewer falls back to the case history.

-- One row: events at or after `since` are all in stat_feed.
create table stat_feed_window (
  one boolean primary key default true check (one),
  since timestamptz not null
);

create table stat_feed (
  at timestamptz not null,
  event_id bigint not null,
  grid_code text collate "C" not null check (length(grid_code) = 15),
  primary key (at, event_id)
);
create index stat_feed_district_idx on stat_feed (left(grid_code, 6), at desc, event_id desc);
create index stat_feed_street_idx on stat_feed (left(grid_code, 9), at desc, event_id desc);
create index stat_feed_community_idx on stat_feed (left(grid_code, 12), at desc, event_id desc);

-- Existing data: the window starts a day before the newest event (everything when there are none).
insert into stat_feed_window (since)
  select coalesce((select max(at) from case_events) - interval '1 day', '-infinity'::timestamptz);
insert into stat_feed (at, event_id, grid_code)
  select e.at, e.id, c.grid_code from case_events e join cases c on c.id = e.case_id
  where e.at >= (select since from stat_feed_window);

-- Every workflow action counts once (stat_deltas) and, inside the window, joins the feed.
create or replace function stat_case_event_added() returns trigger language plpgsql as $$
begin
  insert into stat_deltas (grid_code, at, class_kind, minor_class, source, department_id, metric, n)
  select c.grid_code, new.at, c.class_kind, c.minor_class, c.source, null, new.action, 1
  from cases c where c.id = new.case_id;
  insert into stat_feed (at, event_id, grid_code)
  select new.at, new.id, c.grid_code from cases c
  where c.id = new.case_id and new.at >= (select since from stat_feed_window);
  return null;
end $$;
