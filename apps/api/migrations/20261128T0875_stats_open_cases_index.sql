-- The big screen's case points (GET /stats/case-points, docs/STATS.md): the newest open cases of a
-- region. The open cases are ~1% of all cases at ten million, so partial indexes of them in the
-- order the map reads (newest first), carrying every column the points need, answer from the index
-- alone. (Before: the newest cases of all states walked backwards, or a district's million cases
-- intersected with the open ones and sorted — seconds at 10M.)
-- A city or a district walks the open cases newest first and keeps its own (the grid code is in
-- the index): the city reads the first 2,000 entries, a district about ten times as many.
create index cases_open_recent_idx on cases (reported_at desc, id desc)
  include (grid_code, number, lng, lat, light, minor_class)
  where state not in ('rejected', 'closed', 'voided', 'merged');
-- A street (and a community or a grid, inside their street) reads its own range.
create index cases_open_street_idx on cases (left(grid_code, 9), reported_at desc, id desc)
  include (grid_code, number, lng, lat, light, minor_class)
  where state not in ('rejected', 'closed', 'voided', 'merged');
