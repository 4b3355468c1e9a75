-- The 三率 of each handling unit within each community (dim 'unit_c', key = unit_id * 2^32 +
-- community_id), so that a street's or a community's board ranks units by their work there.
-- Backfilled from the base tables exactly as `rollup::rebuild` computes it; kept live by the
-- same writes that keep dim 'unit'.
insert into rate_daily (dim, key, day, due_to_sign, signed_in_time, callbacks, solved, rated, satisfied)
select dim, key, day, cast(sum(a) as bigint), cast(sum(b) as bigint), cast(sum(c) as bigint),
       cast(sum(e) as bigint), cast(sum(f) as bigint), cast(sum(g) as bigint)
from (
    select 'unit_c' as dim, (o.unit_id * 4294967296 + c.community_id) as key,
           ((o.created_at + 28800000) / 86400000) as day, 1 as a,
           case when o.responded_at is not null and o.responded_at <= o.sign_by then 1 else 0 end as b,
           0 as c, 0 as e, 0 as f, 0 as g
    from work_orders o join cases c on c.id = o.case_id where o.response_counted
    union all
    select 'unit_c' as dim, (o.unit_id * 4294967296 + c.community_id) as key,
           ((k.at + 28800000) / 86400000) as day, 0 as a, 0 as b, 1 as c,
           case when k.solved then 1 else 0 end as e,
           case when k.satisfaction is not null then 1 else 0 end as f,
           case when k.satisfaction >= 4 then 1 else 0 end as g
    from callbacks k join cases c on c.id = k.case_id
    join work_orders o on o.case_id = k.case_id and o.status <> 'rerouted'
) t group by dim, key, day;
