-- Grain: one row per session source / medium, the top_n by sessions in the window, with the channel GA4's rules gave
-- it (one per pair under the default channel group, whose rules read the campaign only for Shopping and
-- cross-network campaigns: a pair split by its campaigns is one row per channel). Orders by order date, credited to
-- the source / medium of the session they were placed in.
with pairs as (
    select
        source,
        medium,
        channel,
        sum(sessions) as sessions,
        sum(converted_sessions) as converted_sessions,
        sum(orders) as orders,
        sum(revenue) as revenue
    from window_facts(cast($start as date), cast($end as date))
    group by source, medium, channel
)

select
    *,
    converted_sessions / nullif(sessions, 0) as conversion_rate
from pairs
where sessions > 0
order by sessions desc, revenue desc, source, medium, channel
limit $top_n
