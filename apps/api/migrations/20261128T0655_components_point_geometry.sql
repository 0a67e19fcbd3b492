-- A Point component's geometry is its lng/lat: store NULL instead of repeating it as GeoJSON.
-- Reads give back {"type":"Point","coordinates":[lng,lat]}. Measured on the embedded database,
-- parsing and storing the point GeoJSON was a fifth of the work of loading a census import.
update components set geometry = null where geometry ->> 'type' = 'Point';
alter table components alter column geometry drop not null;
alter table components drop constraint components_geometry_check;
alter table components add constraint components_geometry_check check (
  case when geometry is null then min_lng = lng and max_lng = lng and min_lat = lat and max_lat = lat
       else geometry ->> 'type' in ('LineString', 'Polygon') end);
