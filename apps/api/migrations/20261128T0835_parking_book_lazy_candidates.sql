-- Parking: parking_book's "any space" loop probes the spaces for a free one lazily, in the random
-- order, until one is booked — instead of probing all of them before ordering (most bookings
-- take the first or second space tried). Otherwise as in 20261128T0834_parking_book_versions.sql.
drop function parking_book(uuid, uuid, text[], text, uuid, text, text, timestamptz, timestamptz, int, text, boolean, uuid, timestamptz,
  int, int, boolean, boolean, int, int, int, int, uuid, text, jsonb, text, text, int, int);

create function parking_book(
  p_lot uuid, p_space uuid, p_types text[], p_grid text, p_account uuid, p_plate text, p_colour text,
  p_start timestamptz, p_end timestamptz, p_quote int, p_terms text, p_shared boolean, p_owner uuid, p_at timestamptz,
  p_max_account int, p_max_plate int, p_need_accessible boolean, p_quick boolean,
  p_amount int, p_owner_fen int, p_community_fen int, p_platform_fen int,
  p_actor uuid, p_actor_name text, p_audit_after jsonb, p_request_id text, p_ip text,
  p_lot_version int, p_space_version int
) returns table (outcome text, reservation_id uuid, space_id uuid, space_code text, space_type text,
  by_account int, by_plate int, ban_until timestamptz, accessible boolean)
language plpgsql volatile as $$
#variable_conflict use_column
declare
  v_period tstzrange := tstzrange(p_start, p_end, '[)');
  v_by_account int;
  v_by_plate int;
  v_ban timestamptz;
  v_accessible boolean;
  v_id uuid;
  v_space uuid := p_space;
  v_code text;
  v_type text;
  c record;
begin
  -- the lot and the named space must still be the versions the caller checked the rules against
  if not exists (select 1 from parking_lots l where l.id = p_lot and l.version = p_lot_version)
     or (p_space is not null and not exists (select 1 from parking_spaces s where s.id = p_space and s.version = p_space_version)) then
    return query select 'stale'::text, null::uuid, null::uuid, null::text, null::text, null::int, null::int, null::timestamptz, null::boolean;
    return;
  end if;

  if p_quick then
    if p_space is not null then
      if exists (select 1 from parking_reservations x where x.space_id = p_space and x.status in ('booked', 'checkedIn') and x.period && v_period) then
        return query select 'conflict'::text, null::uuid, null::uuid, null::text, null::text, null::int, null::int, null::timestamptz, null::boolean;
        return;
      end if;
    elsif not exists (
      select 1 from parking_spaces s
      where s.lot_id = p_lot and s.pooled and s.status = 'active' and s.type = any(p_types)
        and not exists (select 1 from parking_reservations x where x.space_id = s.id and x.status in ('booked', 'checkedIn') and x.period && v_period)) then
      return query select 'noSpace'::text, null::uuid, null::uuid, null::text, null::text, null::int, null::int, null::timestamptz, null::boolean;
      return;
    end if;
  end if;

  perform pg_advisory_xact_lock(hashtextextended('parking:account:' || p_account::text, 0)),
    pg_advisory_xact_lock(hashtextextended('parking:plate:' || p_plate, 0));

  -- counts stop at the limits: a busy account costs no more than its limit
  select
    (select count(*) from (select 1 from parking_reservations r where r.account_id = p_account and r.lot_id = p_lot
       and r.status in ('booked', 'checkedIn') limit p_max_account) a),
    (select count(*) from (select 1 from parking_reservations r where r.lot_id = p_lot and substr(r.plate, 2) = substr(p_plate, 2)
       and r.plate = p_plate and r.status in ('booked', 'checkedIn') limit p_max_plate) b),
    (select max(ends_at) from parking_bans where account_id = p_account and lifted_at is null and starts_at <= p_at and ends_at > p_at),
    exists (select 1 from parking_permits where lot_id = p_lot and plate = p_plate and kind = 'accessible'
       and revoked_at is null and valid_from <= p_at and valid_to > p_at)
  into v_by_account, v_by_plate, v_ban, v_accessible;
  if v_ban is not null or v_by_account >= p_max_account or v_by_plate >= p_max_plate or (p_need_accessible and not v_accessible) then
    return query select 'refused'::text, null::uuid, null::uuid, null::text, null::text, v_by_account, v_by_plate, v_ban, v_accessible;
    return;
  end if;

  if p_space is not null then
    insert into parking_reservations (lot_id, space_id, grid_code, account_id, plate, plate_colour, period, quote_fen, terms_id, shared, owner_id, booked_at)
    values (p_lot, p_space, p_grid, p_account, p_plate, p_colour, v_period, p_quote, p_terms, p_shared, p_owner, p_at)
    on conflict do nothing
    returning id into v_id;
    if v_id is null then
      return query select 'conflict'::text, null::uuid, null::uuid, null::text, null::text, v_by_account, v_by_plate, v_ban, v_accessible;
      return;
    end if;
  else
    -- the spaces in order first (offset 0 keeps the order below the filter), then the free-space
    -- probe only until a space is found: the loop's cursor fetches lazily
    for c in
      select s.id, s.code, s.type from (
        select s.id, s.code, s.type from parking_spaces s
        where s.lot_id = p_lot and s.pooled and s.status = 'active' and s.type = any(p_types)
        order by array_position(p_types, s.type), random()
        offset 0) s
      where not exists (select 1 from parking_reservations x where x.space_id = s.id and x.status in ('booked', 'checkedIn') and x.period && v_period)
    loop
      insert into parking_reservations (lot_id, space_id, grid_code, account_id, plate, plate_colour, period, quote_fen, terms_id, shared, owner_id, booked_at)
      values (p_lot, c.id, p_grid, p_account, p_plate, p_colour, v_period, p_quote, p_terms, p_shared, p_owner, p_at)
      on conflict do nothing
      returning id into v_id;
      if v_id is not null then
        v_space := c.id;
        v_code := c.code;
        v_type := c.type;
        exit;
      end if;
    end loop;
    if v_id is null then
      return query select 'noSpace'::text, null::uuid, null::uuid, null::text, null::text, v_by_account, v_by_plate, v_ban, v_accessible;
      return;
    end if;
  end if;

  insert into parking_charges (lot_id, grid_code, kind, reservation_id, space_id, owner_id, account_id, plate, amount_fen, owner_fen, community_fen, platform_fen, at)
  values (p_lot, p_grid, 'booking', v_id, v_space, p_owner, p_account, p_plate, p_amount, p_owner_fen, p_community_fen, p_platform_fen, p_at);
  insert into audit_log (at, actor_id, actor_name, action, entity_type, entity_id, before, after, request_id, ip)
  values (p_at, p_actor, p_actor_name, 'parking.reservation.create', 'parkingReservation', v_id::text, null,
    p_audit_after || jsonb_build_object('spaceId', v_space::text), p_request_id, p_ip);
  return query select 'booked'::text, v_id, v_space, v_code, v_type, v_by_account, v_by_plate, v_ban, v_accessible;
end
$$;
