-- Parking: the tariff and rules a booking was made under are kept once per distinct version
-- (content-addressed) instead of on every reservation row — jsonb on every insert cost more
-- than the rest of the row — and the reservation indexes are trimmed to the ones queries use.
create table parking_terms (
  -- sha256 of the canonical JSON of {tariff, rules}
  id text primary key check (id ~ '^[0-9a-f]{64}$'),
  tariff jsonb not null,
  rules jsonb not null,
  created_at timestamptz not null default now()
);

insert into parking_terms (id, tariff, rules)
  select distinct on (h) h, tariff, rules
  from (select encode(sha256(convert_to(tariff::text || rules::text, 'UTF8')), 'hex') as h, tariff, rules from parking_reservations) x
  on conflict do nothing;
alter table parking_reservations add column terms_id text references parking_terms (id);
update parking_reservations set terms_id = encode(sha256(convert_to(tariff::text || rules::text, 'UTF8')), 'hex');
alter table parking_reservations alter column terms_id set not null;
alter table parking_reservations drop column tariff, drop column rules;

-- occupancy uses the due index (booked rows that have started), the forecast the exclusion index per space
drop index parking_reservations_lot_period_idx;
-- one index serves exact plate matching (plate = x) and province-misread matching (same tail)
drop index parking_reservations_active_plate_idx;
drop index parking_reservations_active_tail_idx;
create index parking_reservations_active_tail_idx on parking_reservations (lot_id, substr(plate, 2)) where status in ('booked', 'checkedIn');
