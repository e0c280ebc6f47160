-- Grain: one row per channel with sessions or orders in the window or the previous window.
-- Sessions by start date; orders by order date, credited to the channel of the session they were placed in.
with periods as (
    select * from report_periods where period in ('window', 'previous_window')  -- filled by report/data.py
),

facts as (
    select p.period, s.channel, 1 as sessions, cast(s.converted as integer) as converted, 0 as orders, 0 as revenue
    from sessions as s
    inner join periods as p on s.session_date between p.first_date and p.last_date
    union all
    select p.period, coalesce(s.channel, 'Unassigned'), 0, 0, 1, o.revenue
    from orders as o
    inner join periods as p on o.order_date between p.first_date and p.last_date
    left join sessions as s on o.session_id = s.session_id
),

totals as (
    select
        channel,
        sum(sessions) filter (where period = 'window') as sessions,
        sum(converted) filter (where period = 'window') as converted_sessions,
        sum(orders) filter (where period = 'window') as orders,
        sum(revenue) filter (where period = 'window') as revenue,
        sum(sessions) filter (where period = 'previous_window') as prev_sessions,
        sum(converted) filter (where period = 'previous_window') as prev_converted_sessions,
        sum(orders) filter (where period = 'previous_window') as prev_orders,
        sum(revenue) filter (where period = 'previous_window') as prev_revenue
    from facts
    group by channel
)

select
    channel,
    coalesce(sessions, 0) as sessions,
    coalesce(converted_sessions, 0) as converted_sessions,
    coalesce(orders, 0) as orders,
    coalesce(revenue, 0) as revenue,
    converted_sessions / nullif(sessions, 0) as conversion_rate,
    revenue / nullif(orders, 0) as average_order_value,
    coalesce(revenue, 0) / nullif(sessions, 0) as revenue_per_session,
    coalesce(prev_sessions, 0) as prev_sessions,
    coalesce(prev_orders, 0) as prev_orders,
    coalesce(prev_revenue, 0) as prev_revenue,
    prev_converted_sessions / nullif(prev_sessions, 0) as prev_conversion_rate
from totals
order by coalesce(revenue, 0) desc, coalesce(sessions, 0) desc, channel
