-- Duplicate candidates: open cases of a category within a band of latitude (the bounding
-- box of the merge radius), instead of every open case of the category.
drop index cases_open_category;
create index cases_open_near on cases (category, lat) where status <> 'closed';

-- Lists over open cases only (a small share of a district's history): the dispatcher's
-- queue in its own order (urgent first, then the nearest deadline, cases without one
-- last), overdue cases by deadline, the newest open cases, and the supervised (督办) ones.
-- Partial indexes keep them small, let each list read in index order whatever the scope,
-- and count from the index; they replace the whole-table deadline indexes, which every
-- new case and every change of a case had to update.
drop index cases_queue;
drop index cases_next_due;
drop index cases_street_due;
drop index cases_community_due;
drop index cases_grid_due;
create index cases_open_queue on cases (urgent desc, (next_due is null), next_due, id) where status <> 'closed';
create index cases_open_due on cases (next_due) where status <> 'closed';
create index cases_open_recent on cases (id) where status <> 'closed';
create index cases_open_supervised on cases (id) where supervised_at is not null and status <> 'closed';
-- Counting a scope's open cases (a page's total) reads only that scope's open cases.
create index cases_open_street on cases (street_id) where status <> 'closed';
create index cases_open_community on cases (community_id) where status <> 'closed';
create index cases_open_grid on cases (grid_id) where status <> 'closed';
