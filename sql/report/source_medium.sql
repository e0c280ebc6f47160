-- Grain: one row per session source / medium, the top_n by sessions in the window, with the channel GA4's rules gave
-- it (one per pair under the default channel group, whose rules read the campaign only for Shopping and
-- cross-network campaigns: a pair split by its campaigns is one row per channel). Orders by order date, credited to
-- the source / medium of the session they were placed in.
with facts as (
    select source, medium, channel, 1 as sessions, cast(converted as integer) as converted, 0 as orders, 0 as revenue
    from sessions
    where session_date between cast($start as date) and cast($end as date)
    union all
    select s.source, s.medium, s.channel, 0, 0, 1, o.revenue
    from orders as o
    inner join sessions as s on o.session_id = s.session_id
    where o.order_date between cast($start as date) and cast($end as date)
),

pairs as (
    select
        source,
        medium,
        channel,
        sum(sessions) as sessions,
        sum(converted) as converted_sessions,
        sum(orders) as orders,
        sum(revenue) as revenue
    from facts
    group by source, medium, channel
)

select
    *,
    converted_sessions / nullif(sessions, 0) as conversion_rate
from pairs
where sessions > 0
order by sessions desc, revenue desc, source, medium, channel
limit $top_n
