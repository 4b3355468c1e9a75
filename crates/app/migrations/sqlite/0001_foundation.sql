-- Foundation: organisation tree, residents, users and sessions, audit trail.
-- Kept column-for-column equal to ../postgres/0001_foundation.sql (schema-parity test).

create table app_meta (
    key text primary key,
    value text not null
);

-- handling units (处置单位): property companies, utilities, departments
create table units (
    id integer primary key autoincrement,
    code text not null unique,
    kind text not null,          -- taxonomy unit key: property, water, police …
    name text not null,
    created_at bigint not null
);

-- district / street / community / grid / compound / building, one table
create table org_units (
    id integer primary key autoincrement,
    level text not null,
    code text not null unique,
    name text not null,
    parent_id bigint references org_units(id),
    street_id bigint,            -- denormalised ancestors, for scope filters
    community_id bigint,
    grid_id bigint,
    geometry text,               -- GeoJSON (WGS-84): polygon for grids and compounds
    lng double precision,        -- point for buildings
    lat double precision,
    floors bigint,
    property_unit_id bigint references units(id),
    created_at bigint not null
);
create index org_units_parent on org_units(parent_id);
create index org_units_level on org_units(level);

create table households (
    id integer primary key autoincrement,
    building_id bigint not null references org_units(id),
    grid_id bigint not null,
    community_id bigint not null,
    street_id bigint not null,
    room text not null
);
create index households_building on households(building_id);

create table residents (
    id integer primary key autoincrement,
    household_id bigint not null references households(id),
    building_id bigint not null,
    grid_id bigint not null,
    community_id bigint not null,
    street_id bigint not null,
    name text not null,
    gender text not null,
    birth_year bigint not null,
    phone_enc text not null,     -- AEAD ciphertext, never plaintext
    phone_idx text not null,     -- keyed hash for exact lookup
    id_number_enc text not null,
    id_number_idx text not null unique,
    tags text not null,          -- JSON array of tag names
    created_at bigint not null,
    updated_at bigint not null
);
create index residents_phone_idx on residents(phone_idx);
create index residents_grid on residents(grid_id);
create index residents_community on residents(community_id);
create index residents_street on residents(street_id);
create index residents_building on residents(building_id);

create table users (
    id integer primary key autoincrement,
    username text not null unique,
    display_name text not null,
    role text not null,
    scope_kind text not null,
    scope_id bigint,
    resident_id bigint references residents(id),
    password_hash text not null,
    disabled boolean not null default false,
    locked_until bigint,
    lang text not null default 'zh',
    elder_mode boolean not null default false,
    created_at bigint not null,
    updated_at bigint not null
);

create table sessions (
    id text primary key,         -- SHA-256 of the secret token, never the token
    user_id bigint not null references users(id),
    kind text not null,          -- web | api | integration
    csrf text not null,
    created_at bigint not null,
    last_seen bigint not null,
    expires_at bigint not null,
    revoked_at bigint,
    ip text
);
create index sessions_user on sessions(user_id);

create table login_failures (
    id integer primary key autoincrement,
    user_id bigint not null references users(id),
    at bigint not null
);
create index login_failures_user_at on login_failures(user_id, at);

-- append-only, hash-chained
create table audit_log (
    seq bigint primary key,
    at_ms bigint not null,
    actor_id bigint,
    actor text not null,
    action text not null,
    object_type text not null,
    object_id text,
    ip text,
    result text not null,
    detail text not null,
    prev_hash text not null,
    hash text not null
);
create index audit_log_action on audit_log(action);

create table audit_head (
    id bigint primary key,
    seq bigint not null,
    hash text not null
);
insert into audit_head (id, seq, hash)
values (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

create trigger audit_log_no_update before update on audit_log
begin select raise(abort, 'audit_log is append-only'); end;
create trigger audit_log_no_delete before delete on audit_log
begin select raise(abort, 'audit_log is append-only'); end;
