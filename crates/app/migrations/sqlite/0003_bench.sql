-- The bare baseline of the intake benchmark (bench/cases.sh): one row per request, nothing
-- else. Only reachable when the server runs with --bench-endpoints.
-- Kept column-for-column equal to the other database's 0003_bench.sql (schema-parity test).
create table bench_rows (
    id integer primary key autoincrement,
    body text not null,
    created_at bigint not null
);

-- The 三率 by unit reads work orders by creation time.
create index work_orders_created on work_orders(created_at);

-- A worker's load (open orders assigned to them) is counted at every dispatch.
create index work_orders_assignee on work_orders(assignee_id, status);
