-- Scope of an incremental run for the partitions getvariable('partition_dates'): everything they can change.
-- Runs before any model, so the tables it reads still describe the previous run. The constant bounds
-- first_partition and last_partition (the list's least and greatest) let DuckDB skip other partitions' row groups.

-- Clients whose events can have changed: those with events in the partitions now, and those that had
-- some at the previous run (a reloaded file may have dropped them; a client whose partitions span one of
-- them is taken whether or not it had events in it: a superset changes nothing but the work).
create or replace temp table scope_direct as
select client_id from raw_events
where partition_date between getvariable('first_partition') and getvariable('last_partition')
  and list_contains(getvariable('partition_dates'), partition_date)
union
select client_id from int_client_identity
where first_partition_date <= getvariable('last_partition') and last_partition_date >= getvariable('first_partition')
  and len(list_filter(getvariable('partition_dates'),
                      lambda day: day between first_partition_date and last_partition_date)) > 0;

-- Users whose rows can change: each changed client's previous user and every user it can map to now: itself
-- or an email of its events, which are the events it had (their emails are kept in int_client_identity) and
-- the partitions'. A superset of the one int_client_identity will pick.
create or replace temp table scope_users as
select user_id from int_client_identity where client_id in (select client_id from scope_direct)
union
select unnest(emails) from int_client_identity where client_id in (select client_id from scope_direct)
union
select client_id from scope_direct
union
select user_email from stg_events_base
where partition_date between getvariable('first_partition') and getvariable('last_partition')
  and list_contains(getvariable('partition_dates'), partition_date) and user_email is not null;

-- Models filter users with in_user_scope(user_id) (in a full rebuild it is simply true). Every client of these
-- users is in scope_clients below or changed, so their rows are rebuilt whole.
create or replace temp macro in_user_scope(id) as id in (select s.user_id from scope_users as s);

-- Clients whose sessions, orders or attribution can change: the changed clients and every client of an
-- affected user (is_new_user and attribution candidates span all of a user's devices).
create or replace temp table scope_clients as
select client_id from scope_direct
union
select client_id from int_client_identity where user_id in (select user_id from scope_users);

-- Models filter clients with in_client_scope(client_id) (in a full rebuild it is simply true).
create or replace temp macro in_client_scope(id) as id in (select s.client_id from scope_clients as s);

-- Dates whose daily figures can change: a partition's events lie within a day of it (the contract's
-- window), and every other event of an affected client lies in one of its previous sessions (bots aside,
-- whose other events do not change), so new sessions and orders fall on those dates too.
create or replace temp table scope_dates as
select day + day_offset as date
from (select unnest(getvariable('partition_dates')) as day) as days, (values (-1), (0), (1)) as offsets (day_offset)
union
select unnest(generate_series(session_date, cast(ended_at as date), interval 1 day))::date
from sessions where client_id in (select client_id from scope_clients);

-- URLs the partitions may add; the others are parsed already.
create or replace temp table scope_urls as
select page_url as url from raw_events
where partition_date between getvariable('first_partition') and getvariable('last_partition')
  and list_contains(getvariable('partition_dates'), partition_date)
union
select referrer from raw_events
where partition_date between getvariable('first_partition') and getvariable('last_partition')
  and list_contains(getvariable('partition_dates'), partition_date) and referrer is not null;

-- Every in-scope event lies in a partition within a day of a scope date (the contract's window):
-- models add this range to their raw_events scans so that DuckDB skips the other partitions' row groups.
set variable scope_first_partition = (select min(date) - 1 from scope_dates);
set variable scope_last_partition = (select max(date) + 1 from scope_dates);
