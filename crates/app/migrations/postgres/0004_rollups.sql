-- Daily tallies for the 三率 and the heat map, kept up to date in the transactions that
-- change them (and rebuilt from the base tables by `gongzhi cases rebuild-rollups`), so
-- supervision queries read a few thousand rows instead of millions.
-- Kept column-for-column equal to the other database's 0004_rollups.sql (schema-parity test).

-- dim: unit | grid | community | street; key: that unit's id; day: days since 1970-01-01
-- in China Standard Time.
create table rate_daily (
    dim text not null,
    key bigint not null,
    day bigint not null,
    due_to_sign bigint not null,
    signed_in_time bigint not null,
    callbacks bigint not null,
    solved bigint not null,
    rated bigint not null,
    satisfied bigint not null,
    primary key (dim, key, day)
);

create table case_daily (
    day bigint not null,
    grid_id bigint not null,
    category text not null,
    n bigint not null,
    primary key (day, grid_id, category)
);

-- Whether an order has been counted for the response rate (signed, returned, or its
-- signing deadline passed).
alter table work_orders add column response_counted boolean not null default false;
-- The nearest deadline of the case's open orders (the dispatcher's queue order).
alter table cases add column next_due bigint;
create index cases_queue on cases(urgent, next_due);
create index cases_next_due on cases(next_due);
-- Overdue lists per scope: the oldest deadlines first, counted from the index.
create index cases_street_due on cases(street_id, next_due);
create index cases_community_due on cases(community_id, next_due);
create index cases_grid_due on cases(grid_id, next_due);
