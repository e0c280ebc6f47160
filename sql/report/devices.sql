-- Grain: one row per device type, OS and browser (dimension, value) over the window: sessions, conversion, orders.
-- Sessions by start date; orders by order date, credited to the device of the session they were placed in.
with grouped as (
    select
        case when grouping(device_type) = 0 then 'device' when grouping(os) = 0 then 'os' else 'browser' end
            as dimension,
        coalesce(device_type, os, browser) as value,
        sum(sessions) as sessions,
        sum(converted_sessions) as converted_sessions,
        sum(orders) as orders,
        sum(revenue) as revenue
    from window_facts(cast($start as date), cast($end as date))
    group by grouping sets ((device_type), (os), (browser))
)

select
    *,
    converted_sessions / nullif(sessions, 0) as conversion_rate,
    sessions / sum(sessions) over (partition by dimension) as session_share
from grouped
order by dimension, sessions desc, value
