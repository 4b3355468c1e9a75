-- 公开存证: the public ledger (an RFC 6962 Merkle log stored as C2SP tiles) and its first
-- users, the public account books and published documents (公示).
-- Kept column-for-column equal to ../postgres/0009_ledger.sql (schema-parity test).

-- the log's entries: canonical JSON, index = position in the log
create table ledger_entries (
    idx bigint primary key,
    kind text not null,
    body blob not null,
    at_ms bigint not null
);
create trigger ledger_entries_no_update before update on ledger_entries
begin select raise(abort, 'ledger_entries is append-only; gongzhi ledger verify detects any edit'); end;
create trigger ledger_entries_no_delete before delete on ledger_entries
begin select raise(abort, 'ledger_entries is append-only; gongzhi ledger verify detects any edit'); end;

-- C2SP tiles (height 8): level 0 holds leaf hashes, level l+1 the roots of full tiles of
-- level l; the right-most tile of a level grows until it holds 256 hashes
create table ledger_tiles (
    level bigint not null,
    idx bigint not null,
    hashes blob not null,
    primary key (level, idx)
);

-- the log's size and root; its row lock orders appenders
create table ledger_head (
    id bigint primary key check (id = 1),
    size bigint not null,
    root blob not null
);
insert into ledger_head (id, size, root)
    values (1, 0, x'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

-- signed checkpoints (C2SP signed notes), one per tree size
create table ledger_checkpoints (
    size bigint primary key,
    root blob not null,
    note text not null,
    at_ms bigint not null
);

-- documents published for everyone (公示): minutes, contracts, receipts
create table public_documents (
    id integer primary key autoincrement,
    community_id bigint not null references org_units(id),
    kind text not null,
    title text not null,
    media_type text not null,
    bytes bigint not null,
    sha256 text not null,
    content blob not null,
    published_by bigint references users(id),
    published_at bigint not null,
    ledger_index bigint not null unique
);
create index public_documents_community on public_documents(community_id, published_at);

-- the public account books: one row per movement of money, amounts in fen
create table fund_movements (
    id integer primary key autoincrement,
    community_id bigint not null references org_units(id),
    book text not null,
    direction text not null,
    category text not null,
    amount_fen bigint not null,
    purpose text not null,
    counterparty text not null,
    approval text not null,
    occurred_on text not null,
    receipt_id bigint references public_documents(id),
    reverses bigint references fund_movements(id),
    recorded_by bigint references users(id),
    recorded_at bigint not null,
    ledger_index bigint not null unique
);
create index fund_movements_book on fund_movements(community_id, book, occurred_on);
