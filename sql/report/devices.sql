-- Grain: one row per device type, OS and browser (dimension, value) over the window: sessions, conversion, orders.
-- Sessions by start date; orders by order date, credited to the device of the session they were placed in.
with facts as (
    select device_type, os, browser, 1 as sessions, cast(converted as integer) as converted, 0 as orders, 0 as revenue
    from sessions
    where session_date between cast($start as date) and cast($end as date)
    union all
    select s.device_type, s.os, s.browser, 0, 0, 1, o.revenue
    from orders as o
    inner join sessions as s on o.session_id = s.session_id
    where o.order_date between cast($start as date) and cast($end as date)
),

grouped as (
    select
        case when grouping(device_type) = 0 then 'device' when grouping(os) = 0 then 'os' else 'browser' end
            as dimension,
        coalesce(device_type, os, browser) as value,
        sum(sessions) as sessions,
        sum(converted) as converted_sessions,
        sum(orders) as orders,
        sum(revenue) as revenue
    from facts
    group by grouping sets ((device_type), (os), (browser))
)

select
    *,
    converted_sessions / nullif(sessions, 0) as conversion_rate,
    sessions / sum(sessions) over (partition by dimension) as session_share
from grouped
order by dimension, sessions desc, value
