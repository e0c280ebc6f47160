-- Grain: one row per period (window, previous_window, day, compare_day): the headline KPIs.
-- Sessions by start date and orders by order date, as in daily_kpis; rates are ratios of the period's sums.
with periods as (
    select * from report_periods  -- window, previous_window, day, compare_day (report/data.py)
),

session_totals as (
    select
        p.period,
        count(s.session_id) as sessions,
        count(distinct s.user_id) as users,
        count(s.session_id) filter (where s.is_new_user) as new_users,
        count(s.session_id) filter (where s.converted) as converted_sessions,
        count(s.session_id) filter (where s.events = 1) as bounced_sessions
    from periods as p
    left join sessions as s on s.session_date between p.first_date and p.last_date
    group by p.period
),

order_totals as (
    select
        p.period,
        count(o.order_id) as orders,
        coalesce(sum(o.revenue), 0) as revenue
    from periods as p
    left join orders as o on o.order_date between p.first_date and p.last_date
    group by p.period
),

coverage as (
    select
        p.period,
        count(k.date) as days_with_data,
        coalesce(sum(k.bot_events), 0) as bot_events,
        coalesce(sum(k.quarantined_rows), 0) as quarantined_rows
    from periods as p
    left join daily_kpis as k on k.date between p.first_date and p.last_date
    group by p.period
)

select
    p.period,
    p.first_date,
    p.last_date,
    datediff('day', p.first_date, p.last_date) + 1 as days,
    c.days_with_data,
    s.sessions,
    s.users,
    s.new_users,
    o.orders,
    o.revenue,
    s.converted_sessions,
    s.bounced_sessions,
    s.converted_sessions / nullif(s.sessions, 0) as conversion_rate,
    o.revenue / nullif(o.orders, 0) as average_order_value,
    s.bounced_sessions / nullif(s.sessions, 0) as bounce_rate,
    c.bot_events,
    c.quarantined_rows
from periods as p
inner join session_totals as s on p.period = s.period
inner join order_totals as o on p.period = o.period
inner join coverage as c on p.period = c.period
order by p.period
