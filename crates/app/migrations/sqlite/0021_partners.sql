-- 社区合伙人 and 五社联动: partners (companies, social organisations, shops, foundations)
-- with what they offer, agreements published on the ledger and a record of contributions;
-- charity campaigns with a target, donations and help given in the community's charity book
-- (社区慈善基金, every movement on the ledger), beneficiaries stored masked, and coverage
-- counted from rows (beneficiaries helped / beneficiaries registered).

create table partners (
    id integer primary key autoincrement,
    community_id bigint not null,
    name text not null,
    kind text not null,                       -- company | social_org | shop | foundation
    offers text not null,                     -- comma-separated: space, books, money, services
    note text not null,
    created_by bigint not null,
    created_at bigint not null
);
create index partners_community on partners(community_id, id);

create table partner_agreements (
    id integer primary key autoincrement,
    partner_id bigint not null references partners(id),
    title text not null,
    starts_on text not null,
    ends_on text not null,
    document_id bigint not null,              -- the text published (公示) with its hash on the ledger
    ledger_index bigint not null,
    created_by bigint not null,
    created_at bigint not null
);
create index partner_agreements_partner on partner_agreements(partner_id);

create table campaigns (
    id integer primary key autoincrement,
    community_id bigint not null,
    title text not null,
    purpose text not null,
    target_fen bigint not null,
    foundation text not null,                 -- the foundation that holds the money (五社联动)
    created_by bigint not null,
    created_at bigint not null
);
create index campaigns_community on campaigns(community_id, id);

create table partner_contributions (
    id integer primary key autoincrement,
    partner_id bigint not null references partners(id),
    kind text not null,                       -- space | books | money | services
    description text not null,
    amount_fen bigint,                        -- money only
    campaign_id bigint references campaigns(id),
    movement_id bigint,                       -- money to a campaign: its charity-book movement
    created_by bigint not null,
    created_at bigint not null
);
create index partner_contributions_partner on partner_contributions(partner_id, id);

create table campaign_beneficiaries (
    id integer primary key autoincrement,
    campaign_id bigint not null references campaigns(id),
    resident_id bigint not null,
    masked_name text not null,
    need text not null,
    created_by bigint not null,
    created_at bigint not null,
    unique (campaign_id, resident_id)
);

create table campaign_movements (
    id integer primary key autoincrement,
    campaign_id bigint not null references campaigns(id),
    movement_id bigint not null,
    direction text not null,                  -- in (donation) | out (help given)
    amount_fen bigint not null,
    donor text,                               -- in: who gave (a partner's name, or masked)
    beneficiary_id bigint references campaign_beneficiaries(id),  -- out: who was helped
    ledger_index bigint not null,
    created_at bigint not null
);
create index campaign_movements_campaign on campaign_movements(campaign_id, id);
