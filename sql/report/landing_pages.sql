-- Grain: one row per landing page, the top_n by sessions in the window: sessions, bounce, conversion, orders.
-- Orders by order date, credited to the landing page of the session they were placed in.
with facts as (
    select
        landing_page, 1 as sessions, cast(events = 1 as integer) as bounced, cast(converted as integer) as converted,
        0 as orders, 0 as revenue
    from sessions
    where session_date between cast($start as date) and cast($end as date)
    union all
    select s.landing_page, 0, 0, 0, 1, o.revenue
    from orders as o
    inner join sessions as s on o.session_id = s.session_id
    where o.order_date between cast($start as date) and cast($end as date)
),

pages as (
    select
        landing_page,
        sum(sessions) as sessions,
        sum(bounced) as bounced_sessions,
        sum(converted) as converted_sessions,
        sum(orders) as orders,
        sum(revenue) as revenue
    from facts
    group by landing_page
)

select
    *,
    bounced_sessions / nullif(sessions, 0) as bounce_rate,
    converted_sessions / nullif(sessions, 0) as conversion_rate
from pages
where sessions > 0
order by sessions desc, landing_page
limit $top_n
