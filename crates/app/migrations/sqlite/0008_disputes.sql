-- 矛盾纠纷化解: disputes, their parties, mediators, sessions, agreements and follow-ups.
-- Kept column-for-column equal to ../postgres/0008_disputes.sql (schema-parity test).
-- Times are epoch milliseconds. Accounts, names, phones, minutes, agreement terms and
-- attachments are personal data: stored as AEAD ciphertext (`*_enc`), never in clear.

-- one dispute (纠纷)
create table disputes (
    id integer primary key autoincrement,
    dtype text not null,              -- dispute type code (gongzhi_core::mediation::types)
    title text not null,              -- short, without names (shown in lists)
    account_enc text not null,        -- what happened
    wants_enc text not null,          -- what the applicant asks for
    risk text not null,               -- normal | elevated | high
    risk_reasons text not null,       -- JSON [[kind, phrase], …]
    status text not null,             -- filed | mediating | agreed | resolved | failed | referred | declined
    level text not null,              -- community | street | district | court (the rung it is on)
    resolved_level text,              -- the rung where it was resolved
    channel text not null,            -- web | office | phone | case | police
    street_id bigint not null,
    community_id bigint not null,
    case_id bigint references cases(id),
    filed_by bigint not null references users(id),
    follow_up_days bigint not null,
    follow_up_due bigint,             -- when the agreement's follow-up visit is due
    created_at bigint not null,
    updated_at bigint not null,
    closed_at bigint
);
create index disputes_community on disputes(community_id, created_at);
create index disputes_status on disputes(status);
create index disputes_updated on disputes(updated_at);
create unique index disputes_case on disputes(case_id);

-- the parties (当事人): applicants and respondents, with their consent to mediation
create table dispute_parties (
    id integer primary key autoincrement,
    dispute_id bigint not null references disputes(id),
    side text not null,               -- applicant | respondent
    name_enc text not null,
    phone_enc text,
    user_id bigint references users(id),       -- the party's own account, if any
    resident_id bigint references residents(id),
    consent text not null,            -- pending | yes | no
    consent_at bigint,
    consent_by bigint references users(id),    -- who recorded it (the party, or staff for them)
    position_enc text,                -- the party's position, as the mediator recorded it
    confirmed_at bigint,              -- confirmed the current agreement
    confirmed_by bigint references users(id)
);
create index dispute_parties_dispute on dispute_parties(dispute_id);
create index dispute_parties_user on dispute_parties(user_id);

-- a mediator's profile for matching
create table mediators (
    user_id bigint primary key references users(id),
    office text not null,             -- community | judicial | police | lawyer
    skills text not null,             -- JSON array of dispute type codes
    communities text not null,        -- JSON array of community ids (empty: everywhere)
    capacity bigint not null,
    available boolean not null
);

-- who mediates a dispute
create table dispute_mediators (
    dispute_id bigint not null references disputes(id),
    user_id bigint not null references users(id),
    office text not null,
    lead boolean not null,
    score double precision,           -- the match score (null: assigned by hand)
    assigned_at bigint not null,
    primary key (dispute_id, user_id)
);
create index dispute_mediators_user on dispute_mediators(user_id);

-- mediation sessions (调解会) with their minutes
create table dispute_sessions (
    id integer primary key autoincrement,
    dispute_id bigint not null references disputes(id),
    held_at bigint not null,
    mode text not null,               -- in_person | online | phone
    place text not null,
    minutes_enc text not null,
    recorded_by bigint not null references users(id),
    created_at bigint not null
);
create index dispute_sessions_dispute on dispute_sessions(dispute_id);

-- the agreement (调解协议书); a redraft is a new version, confirmations start over
create table dispute_agreements (
    id integer primary key autoincrement,
    dispute_id bigint not null references disputes(id),
    version bigint not null,
    terms_enc text not null,
    sha256 text not null,             -- of the rendered terms, for the public ledger later
    drafted_by bigint not null references users(id),
    created_at bigint not null
);
create unique index dispute_agreements_version on dispute_agreements(dispute_id, version);

-- evidence and documents
create table dispute_attachments (
    id integer primary key autoincrement,
    dispute_id bigint not null references disputes(id),
    name text not null,
    mime text not null,
    size bigint not null,
    sha256 text not null,
    data_enc text not null,           -- base64 of the bytes, AEAD ciphertext
    uploaded_by bigint not null references users(id),
    created_at bigint not null
);
create index dispute_attachments_dispute on dispute_attachments(dispute_id);

-- follow-up visits (回访) after an agreement
create table dispute_followups (
    id integer primary key autoincrement,
    dispute_id bigint not null references disputes(id),
    holds boolean not null,
    note_enc text not null,
    visited_by bigint not null references users(id),
    created_at bigint not null
);
create index dispute_followups_dispute on dispute_followups(dispute_id);

-- the dispute's history (who did what, when); details without personal data
create table dispute_events (
    id integer primary key autoincrement,
    dispute_id bigint not null references disputes(id),
    at bigint not null,
    actor_id bigint references users(id),
    kind text not null,
    detail text not null              -- JSON
);
create index dispute_events_dispute on dispute_events(dispute_id);
