-- Local rules of each community's owners' assembly (per community, never hard-coded; a
-- community without a row has the defaults: online voting allowed, non-voters do not
-- follow the majority). Changed by community staff, every change audited.
create table community_rules (
    community_id bigint primary key,
    online_voting boolean not null,
    non_voters_follow boolean not null,
    updated_by bigint,
    updated_at bigint not null
);

-- A vote keeps the rules of its opening (a rule changed later never moves a running vote).
alter table votes add column online_voting boolean not null default true;
alter table votes add column non_voters_follow boolean not null default false;
