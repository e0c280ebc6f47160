-- Grain: one row per user (a stitched identity: a client's latest email, else the client_id), over all their devices.
-- depends_on: int_client_identity, sessions, orders
-- scope: user_id
-- unique_key: user_id
with clients as (
    select *
    from int_client_identity
    where in_user_scope(user_id)
),

client_totals as (
    select
        user_id,
        bool_or(email_known) as email_known,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        count(*) as devices,
        bool_or(used_desktop) as used_desktop,
        bool_or(used_mobile) as used_mobile,
        bool_or(used_tablet) as used_tablet
    from clients
    group by user_id
),

session_totals as (
    select user_id, count(*) as sessions
    from sessions
    where in_user_scope(user_id)
    group by user_id
),

order_totals as (
    select user_id, count(*) as orders, sum(revenue) as revenue, min(ordered_at) as first_ordered_at
    from orders
    where in_user_scope(user_id)
    group by user_id
)

select
    c.user_id,
    c.email_known,
    c.first_seen_at,
    c.last_seen_at,
    c.devices,
    list_filter(
        ['desktop', 'mobile', 'tablet'], lambda device_type, i: [c.used_desktop, c.used_mobile, c.used_tablet][i]
    ) as device_types,
    coalesce(s.sessions, 0) as sessions,
    coalesce(o.orders, 0) as orders,
    coalesce(o.revenue, 0) as revenue,
    o.first_ordered_at
from client_totals as c
left join session_totals as s on c.user_id = s.user_id
left join order_totals as o on c.user_id = o.user_id
