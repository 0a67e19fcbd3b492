-- Statistics of cases for the big screen (docs/STATS.md): rollups per region × day (× class,
-- × department) at every region level, kept exact by signed deltas that triggers append in the
-- same transaction as each case change, folded into the rollups by a job.

-- What a case contributes by its current row (state-based facts). The trigger emits the
-- difference between the new and the old row's facts; the rebuild sums them over all cases.
-- `at` null = a stock (now) fact; otherwise the instant the fact belongs to.
create function stat_case_facts(p_state text, p_light text, p_closed_at timestamptz, p_timings jsonb, p_department_id uuid)
returns table (at timestamptz, department_id uuid, metric text)
language sql stable as $$
  select null::timestamptz, null::uuid, m
  from unnest(array[
    case when p_state not in ('rejected', 'closed', 'voided', 'merged') then 'open' end,
    case when p_state not in ('rejected', 'closed', 'voided', 'merged') and p_light = 'red' then 'overdue' end,
    case when p_state = 'suspended' then 'suspended' end]) m
  where m is not null
  union all
  -- closed on time: no finished stage of the case ran over its limit
  select p_closed_at, null::uuid, m
  from unnest(array['closedCase',
    case when not exists (select 1 from jsonb_each(p_timings) t where (t.value ->> 'onTime')::boolean is not true) then 'closedCaseOnTime' end]) m
  where p_state = 'closed' and p_closed_at is not null and m is not null
  union all
  -- the handling stage ended (处置反馈), by the department that had the case
  select (p_timings -> 'handle' ->> 'end')::timestamptz, p_department_id, m
  from unnest(array['handled', case when (p_timings -> 'handle' ->> 'onTime')::boolean then 'handledOnTime' end]) m
  where p_timings ? 'handle' and m is not null
$$;

-- Append-only signed changes not yet folded into the rollups. Keyed by grid: the fold and the
-- queries derive the community, street, district and city from the grid code.
create table stat_deltas (
  id bigint generated always as identity primary key,
  grid_code text collate "C" not null check (length(grid_code) = 15),
  at timestamptz,
  class_kind text not null,
  minor_class text not null,
  source text not null,
  department_id uuid,
  metric text not null check (length(metric) between 1 and 40),
  n int not null check (n <> 0)
);

-- Stock now: open, overdue (open and red), suspended cases per region.
create table stat_stock (
  region_code text collate "C" not null,
  metric text not null check (metric in ('open', 'overdue', 'suspended')),
  n int not null check (n >= 0),
  primary key (region_code, metric)
);

-- Per region and local day: every workflow action by name (report, register, dispatch, close…),
-- reports by source ('report.public'…), and closed cases / closed on time (closedCase, closedCaseOnTime).
create table stat_daily (
  region_code text collate "C" not null,
  day date not null,
  metric text not null,
  n int not null check (n >= 0),
  primary key (region_code, metric, day)
);
-- Hot spots: the grids of a region with most reports in the last days.
create index stat_daily_grid_idx on stat_daily (metric, day, region_code) where length(region_code) = 15;

-- Reports and closings per region, local day and class.
create table stat_daily_classes (
  region_code text collate "C" not null,
  day date not null,
  class_kind text not null,
  minor_class text not null,
  metric text not null check (metric in ('report', 'close')),
  n int not null check (n >= 0),
  primary key (region_code, day, class_kind, minor_class, metric)
);

-- Handling stages ended per region, local day and department (handled, handledOnTime).
create table stat_daily_departments (
  region_code text collate "C" not null,
  day date not null,
  department_id uuid not null,
  metric text not null check (metric in ('handled', 'handledOnTime')),
  n int not null check (n >= 0),
  primary key (region_code, day, department_id, metric)
);

-- The KPI flows per region and minute, for "today so far" against "yesterday to the same
-- time". Only the last few days are kept (the fold prunes older minutes).
create table stat_minutes (
  region_code text collate "C" not null,
  minute timestamptz not null,
  metric text not null check (metric in ('report', 'register', 'dispatch', 'close', 'closedCase', 'closedCaseOnTime')),
  n int not null check (n >= 0),
  primary key (region_code, metric, minute)
);
create index stat_minutes_prune_idx on stat_minutes (minute);

-- Hourly snapshots of the stock, for "overdue/suspended at the same time yesterday".
create table stat_snapshot_hours (
  hour timestamptz primary key check (date_trunc('hour', hour) = hour),
  taken_at timestamptz not null
);
create table stat_snapshots (
  hour timestamptz not null references stat_snapshot_hours (hour) on delete cascade,
  region_code text collate "C" not null,
  metric text not null check (metric in ('open', 'overdue', 'suspended')),
  n int not null check (n >= 0),
  primary key (hour, region_code, metric)
);

create function stat_cases_changed() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into stat_deltas (grid_code, at, class_kind, minor_class, source, department_id, metric, n)
    select new.grid_code, f.at, new.class_kind, new.minor_class, new.source, f.department_id, f.metric, 1
    from stat_case_facts(new.state, new.light, new.closed_at, new.timings, new.department_id) f;
  else
    insert into stat_deltas (grid_code, at, class_kind, minor_class, source, department_id, metric, n)
    select x.grid_code, x.at, x.class_kind, x.minor_class, x.source, x.department_id, x.metric, sum(x.n)::int
    from (
      select new.grid_code, f.at, new.class_kind, new.minor_class, new.source, f.department_id, f.metric, 1
      from stat_case_facts(new.state, new.light, new.closed_at, new.timings, new.department_id) f
      union all
      select old.grid_code, f.at, old.class_kind, old.minor_class, old.source, f.department_id, f.metric, -1
      from stat_case_facts(old.state, old.light, old.closed_at, old.timings, old.department_id) f
    ) x (grid_code, at, class_kind, minor_class, source, department_id, metric, n)
    group by 1, 2, 3, 4, 5, 6, 7
    having sum(x.n) <> 0;
  end if;
  return null;
end $$;

create trigger stat_cases_inserted after insert on cases for each row execute function stat_cases_changed();
-- Only changes of what the facts read fire it (most updates touch none of these… or do, cheaply).
create trigger stat_cases_updated after update on cases for each row
  when (old.state is distinct from new.state or old.light is distinct from new.light
    or old.closed_at is distinct from new.closed_at or old.timings is distinct from new.timings
    or old.department_id is distinct from new.department_id or old.grid_code is distinct from new.grid_code
    or old.class_kind is distinct from new.class_kind or old.minor_class is distinct from new.minor_class
    or old.source is distinct from new.source)
  execute function stat_cases_changed();

-- Every workflow action counts once, on the local day (and minute) it happened.
create function stat_case_event_added() returns trigger language plpgsql as $$
begin
  insert into stat_deltas (grid_code, at, class_kind, minor_class, source, department_id, metric, n)
  select c.grid_code, new.at, c.class_kind, c.minor_class, c.source, null, new.action, 1
  from cases c where c.id = new.case_id;
  return null;
end $$;
create trigger stat_case_event_added after insert on case_events for each row execute function stat_case_event_added();
