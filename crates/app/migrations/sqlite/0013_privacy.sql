-- Second factor (RFC 6238 TOTP) for staff, mediators and administrators: the secret is
-- sealed with the personal-data key; it counts once confirmed (totp_enabled_at). The last
-- accepted time step is kept so that no code works twice. Recovery codes are stored as
-- SHA-256 (they are random, 50 bits each) and each works once.
alter table users add column totp_sealed text;
alter table users add column totp_enabled_at bigint;
alter table users add column totp_last_step bigint;
create table recovery_codes (
    user_id bigint not null references users(id),
    code_sha256 text not null,
    used_at bigint,
    primary key (user_id, code_sha256)
);

-- Consent (PIPL 13-17, 28-31): append-only, one row per grant or withdrawal, per purpose and
-- policy version. The subject is the account ('u:<user id>') or, when a guardian consents
-- for a child under 14, the child's resident record ('r:<resident id>').
create table consents (
    id integer primary key autoincrement,
    subject text not null,
    user_id bigint not null references users(id),
    purpose text not null,
    policy_version bigint not null,
    kind text not null,               -- general | separate
    granted boolean not null,         -- false: a withdrawal
    channel text not null,            -- web | api | staff
    at bigint not null
);
create index consents_subject on consents(subject, purpose, id);

-- Guardians of residents under 14, registered by community staff.
create table guardians (
    ward_resident_id bigint not null references residents(id),
    guardian_user_id bigint not null references users(id),
    created_by bigint not null,
    created_at bigint not null,
    primary key (ward_resident_id, guardian_user_id)
);

-- Requests under PIPL 44-50 that self-service does not settle: open -> in_progress -> done,
-- or refused with a reason; due 30 days after filing.
create table rights_requests (
    id integer primary key autoincrement,
    user_id bigint not null references users(id),
    kind text not null,               -- access | correct | delete | explain | withdraw | other
    detail_enc text not null,
    status text not null,             -- open | in_progress | done | refused
    due_at bigint not null,
    created_at bigint not null,
    handled_by bigint,
    reason text,
    closed_at bigint
);
create index rights_requests_status on rights_requests(status, due_at);
create index rights_requests_user on rights_requests(user_id);

-- People whose data was erased (account cancellation): also journalled outside the
-- database, so that a restored backup is erased again (gongzhi restore replays them).
create table tombstones (
    id integer primary key autoincrement,
    kind text not null,               -- user
    subject_id bigint not null,
    at bigint not null,
    unique (kind, subject_id)
);

-- What a resident tells the community about needing care (lives alone, mobility, hearing…):
-- health data, sensitive PI, kept only with their separate consent, sealed.
alter table residents add column care_sealed text;

-- SMS are capped per recipient (5 in 10 minutes): the keyed hash of the recipient lets the
-- outbox count them without decrypting.
alter table outbox add column recipient_idx text;
create index outbox_recipient on outbox(recipient_idx, created_at);
