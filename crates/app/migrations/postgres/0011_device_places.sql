-- Devices carry the place they stand (street, community, grid), located when registered, so
-- the registry lists each user only the devices in their scope. Rows from before this
-- migration are located at the next start (devices::service::locate_unplaced).
alter table devices add column street_id bigint;
alter table devices add column community_id bigint;
alter table devices add column grid_id bigint;
create index devices_community on devices(community_id, code);
create index devices_grid on devices(grid_id, code);
create index devices_street on devices(street_id, code);

-- The intake benchmark's bare baseline table is not part of the product: `serve
-- --bench-endpoints` creates it in the database it benchmarks (ops::ensure_bench_table).
drop table if exists bench_rows;
