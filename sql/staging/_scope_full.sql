-- Scope of a full rebuild: everything. Models filter on these tables and macros so that a full rebuild and
-- an incremental run (_scope_incremental.sql) share one SQL text. There is no scope_clients table here:
-- 3.7 M client ids at 10 M events would hold 200 MB through the run for nothing (in_client_scope is true).
-- Models filter clients with in_client_scope(client_id) and users with in_user_scope(user_id): free here,
-- where every client and user is in scope.
create or replace temp macro in_client_scope(id) as true;
create or replace temp macro in_user_scope(id) as true;

create or replace temp table scope_dates as
select distinct cast(event_at as date) as date from raw_events
union
select distinct partition_date from quarantine;

create or replace temp table scope_urls as
select page_url as url from raw_events
union
select referrer from raw_events where referrer is not null;

-- Every in-scope event lies in a partition within a day of a scope date (the contract's window):
-- models add this range to their raw_events scans so that DuckDB skips the other partitions' row groups.
set variable scope_first_partition = (select min(date) - 1 from scope_dates);
set variable scope_last_partition = (select max(date) + 1 from scope_dates);
