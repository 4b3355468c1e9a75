-- 一网统管: cases, work orders, their history, deadlines calendar, notifications, devices.
-- Kept column-for-column equal to ../postgres/0002_cases.sql (schema-parity test).
-- Times are epoch milliseconds.

-- one reported matter (诉求/事件); its status is derived from its work orders
create table cases (
    id integer primary key autoincrement,
    channel text not null,            -- web | hotline | property_desk | patrol | device | import | open311
    category text not null,           -- taxonomy code
    confidence double precision,      -- the model's calibrated probability; null when a person chose
    category_by text not null,        -- model | human
    text text not null,
    lng double precision not null,
    lat double precision not null,
    address text not null,
    street_id bigint not null,
    community_id bigint not null,
    grid_id bigint not null,
    compound_id bigint,
    building_id bigint,
    zone text not null,               -- compound | public
    urgent boolean not null,
    status text not null,             -- accepted | dispatched | handling | feedback | closed
    reporter_user_id bigint references users(id),
    resident_id bigint references residents(id),  -- whom it concerns (on-behalf filing)
    filed_by_staff boolean not null,
    caller_enc text,                  -- hotline caller's phone, AEAD ciphertext
    external_ref text,                -- 12345 order number, device event, Open311 token
    photos text not null,             -- JSON array of attachment ids
    reporters bigint not null,
    rung text not null,               -- escalation ladder: grid | community | street | district
    supervised_at bigint,             -- 督办
    solved boolean,
    satisfaction bigint,
    callback_at bigint,
    reopened bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    closed_at bigint
);
create index cases_status on cases(status, urgent);
create index cases_created on cases(created_at);
create index cases_community on cases(community_id, created_at);
create index cases_grid on cases(grid_id, created_at);
create index cases_street on cases(street_id, created_at);
create index cases_open_category on cases(category, status, created_at);
create index cases_reporter on cases(reporter_user_id);
create index cases_updated on cases(updated_at);

-- everyone who reported the same matter (merged duplicates add rows here)
create table case_reporters (
    id integer primary key autoincrement,
    case_id bigint not null references cases(id),
    user_id bigint references users(id),
    resident_id bigint references residents(id),
    channel text not null,
    text text not null,
    created_at bigint not null
);
create index case_reporters_case on case_reporters(case_id);
create index case_reporters_user on case_reporters(user_id);

-- exactly-once intake: a device event id, an imported 12345 number, an Open311 token
create table intake_keys (
    source text not null,
    key text not null,
    case_id bigint not null references cases(id),
    created_at bigint not null,
    primary key (source, key)
);

-- one unit's part of a case (工单)
create table work_orders (
    id integer primary key autoincrement,
    case_id bigint not null references cases(id),
    unit_id bigint not null references units(id),
    status text not null,             -- dispatched | returned | handling | done | closed | rerouted
    assignee_id bigint references users(id),
    sign_by bigint not null,
    warn_at bigint not null,
    due_at bigint not null,
    signed_at bigint,
    responded_at bigint,              -- signed or returned: the unit acted (响应)
    done_at bigint,
    closed_at bigint,
    return_reason text,
    ext_until bigint,                 -- pending extension request (延期申请)
    ext_reason text,
    feedback text,
    feedback_photos text not null,
    warned boolean not null,          -- 预警 sent
    overdue_rung text,                -- highest rung the overdue order was escalated to
    created_at bigint not null,
    updated_at bigint not null
);
create index work_orders_case on work_orders(case_id);
create index work_orders_unit on work_orders(unit_id, status);
create index work_orders_due on work_orders(status, due_at);
create index work_orders_sign on work_orders(status, sign_by);
create index work_orders_warn on work_orders(status, warned, warn_at);

-- the full history of a case (timeline), append-only by convention
create table case_events (
    id integer primary key autoincrement,
    case_id bigint not null references cases(id),
    order_id bigint,
    at bigint not null,
    actor_id bigint,
    actor text not null,
    kind text not null,
    detail text not null              -- JSON
);
create index case_events_case on case_events(case_id, id);

-- every call-back (回访): the 解决率 and 满意率 count these
create table callbacks (
    id integer primary key autoincrement,
    case_id bigint not null references cases(id),
    solved boolean not null,
    satisfaction bigint,
    comment text not null,
    user_id bigint references users(id),
    at bigint not null
);
create index callbacks_case on callbacks(case_id);
create index callbacks_at on callbacks(at);

-- photos of reports and feedback
create table attachments (
    id integer primary key autoincrement,
    case_id bigint references cases(id),
    mime text not null,
    sha256 text not null,
    bytes blob not null,
    created_by bigint,
    created_at bigint not null
);
create index attachments_case on attachments(case_id);

-- human corrections of the routing model: training examples
create table routing_corrections (
    id integer primary key autoincrement,
    case_id bigint references cases(id),
    text text not null,
    model_label text not null,
    label text not null,
    user_id bigint references users(id),
    created_at bigint not null
);

-- the working-day calendar: holidays and make-up working days, edited per year
create table calendar_days (
    day text primary key,             -- YYYY-MM-DD
    kind text not null,               -- holiday | workday
    name text not null
);

-- per-community routing overrides: this category goes to this unit here
create table unit_routes (
    community_id bigint not null references org_units(id),
    category text not null,
    unit_id bigint not null references units(id),
    primary key (community_id, category)
);

-- a unit's workers: skills and post for assignment
create table workers (
    user_id bigint primary key references users(id),
    skills text not null,             -- JSON array of category codes or prefixes
    lng double precision,
    lat double precision,
    capacity bigint not null
);

-- the in-app inbox
create table notifications (
    id integer primary key autoincrement,
    user_id bigint not null references users(id),
    case_id bigint,
    kind text not null,
    title text not null,
    body text not null,
    created_at bigint not null,
    read_at bigint
);
create index notifications_user on notifications(user_id, read_at);

-- messages to deliver outside the app (SMS/push webhook, e-mail), retried until delivered
create table outbox (
    id integer primary key autoincrement,
    channel text not null,            -- sms | push | email
    recipient text not null,
    subject text not null,
    body text not null,
    attempts bigint not null,
    next_at bigint not null,
    claimed_until bigint,
    delivered_at bigint,
    last_error text,
    created_at bigint not null
);
create index outbox_due on outbox(delivered_at, next_at);

-- IoT sensors and AI cameras
create table devices (
    id integer primary key autoincrement,
    code text not null unique,
    name text not null,
    kind text not null,               -- smoke | water_leak | camera | manhole | …
    token_hash text not null,
    lng double precision not null,
    lat double precision not null,
    last_event_at bigint,
    last_event_type text,
    created_at bigint not null
);

create table device_events (
    device_id bigint not null references devices(id),
    event_id text not null,
    type text not null,
    at bigint not null,
    case_id bigint references cases(id),
    received_at bigint not null,
    primary key (device_id, event_id)
);

-- Open311 integration keys (only their hash is stored)
create table open311_keys (
    key_hash text primary key,
    name text not null,
    user_id bigint not null references users(id),
    created_at bigint not null
);

-- where to reach staff outside the app (SMS/push and e-mail notifications)
alter table users add column notify_phone_enc text;
alter table users add column notify_email text;
