-- Grain: one row per period (window, previous_window) and funnel step: sessions that reached the step.
-- Steps are counted independently (as in funnel_daily); a step's rate is against the step before it.
with periods as (
    select * from report_periods where period in ('window', 'previous_window')  -- filled by report/data.py
),

sums as (
    select
        p.period,
        coalesce(sum(f.sessions), 0) as sessions,
        coalesce(sum(f.add_to_cart_sessions), 0) as add_to_cart_sessions,
        coalesce(sum(f.checkout_sessions), 0) as checkout_sessions,
        coalesce(sum(f.converted_sessions), 0) as converted_sessions
    from periods as p
    left join funnel_daily as f on f.date between p.first_date and p.last_date
    group by p.period
),

steps as (
    unpivot sums
    on sessions, add_to_cart_sessions, checkout_sessions, converted_sessions
    into name step value reached
),

ordered as (
    select
        period,
        step,
        cast(reached as bigint) as reached,
        case step
            when 'sessions' then 1
            when 'add_to_cart_sessions' then 2
            when 'checkout_sessions' then 3
            else 4
        end as position
    from steps
)

select
    period,
    position,
    step,
    reached,
    lag(reached) over (partition by period order by position) as previous_step,
    first_value(reached) over (partition by period order by position) as entered
from ordered
order by period desc, position
