-- Audit rows are appended without a lock and sealed into the hash chain afterwards.
-- A writer inserts one row (id from a sequence, seq/prev_hash/hash null). The sealing job locks
-- audit_head, takes the unsealed rows in id order, gives each the next chain position (seq) and
-- hash = sha256(prev_hash || canonical content), and moves the head. Chain order is seq order;
-- a row that commits after a higher id was sealed simply gets a later seq. The rows chained
-- before this migration keep their hashes: their position is their id.
create sequence audit_log_id_seq owned by audit_log.id;
select setval('audit_log_id_seq', greatest(coalesce((select max(id) from audit_log), 0), (select last_id from audit_head)) + 1, false);
alter table audit_log alter column id set default nextval('audit_log_id_seq');
alter table audit_log add column seq bigint;
update audit_log set seq = id;
alter table audit_log add constraint audit_log_seq_key unique (seq);
alter table audit_log alter column prev_hash drop not null;
alter table audit_log alter column hash drop not null;
-- A row is either unsealed (all three null) or sealed (all three set).
alter table audit_log add constraint audit_log_sealed_check check ((seq is null) = (hash is null) and (seq is null) = (prev_hash is null));
create index audit_log_unsealed_idx on audit_log (id) where seq is null;
alter table audit_head rename column last_id to last_seq;
