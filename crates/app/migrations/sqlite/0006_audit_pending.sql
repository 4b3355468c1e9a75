-- Audit records are written with the change they record into audit_pending (one insert,
-- no shared row), and a single sealer moves them, in batches, into the hash chain of
-- audit_log shortly after commit. Appending to the chain inside every transaction took the
-- chain head's row lock until commit, so on PostgreSQL every writer queued behind the one
-- before it and no two commits could share a disk flush.
create table audit_pending (
    id integer primary key autoincrement,
    at_ms bigint not null,
    actor_id bigint,
    actor text not null,
    action text not null,
    object_type text not null,
    object_id text,
    ip text,
    result text not null,
    detail text not null
);
