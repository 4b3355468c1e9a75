-- Filing a report no longer updates rows that concurrent filings also update.
--
-- The heat-map tallies are appended (one row per batch, day, grid and category) instead of
-- upserted in place; readers already sum them, and the background jobs fold each key's
-- rows into one. Concurrent intake batches used to queue on the same tally row until each
-- other's commit.
create table case_daily_rows (
    day bigint not null,
    grid_id bigint not null,
    category text not null,
    n bigint not null
);
insert into case_daily_rows (day, grid_id, category, n) select day, grid_id, category, n from case_daily;
drop table case_daily;
alter table case_daily_rows rename to case_daily;
create index case_daily_key on case_daily(day, grid_id, category);

-- A case's number of reporters is counted from case_reporters when read, not kept on the
-- case row (every merged report updated the case row, and merges into the same case queued
-- on its lock).
alter table cases drop column reporters;
