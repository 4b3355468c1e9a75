-- 时间银行: accounts in whole minutes and transfers of two movements summing to zero
-- (double entry); each community has one bank account (user_id null) that pays for
-- confirmed services and takes back spent hours. Services are recorded pending and credited
-- once, when the recipient, their guardian (the residents' guardians registry) or staff
-- confirms.

create table timebank_accounts (
    id integer primary key autoincrement,
    community_id bigint not null,
    user_id bigint references users(id),     -- null: the community's bank
    created_at bigint not null,
    unique (community_id, user_id)
);
create unique index timebank_bank on timebank_accounts(community_id) where user_id is null;

create table timebank_transfers (
    id integer primary key autoincrement,
    community_id bigint not null,
    kind text not null,                       -- service | spend | gift
    service_id bigint,
    note text not null,
    created_by bigint,
    created_at bigint not null
);

create table timebank_movements (
    id integer primary key autoincrement,
    transfer_id bigint not null references timebank_transfers(id),
    account_id bigint not null references timebank_accounts(id),
    minutes bigint not null,
    created_at bigint not null
);
create index timebank_movements_account on timebank_movements(account_id, id);
create index timebank_movements_transfer on timebank_movements(transfer_id);

create table timebank_volunteers (
    user_id bigint primary key references users(id),
    verified_by bigint,
    verified_at bigint not null
);

create table timebank_services (
    id integer primary key autoincrement,
    community_id bigint not null,
    provider_user bigint not null references users(id),
    recipient_user bigint not null references users(id),
    minutes bigint not null,
    kind text not null,
    note text not null,
    status text not null,                     -- pending | confirmed
    checkin_at bigint,                        -- when the visit went through the app
    checkout_at bigint,
    confirmed_by bigint,
    confirmed_at bigint,
    transfer_id bigint,
    created_at bigint not null
);
create index timebank_services_recipient on timebank_services(recipient_user, status);
create index timebank_services_provider on timebank_services(provider_user, id);
