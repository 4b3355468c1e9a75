-- 能人库 (talents, their certificates, volunteer teams, bookable consultation slots) and the
-- community's programmes: 社区食堂 (meals, price tiers by age and subsidy, each order's
-- funding split between government, company and resident) and 四点半课堂 (sessions with a
-- teacher and a social worker, children enrolled under a guardian's consent, attendance,
-- outcome measures sealed at rest).

create table talents (
    id integer primary key autoincrement,
    community_id bigint not null,
    user_id bigint not null unique,           -- the account listed (a resident, or a mediation lawyer)
    title text not null,                      -- how they are shown: 王老师, 李律师
    profession text not null,
    skills text not null,                     -- comma-separated codes
    availability text not null,
    mediator_office text,                     -- mediation's office when the account is a mediator (lawyer, judicial)
    listed bigint not null,                   -- 0 once unlisted (consent withdrawn): the profile is erased, past consultations kept
    created_at bigint not null,
    updated_at bigint not null
);
create index talents_community on talents(community_id, id);

create table talent_certificates (
    id integer primary key autoincrement,
    talent_id bigint not null references talents(id) on delete cascade,
    name text not null,
    issuer text not null,
    verified_by bigint,
    verified_at bigint
);
create index talent_certificates_talent on talent_certificates(talent_id);

create table teams (
    id integer primary key autoincrement,
    community_id bigint not null,
    name text not null,
    skill text not null,
    purpose text not null,
    created_by bigint not null,
    created_at bigint not null
);
create index teams_community on teams(community_id, id);

create table team_members (
    team_id bigint not null references teams(id),
    talent_id bigint not null references talents(id) on delete cascade,
    joined_at bigint not null,
    primary key (team_id, talent_id)
);

create table talent_slots (
    id integer primary key autoincrement,
    talent_id bigint not null references talents(id) on delete cascade,
    community_id bigint not null,
    topic text not null,                      -- a skill code: legal, medical, ...
    starts_at bigint not null,
    minutes bigint not null,
    place text not null,
    booked_by bigint,                         -- the account that booked it
    booked_at bigint,
    question_enc text,                        -- sealed: only the talent and the booker read it
    outcome text,                             -- advice | referred | mediation | no_show
    outcome_note_enc text,
    outcome_at bigint,
    created_at bigint not null
);
create index talent_slots_community on talent_slots(community_id, starts_at);
create index talent_slots_talent on talent_slots(talent_id, starts_at);

create table canteen_tiers (
    id integer primary key autoincrement,
    community_id bigint not null,
    code text not null,
    name text not null,
    min_age bigint not null,                  -- applies from this age (0: any)
    subsidised bigint not null,               -- 1: only for 低保 / 特困 residents
    government_fen bigint not null,           -- per meal, capped by the meal's cost
    company_fen bigint not null,
    unique (community_id, code)
);

create table canteen_meals (
    id integer primary key autoincrement,
    community_id bigint not null,
    served_on text not null,                  -- YYYY-MM-DD
    menu text not null,
    cost_fen bigint not null,
    capacity bigint not null,
    company text not null,                    -- the company that gives its share (企业让一点)
    created_by bigint not null,
    created_at bigint not null
);
create index canteen_meals_community on canteen_meals(community_id, served_on);

create table canteen_orders (
    id integer primary key autoincrement,
    meal_id bigint not null references canteen_meals(id),
    resident_id bigint not null,
    tier_code text not null,
    tier_name text not null,                  -- as it was named when ordered (tiers can change)
    government_fen bigint not null,
    company_fen bigint not null,
    resident_fen bigint not null,
    channel text not null,                    -- self | guardian | staff (counter)
    ordered_by bigint not null,
    created_at bigint not null,
    unique (meal_id, resident_id)
);

create table canteen_months (
    community_id bigint not null,
    month text not null,
    document_id bigint not null,
    ledger_index bigint not null,
    published_at bigint not null,
    primary key (community_id, month)
);

create table class_sessions (
    id integer primary key autoincrement,
    community_id bigint not null,
    starts_at bigint not null,
    minutes bigint not null,
    topic text not null,
    teacher text not null,                    -- 双师制: a teacher and a social worker, both named
    social_worker text not null,
    created_by bigint not null,
    created_at bigint not null
);
create index class_sessions_community on class_sessions(community_id, starts_at);

create table class_enrolments (
    id integer primary key autoincrement,
    community_id bigint not null,
    child_id bigint not null,                 -- the child's resident record
    masked_name text not null,
    school_grade bigint not null,             -- 1-9
    enrolled_by bigint not null,              -- the guardian's (or a child of 14+'s own) account
    created_at bigint not null,
    unique (community_id, child_id)
);

create table class_attendance (
    session_id bigint not null references class_sessions(id),
    enrolment_id bigint not null references class_enrolments(id) on delete cascade,
    present bigint not null,
    recorded_by bigint not null,
    recorded_at bigint not null,
    primary key (session_id, enrolment_id)
);

create table class_outcomes (
    enrolment_id bigint not null references class_enrolments(id) on delete cascade,
    measure text not null,                    -- grade (0-100) | wellbeing (SDQ total difficulties 0-40)
    phase text not null,                      -- before | after
    value_enc text not null,                  -- sealed (a child's data is sensitive, PIPL art. 28)
    recorded_by bigint not null,
    recorded_at bigint not null,
    primary key (enrolment_id, measure, phase)
);
