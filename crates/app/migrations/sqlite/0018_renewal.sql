-- 微更新 and 参与式设计: residents' projects from an idea to a space in use. A project
-- moves idea → codesign → review → feasible (or refused) → selection (in a round) →
-- funding → implementation → in_use. Money never lives here: every yuan is a movement in
-- the community's 微更新基金 book (funds, on the ledger); renewal_movements only links a
-- movement to its project and says which part of the funding it is.

create table renewal_projects (
    id integer primary key autoincrement,
    community_id bigint not null,
    title text not null,
    description text not null,
    lng double precision not null,
    lat double precision not null,
    place text not null,                 -- the space, in words (地下室, 单车棚)
    proposer_resident_id bigint references residents(id),
    proposed_by bigint not null,         -- the account that entered it
    on_behalf bigint not null default 0, -- 1: staff entered it for the resident
    stage text not null,
    option_post_id bigint,               -- the design option chosen at the end of co-design
    workshop_meeting_id bigint,          -- a 议事协商 meeting (attendance kept there)
    cost_fen bigint,                     -- the feasibility review's estimate
    review_note text,
    refused_reason text,
    round_id bigint,
    subsidy_fen bigint,                  -- the funding plan
    share_fen bigint,
    crowd_max_fen bigint,
    crowd_closed bigint not null default 0,
    works_started_on text,               -- YYYY-MM-DD
    accepted_on text,
    account_document_id bigint,          -- the final account (公示 document)
    created_at bigint not null,
    updated_at bigint not null
);
create index renewal_projects_community on renewal_projects(community_id, stage);

create table renewal_photos (
    id integer primary key autoincrement,
    project_id bigint not null references renewal_projects(id),
    mime text not null,
    sha256 text not null,
    bytes blob not null,
    created_by bigint not null,
    created_at bigint not null
);
create index renewal_photos_project on renewal_photos(project_id);

create table renewal_posts (
    id integer primary key autoincrement,
    project_id bigint not null references renewal_projects(id),
    kind text not null,                  -- idea | sketch | photo | comment | option
    parent_id bigint,                    -- a comment's post
    author_user bigint not null,
    author_resident bigint,
    body text not null,
    photo_id bigint,
    created_at bigint not null
);
create index renewal_posts_project on renewal_posts(project_id, id);

create table renewal_picks (
    project_id bigint not null references renewal_projects(id),
    resident_id bigint not null references residents(id),
    post_id bigint not null references renewal_posts(id),
    at bigint not null,
    primary key (project_id, resident_id)
);

create table renewal_rounds (
    id integer primary key autoincrement,
    community_id bigint not null,
    title text not null,
    budget_fen bigint not null,
    rule text not null,                  -- greedy | mes
    vote_opens bigint not null,
    vote_closes bigint not null,
    closed_at bigint,
    result text,                         -- JSON: selected keys in order, each item's why
    document_id bigint,                  -- the published .pb file (公示, on the ledger)
    imported bigint not null default 0,
    created_by bigint not null,
    created_at bigint not null
);
create index renewal_rounds_community on renewal_rounds(community_id);

create table renewal_round_items (
    id integer primary key autoincrement,
    round_id bigint not null references renewal_rounds(id),
    item_key text not null,              -- the project's id in the pabulib file
    project_id bigint references renewal_projects(id),
    name text not null,
    cost_fen bigint not null,
    unique (round_id, item_key)
);

create table renewal_ballots (
    id integer primary key autoincrement,
    round_id bigint not null references renewal_rounds(id),
    voter text not null,                 -- pseudonym (keyed hash of round and resident)
    items text not null,                 -- approved item keys, comma-separated
    channel text not null,               -- online | paper | import
    entered_by bigint,
    created_at bigint not null,
    unique (round_id, voter)
);

create table renewal_pledges (
    id integer primary key autoincrement,
    project_id bigint not null references renewal_projects(id),
    kind text not null,                  -- resident | partner | company
    resident_id bigint references residents(id),
    pledger text not null,               -- a person masked (张*), an organisation in full
    amount_fen bigint not null,
    status text not null,                -- pledged | collected
    movement_id bigint,
    created_by bigint not null,
    created_at bigint not null
);
create index renewal_pledges_project on renewal_pledges(project_id);

create table renewal_movements (
    movement_id bigint primary key,      -- fund_movements(id)
    project_id bigint not null references renewal_projects(id),
    part text not null                   -- subsidy | share | crowdfunding | spending
);
create index renewal_movements_project on renewal_movements(project_id);

create table renewal_milestones (
    id integer primary key autoincrement,
    project_id bigint not null references renewal_projects(id),
    title text not null,
    percent bigint not null,
    note text not null,
    photo_id bigint,
    created_by bigint not null,
    created_at bigint not null
);
create index renewal_milestones_project on renewal_milestones(project_id);

create table renewal_adoptions (
    id integer primary key autoincrement,
    project_id bigint not null references renewal_projects(id),
    resident_id bigint not null references residents(id),
    weekday bigint not null,             -- 1 = Monday … 7 = Sunday
    since text not null,
    unique (project_id, resident_id, weekday)
);

create table renewal_uses (
    id integer primary key autoincrement,
    project_id bigint not null references renewal_projects(id),
    kind text not null,                  -- checkin | booking | register
    resident_id bigint,
    day text not null,                   -- YYYY-MM-DD
    created_by bigint not null,
    created_at bigint not null
);
create index renewal_uses_project on renewal_uses(project_id, day);
