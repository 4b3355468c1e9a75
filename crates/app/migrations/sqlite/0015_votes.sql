-- 业主共同决定 (Civil Code art. 278). The owners' register: every exclusive unit of a
-- building with its area (ten-thousandths of a m², exact) and its owner. An owner is a
-- stable key: 'r:<resident id>' for a resident, 'dev:<compound id>' for the developer's
-- unsold or undelivered units (one head together), 'x:<blind index>' for an owner who is
-- not a resident (name kept encrypted).
create table owner_units (
    id integer primary key autoincrement,
    building_id bigint not null references org_units(id),
    compound_id bigint,
    community_id bigint not null,
    unit text not null,
    floor integer not null,
    area_e4 bigint not null,
    owner_key text not null,
    resident_id bigint references residents(id),
    owner_name_sealed text,
    updated_by bigint,
    updated_at bigint not null,
    unique (building_id, unit)
);
create index owner_units_owner on owner_units(owner_key);

-- A vote (表决): its matter, scope (a building or a compound), dates and, once open, the
-- register frozen into vote_units (so the denominators never move while it runs).
create table votes (
    id integer primary key autoincrement,
    community_id bigint not null,
    scope text not null,                 -- building | compound
    scope_id bigint not null,
    matter text not null,
    title text not null,
    body text not null,
    status text not null,                -- open | closed
    opens_at bigint not null,
    closes_at bigint not null,
    register_sha256 text not null,
    total_area_e4 bigint not null,
    total_heads bigint not null,
    lift_plan text,                      -- JSON: cost, coefficients, compensation (lift retrofits)
    result text,                         -- JSON tally at closing
    created_by bigint,
    created_at bigint not null
);
create index votes_scope on votes(community_id, status);

create table vote_units (
    vote_id bigint not null references votes(id),
    unit text not null,
    floor integer not null,
    owner_key text not null,
    area_e4 bigint not null,
    primary key (vote_id, unit)
);
create index vote_units_owner on vote_units(vote_id, owner_key);

-- One ballot per owner per vote across every channel (the unique key is the rule).
create table ballots (
    id integer primary key autoincrement,
    vote_id bigint not null references votes(id),
    owner_key text not null,
    choice text not null,                -- agree | disagree | abstain
    channel text not null,               -- online | paper | proxy | door
    entered_by bigint,
    attachment_sealed text,              -- the scanned ballot or written authorisation
    created_at bigint not null,
    unique (vote_id, owner_key)
);
