-- Grain: one row per date of the window, dates without data as zeros: the daily trend.
select
    cast(d.date as date) as date,
    k.date is not null as has_data,
    coalesce(k.sessions, 0) as sessions,
    coalesce(k.users, 0) as users,
    coalesce(k.orders, 0) as orders,
    coalesce(k.revenue, 0) as revenue,
    k.conversion_rate,
    k.average_order_value,
    k.bounce_rate
from generate_series(cast($start as date), cast($end as date), interval 1 day) as d (date)
left join daily_kpis as k on cast(d.date as date) = k.date
order by 1
