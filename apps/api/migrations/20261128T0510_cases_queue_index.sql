-- The task queue's order (red, yellow, green; nearest deadline; id) as an index over open cases,
-- so a queue page reads the first rows in order instead of sorting every open case.
create index cases_queue_order_idx on cases (
  (case light when 'red' then 0 when 'yellow' then 1 else 2 end),
  (coalesce(stage_deadline, 'infinity'::timestamptz)),
  id
) where state not in ('rejected', 'closed', 'voided', 'merged');
