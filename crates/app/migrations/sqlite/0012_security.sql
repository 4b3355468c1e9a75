-- Logins are throttled in memory per (name, address) and per address (auth::service), not by
-- a per-account lock anyone could trigger: the lock column and the failure rows go.
drop index if exists login_failures_user_at;
drop table if exists login_failures;
alter table users drop column locked_until;

-- Idempotency keys of writes that must happen once (money and ledger posts): the same key
-- from the same user for the same kind of write replays the first result; a different
-- request under a used key is refused (IDEMPOTENCY_KEY_REUSED).
create table idempotency_keys (
    user_id bigint not null,
    scope text not null,
    key text not null,
    request_sha256 text not null,
    result_id bigint not null,
    created_at bigint not null,
    primary key (user_id, scope, key)
);
create index idempotency_keys_created on idempotency_keys(created_at);

-- Free text people type (reports) is shown with phone and ID numbers masked; the text as
-- typed is kept with the report that carried it, encrypted, for a permitted and audited
-- reveal and for the reporter's own export.
alter table case_reporters add column original_sealed text;

-- Corrections to the routing model are reviewed before the live model learns them (a single
-- account's repeated reclassifications retrained it before): pending → accepted (given the
-- next applied_seq, the order every node learns them in) or rejected; beyond a per-user
-- daily limit they are kept as over_limit and never learnt. Earlier corrections wait for
-- review like new ones.
alter table routing_corrections add column status text not null default 'pending';
alter table routing_corrections add column reviewed_by bigint;
alter table routing_corrections add column reviewed_at bigint;
alter table routing_corrections add column applied_seq bigint;
create unique index routing_corrections_applied on routing_corrections(applied_seq);
create index routing_corrections_status on routing_corrections(status, id);
create index routing_corrections_user on routing_corrections(user_id, created_at);

-- Passwords are changed by their owners; staff passwords expire after 90 days (residents'
-- do not: the documented deviation). Null: unchanged since the account was created.
alter table users add column password_changed_at bigint;
