-- Grain: one row per order (int_conversions: a conversion event of a non-bot client), with its session and lines.
-- depends_on: int_conversions, sessions, order_items
-- scope: client_id
-- unique_key: order_id
-- The session containing the conversion event (sessions of one client never overlap).
with with_session as (
    select c.* exclude (items), s.session_id, s.user_id
    from int_conversions as c
    inner join sessions as s
        on c.client_id = s.client_id
        and c.ordered_at between s.started_at and s.ended_at
),

lines as (
    select
        order_id,
        count(*) as line_count,
        sum(quantity) as item_count,
        sum(line_revenue) as items_revenue
    from order_items
    where in_client_scope(client_id)
    group by order_id
)

select
    c.order_id,
    c.event_id,
    c.event_name,
    c.transaction_id,
    c.client_id,
    c.user_id,
    c.session_id,
    c.ordered_at,
    cast(c.ordered_at as date) as order_date,
    -- The declared top-level revenue is what was charged; items_revenue is only a cross-check.
    c.revenue,
    l.items_revenue,
    coalesce(l.items_revenue <> c.revenue, false) as revenue_mismatch,
    coalesce(l.line_count, 0) as line_count,
    coalesce(l.item_count, 0) as item_count
from with_session as c
left join lines as l on c.order_id = l.order_id
