-- Grain: one row per landing page, the top_n by sessions in the window: sessions, bounce, conversion, orders.
-- Orders by order date, credited to the landing page of the session they were placed in.
with pages as (
    select
        landing_page,
        sum(sessions) as sessions,
        sum(bounced_sessions) as bounced_sessions,
        sum(converted_sessions) as converted_sessions,
        sum(orders) as orders,
        sum(revenue) as revenue
    from window_facts(cast($start as date), cast($end as date))
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
