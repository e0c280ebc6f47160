-- Grain: one row per UTC date with a valid event or a quarantined row (sessions by start date, orders by order date).
-- conversion_rate = converted sessions / sessions; average_order_value = revenue / orders; bounce_rate =
-- single-event sessions / sessions (NULL without sessions or orders); bot_events by event date;
-- quarantined_rows by the partition (file date) that rejected them.
-- depends_on: sessions, orders, stg_events_base, quarantine
-- scope: date
-- unique_key: date
with event_days as (
    select
        event_date as date,
        count(*) filter (where is_bot) as bot_events
    from stg_events_base
    where event_date in (select date from scope_dates)
      and partition_date between getvariable('scope_first_partition') and getvariable('scope_last_partition')
    group by event_date
),

quarantined as (
    select partition_date as date, count(*) as quarantined_rows
    from quarantine
    where partition_date in (select date from scope_dates)
    group by partition_date
),

session_days as (
    select
        session_date as date,
        count(*) as sessions,
        count(distinct user_id) as users,
        count(*) filter (where is_new_user) as new_users,
        count(*) filter (where converted) as converted_sessions,
        count(*) filter (where events = 1) as bounced_sessions
    from sessions
    where session_date in (select date from scope_dates)
    group by session_date
),

order_days as (
    select order_date as date, count(*) as orders, sum(revenue) as revenue
    from orders
    where order_date in (select date from scope_dates)
    group by order_date
),

days as (
    select date from event_days
    union
    select date from quarantined
)

select
    d.date,
    coalesce(s.sessions, 0) as sessions,
    coalesce(s.users, 0) as users,
    coalesce(s.new_users, 0) as new_users,
    coalesce(o.orders, 0) as orders,
    coalesce(o.revenue, 0) as revenue,
    coalesce(s.converted_sessions, 0) as converted_sessions,
    s.converted_sessions / s.sessions as conversion_rate,
    o.revenue / o.orders as average_order_value,
    s.bounced_sessions / s.sessions as bounce_rate,
    coalesce(e.bot_events, 0) as bot_events,
    coalesce(q.quarantined_rows, 0) as quarantined_rows
from days as d
left join event_days as e on d.date = e.date
left join quarantined as q on d.date = q.date
left join session_days as s on d.date = s.date
left join order_days as o on d.date = o.date
