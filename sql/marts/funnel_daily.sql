-- Grain: one row per UTC date with sessions: sessions started that day reaching each funnel step (steps counted independently).
-- depends_on: sessions
-- scope: date
-- unique_key: date
select
    session_date as date,
    count(*) as sessions,
    count(*) filter (where page_views > 0) as page_view_sessions,
    count(*) filter (where add_to_carts > 0) as add_to_cart_sessions,
    count(*) filter (where checkout_starts > 0) as checkout_sessions,
    count(*) filter (where converted) as converted_sessions
from sessions
where session_date in (select date from scope_dates)
group by session_date
