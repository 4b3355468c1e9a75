-- 数字孪生: saved emergency scenarios built from a community's model, their simulated runs
-- (today's posts beside the optimised ones), and the drills register (演练).
-- Kept column-for-column equal to ../postgres/0010_twin.sql (schema-parity test).

create table twin_scenarios (
    id integer primary key autoincrement,
    community_id bigint not null references org_units(id),
    name text not null,
    -- The builder's choices (JSON): incident mix, responders, target, days, seed, policy.
    spec text not null,
    -- The engine's scenario built from the model when saved, with the map's layer (JSON,
    -- AEAD-encrypted: it holds how many vulnerable residents live in each building).
    model_enc text not null,
    created_by bigint references users(id),
    created_at bigint not null
);
create index twin_scenarios_community on twin_scenarios(community_id, created_at);

create table twin_runs (
    id integer primary key autoincrement,
    scenario_id bigint not null references twin_scenarios(id),
    -- The comparison (JSON, encrypted like the scenario): plans, metrics, dispatch policies.
    result_enc text not null,
    seconds double precision not null,
    created_by bigint references users(id),
    created_at bigint not null
);
create index twin_runs_scenario on twin_runs(scenario_id, id);

create table twin_drills (
    id integer primary key autoincrement,
    community_id bigint not null references org_units(id),
    scenario_id bigint references twin_scenarios(id),
    title text not null,
    held_on text not null,
    plan text not null,
    participants text not null,
    happened text not null,
    changes text not null,
    -- Minutes from the alarm to the first responder on scene, as timed in the drill.
    first_arrival_minutes double precision,
    -- Vulnerable residents the drill assisted, and how many it should have.
    assisted bigint,
    to_assist bigint,
    created_by bigint references users(id),
    created_at bigint not null
);
create index twin_drills_community on twin_drills(community_id, held_on);
