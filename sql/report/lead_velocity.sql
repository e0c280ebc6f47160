-- Grain: one row: leads (a user's first email capture, the popup) and the time from capture to first purchase.
-- Leads are counted by capture date in the window; velocity by first-purchase date in the window. Only orders up to
-- the window's end count, so a day's report does not change when later days are loaded.
with captures as (
    select i.user_id, min(e.event_at) as captured_at
    from stg_events_base as e  -- the URL-free part of stg_events: no joins to stg_urls
    inner join int_client_identity as i on e.client_id = i.client_id
    where e.event_name = 'email_filled_on_popup'
      and not e.is_bot
    group by i.user_id
),

first_orders as (
    select user_id, min(ordered_at) as first_ordered_at
    from orders
    where order_date <= cast($end as date)
    group by user_id
),

leads as (
    select
        c.user_id,
        cast(c.captured_at as date) between cast($start as date) and cast($end as date) as captured_in_window,
        f.first_ordered_at >= c.captured_at as bought_after_capture,
        cast(f.first_ordered_at as date) between cast($start as date) and cast($end as date)
            and f.first_ordered_at >= c.captured_at as converted_in_window,
        (epoch(f.first_ordered_at) - epoch(c.captured_at)) / 3600.0 as hours
    from captures as c
    left join first_orders as f on c.user_id = f.user_id
)

select
    count(*) filter (where captured_in_window) as leads,
    count(*) filter (where captured_in_window and bought_after_capture) as leads_converted,
    count(*) filter (where converted_in_window) as first_purchases,
    median(hours) filter (where converted_in_window) as median_hours,
    quantile_cont(hours, 0.75) filter (where converted_in_window) as p75_hours,
    avg(hours) filter (where converted_in_window) as mean_hours,
    count(*) filter (where converted_in_window and hours < 1) as within_1_hour,
    count(*) filter (where converted_in_window and hours >= 1 and hours < 24) as within_1_day,
    count(*) filter (where converted_in_window and hours >= 24 and hours < 72) as within_3_days,
    count(*) filter (where converted_in_window and hours >= 72 and hours < 168) as within_7_days,
    count(*) filter (where converted_in_window and hours >= 168) as after_7_days
from leads
