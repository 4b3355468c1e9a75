-- 时间银行, second part: requests (by the elder, a guardian, or staff for someone without
-- a phone) matched to volunteers' offers, visits checked in and out at the elder's home,
-- welfare alerts when a matched visit did not happen, health notes under separate consent,
-- a catalogue to spend hours on, gifts between family (also across communities of a
-- street), volunteer-hours certificates anyone can check, and monthly totals published.

create table timebank_offers (
    user_id bigint primary key references users(id),
    community_id bigint not null,
    kinds text not null,                      -- comma-separated service kinds
    weekdays text not null,                   -- comma-separated, Monday = 1
    from_minute bigint not null,              -- free from/to, minutes after midnight (UTC+8)
    to_minute bigint not null,
    capacity bigint not null,                 -- open requests taken at most
    note text not null,
    updated_at bigint not null
);

create table timebank_requests (
    id integer primary key autoincrement,
    community_id bigint not null,
    recipient_user bigint not null references users(id),
    kind text not null,
    minutes bigint not null,                  -- expected length
    wanted_at bigint not null,                -- when the visit is wanted (ms)
    note text not null,
    channel text not null,                    -- self | guardian | staff
    entered_by bigint not null references users(id),
    pay_hours boolean not null default false,     -- paid from the recipient's stored hours
    status text not null,                     -- open | matched | visiting | done | cancelled
    volunteer_user bigint references users(id),
    match_reason text,                        -- JSON: the figures that decided the match
    matched_at bigint,
    checkin_at bigint,
    checkin_lng double precision,
    checkin_lat double precision,
    checkin_m bigint,                         -- metres from the elder's building
    checkout_at bigint,
    checkout_lng double precision,
    checkout_lat double precision,
    service_id bigint,
    alerted_at bigint,                        -- welfare alert raised
    created_at bigint not null
);
create index timebank_requests_status on timebank_requests(community_id, status, wanted_at);
create index timebank_requests_recipient on timebank_requests(recipient_user, id);
create index timebank_requests_volunteer on timebank_requests(volunteer_user, status);

alter table timebank_services add column request_id bigint;

-- Monthly figures, kept in the transaction that credits a service (the month it was
-- credited, China time), so a month reads in constant time whatever the volume.
create table timebank_month_kinds (
    community_id bigint not null,
    month text not null,
    kind text not null,
    services bigint not null,
    minutes bigint not null,
    primary key (community_id, month, kind)
);
create table timebank_month_volunteers (
    community_id bigint not null,
    month text not null,
    user_id bigint not null,
    primary key (community_id, month, user_id)
);

create table timebank_health_notes (
    resident_id bigint primary key,
    note_enc text not null,                    -- sealed (care_health_notes, separate consent)
    written_by bigint not null,
    updated_at bigint not null
);

create table timebank_items (
    id integer primary key autoincrement,
    community_id bigint not null,
    name text not null,
    minutes bigint not null,                  -- the price in minutes
    stock bigint not null,
    created_by bigint,
    created_at bigint not null
);

create table timebank_orders (
    id integer primary key autoincrement,
    item_id bigint not null references timebank_items(id),
    user_id bigint not null references users(id),
    transfer_id bigint not null references timebank_transfers(id),
    created_at bigint not null
);

-- A gift across communities is two transfers, one in each bank (each community's
-- movements still sum to zero); the pair is kept here.
create table timebank_interbank (
    id integer primary key autoincrement,
    out_transfer bigint not null references timebank_transfers(id),
    in_transfer bigint not null references timebank_transfers(id),
    from_community bigint not null,
    to_community bigint not null,
    minutes bigint not null,
    created_at bigint not null
);

create table timebank_certificates (
    code text primary key,
    user_id bigint not null references users(id),
    community_id bigint not null,
    minutes bigint not null,
    services bigint not null,
    first_at bigint,
    issued_by bigint not null,
    issued_at bigint not null
);
create index timebank_certificates_user on timebank_certificates(user_id);

create table timebank_months (
    community_id bigint not null,
    month text not null,                      -- YYYY-MM (UTC+8)
    volunteers bigint not null,
    services bigint not null,
    minutes bigint not null,
    by_kind text not null,                    -- JSON
    document_id bigint not null,
    ledger_index bigint not null,
    published_by bigint not null,
    published_at bigint not null,
    primary key (community_id, month)
);
