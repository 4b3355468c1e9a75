-- 议事协商: bodies (楼组, 居民议事会, 业主大会, 业委会) with members and terms; their
-- meetings with agenda, notice, attendance (QR check-in or marked by staff), minutes
-- published as a 公示 document on the ledger, and decisions followed to 落实; residents'
-- matters (议题) and suggestions (开放日, 议事角) with support, merging and their course.

-- How many residents' support puts a matter on the council's agenda (per community).
alter table community_rules add column support_threshold bigint not null default 10;

create table bodies (
    id integer primary key autoincrement,
    kind text not null,                  -- building_group | council | assembly | owners_committee
    community_id bigint not null,
    scope_id bigint not null,            -- the building, community or compound it serves
    name text not null,
    term_start text not null,            -- YYYY-MM-DD
    term_end text not null,
    created_by bigint,
    created_at bigint not null
);
create index bodies_community on bodies(community_id);

create table body_members (
    id integer primary key autoincrement,
    body_id bigint not null references bodies(id),
    resident_id bigint not null references residents(id),
    role text not null,                  -- head | chair | vice_chair | member
    elected_on text not null,
    created_at bigint not null,
    unique (body_id, resident_id)
);

create table meetings (
    id integer primary key autoincrement,
    body_id bigint not null references bodies(id),
    community_id bigint not null,
    title text not null,
    agenda text not null,                -- one item per line
    place text not null,
    starts_at bigint not null,
    noticed_at bigint not null,          -- when the notice was published and sent
    checkin_token text not null,         -- in the QR code shown at the meeting
    minutes_document_id bigint,          -- the 公示 document (on the ledger)
    created_by bigint,
    created_at bigint not null
);
create index meetings_community on meetings(community_id, starts_at);

create table meeting_attendance (
    meeting_id bigint not null references meetings(id),
    resident_id bigint not null references residents(id),
    how text not null,                   -- qr | staff
    marked_by bigint,
    at bigint not null,
    primary key (meeting_id, resident_id)
);

create table decisions (
    id integer primary key autoincrement,
    meeting_id bigint not null references meetings(id),
    community_id bigint not null,
    text text not null,
    owner text not null,                 -- who carries it out
    due_on text not null,                -- YYYY-MM-DD
    status text not null,                -- open | done
    done_note text,
    done_at bigint,
    created_at bigint not null
);
create index decisions_meeting on decisions(meeting_id);

create table suggestions (
    id integer primary key autoincrement,
    community_id bigint not null,
    kind text not null,                  -- matter | suggestion
    channel text not null,               -- online | open_day | corner
    title text not null,
    body text not null,
    resident_id bigint references residents(id),
    entered_by bigint,
    status text not null,                -- received | answered | adopted | implemented | not_adopted | merged
    answer text,
    reason text,
    merged_into bigint,
    meeting_id bigint,                   -- the meeting whose agenda took it up
    supports bigint not null default 0,
    created_at bigint not null,
    answered_at bigint,
    closed_at bigint
);
create index suggestions_community on suggestions(community_id, created_at);

create table suggestion_supports (
    suggestion_id bigint not null references suggestions(id),
    resident_id bigint not null references residents(id),
    created_at bigint not null,
    primary key (suggestion_id, resident_id)
);
