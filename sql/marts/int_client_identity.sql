-- Grain: one row per client_id with non-bot events: the user it belongs to (its latest email, else itself).
-- depends_on: int_scoped_events
-- scope: client_id
-- unique_key: client_id
with events as (
    select client_id, partition_date, event_at, event_id, user_email, device_type
    from int_scoped_events
),

clients as (
    select
        client_id,
        -- The latest email by time, ties broken by event_id.
        arg_max(user_email, (event_at, event_id)) filter (where user_email is not null) as user_email,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at,
        bool_or(device_type = 'desktop') as used_desktop,
        bool_or(device_type = 'mobile') as used_mobile,
        bool_or(device_type = 'tablet') as used_tablet,
        -- Read by the next incremental run's scope: the users this client could map to, and the partitions
        -- whose reload may drop its events.
        list_sort(list_distinct(list(user_email) filter (where user_email is not null))) as emails,
        min(partition_date) as first_partition_date,
        max(partition_date) as last_partition_date
    from events
    group by client_id
),

identified as (
    select *, coalesce(user_email, client_id) as user_id
    from clients
)

select
    client_id,
    user_id,
    user_email is not null as email_known,
    first_seen_at,
    last_seen_at,
    -- The user's first session is this client's first one (earliest client, ties broken by client_id).
    row_number() over (partition by user_id order by first_seen_at, client_id) = 1 as is_first_client_of_user,
    used_desktop,
    used_mobile,
    used_tablet,
    emails,
    first_partition_date,
    last_partition_date
from identified
