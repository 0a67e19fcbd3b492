-- Parking: group commit of bookings. `parking_book_many` books a batch of requests of one lot in
-- one statement (one transaction), one after the other in the order given, each exactly as
-- `parking_book` (20261128T0835_parking_book_lazy_candidates.sql) books it alone: every item's
-- statements see the rows the earlier items of the batch inserted, so "any space" picks inside a
-- batch are exact and items of one batch never race each other. The exclusion constraint still
-- decides every insert (against bookings made outside the batch, by other instances or paths).
--
-- The advisory locks of every account and plate of the batch are taken first, in one sorted
-- order, so two batches (of different lots) sharing accounts or plates cannot deadlock on them;
-- `parking_book` takes them again (already held: no wait).
--
-- p_items: a JSON array of objects with the arguments of parking_book:
--   lot, space, types[], grid, account, plate, colour, start, end, quote, terms, shared, owner, at,
--   maxAccount, maxPlate, needAccessible, quick, amount, ownerFen, communityFen, platformFen,
--   actor, actorName, auditAfter (JSON text), requestId, ip, lotVersion, spaceVersion.
-- Answers one row per item: its 1-based position and parking_book's answer.
create function parking_book_many(p_items jsonb)
returns table (idx int, outcome text, reservation_id uuid, space_id uuid, space_code text, space_type text,
  by_account int, by_plate int, ban_until timestamptz, accessible boolean)
language plpgsql volatile as $$
declare
  e record;
begin
  perform pg_advisory_xact_lock(k.key) from (
    select distinct hashtextextended(x.name, 0) as key from (
      select 'parking:account:' || (i->>'account') as name from jsonb_array_elements(p_items) i
      union all
      select 'parking:plate:' || (i->>'plate') from jsonb_array_elements(p_items) i) x
    order by 1) k;

  for e in select t.item, t.ord from jsonb_array_elements(p_items) with ordinality as t(item, ord) loop
    return query select e.ord::int, b.outcome, b.reservation_id, b.space_id, b.space_code, b.space_type,
      b.by_account, b.by_plate, b.ban_until, b.accessible
    from parking_book(
      (e.item->>'lot')::uuid, (e.item->>'space')::uuid, array(select jsonb_array_elements_text(e.item->'types')), e.item->>'grid',
      (e.item->>'account')::uuid, e.item->>'plate', e.item->>'colour',
      (e.item->>'start')::timestamptz, (e.item->>'end')::timestamptz, (e.item->>'quote')::int, e.item->>'terms',
      (e.item->>'shared')::boolean, (e.item->>'owner')::uuid, (e.item->>'at')::timestamptz,
      (e.item->>'maxAccount')::int, (e.item->>'maxPlate')::int, (e.item->>'needAccessible')::boolean, (e.item->>'quick')::boolean,
      (e.item->>'amount')::int, (e.item->>'ownerFen')::int, (e.item->>'communityFen')::int, (e.item->>'platformFen')::int,
      (e.item->>'actor')::uuid, e.item->>'actorName', (e.item->>'auditAfter')::jsonb, e.item->>'requestId', e.item->>'ip',
      (e.item->>'lotVersion')::int, (e.item->>'spaceVersion')::int) b;
  end loop;
end
$$;
