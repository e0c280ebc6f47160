-- Grain: one row per user type (New: first session in the window; Returning: seen before it) active in the window.
with first_sessions as (
    select user_id, min(session_date) as first_date
    from sessions
    group by user_id
),

active as (
    select
        user_id,
        count(*) as sessions,
        count(*) filter (where converted) as converted_sessions
    from sessions
    where session_date between cast($start as date) and cast($end as date)
    group by user_id
),

buyers as (
    select user_id, count(*) as orders, sum(revenue) as revenue
    from orders
    where order_date between cast($start as date) and cast($end as date)
    group by user_id
),

people as (
    select user_id from active
    union
    select user_id from buyers
)

select
    case when f.first_date >= cast($start as date) then 'New' else 'Returning' end as user_type,
    count(*) as users,
    coalesce(sum(a.sessions), 0) as sessions,
    coalesce(sum(a.converted_sessions), 0) as converted_sessions,
    count(b.user_id) as buying_users,
    coalesce(sum(b.orders), 0) as orders,
    coalesce(sum(b.revenue), 0) as revenue,
    count(b.user_id) / count(*) as buyer_rate,
    sum(a.converted_sessions) / nullif(sum(a.sessions), 0) as conversion_rate
from people as p
inner join first_sessions as f on p.user_id = f.user_id
left join active as a on p.user_id = a.user_id
left join buyers as b on p.user_id = b.user_id
group by 1
order by 1
