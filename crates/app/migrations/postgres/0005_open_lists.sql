-- Lists over open cases only (a small share of a district's history): the dispatcher's
-- queue in its own order (urgent first, then the nearest deadline, cases without one
-- last), the newest open cases, and the supervised (督办) ones. Partial indexes keep them
-- small and let each list read in index order and count from the index.
drop index cases_queue;
create index cases_open_queue on cases (urgent desc, (next_due is null), next_due, id) where status <> 'closed';
create index cases_open_recent on cases (id) where status <> 'closed';
create index cases_open_supervised on cases (id) where supervised_at is not null and status <> 'closed';
