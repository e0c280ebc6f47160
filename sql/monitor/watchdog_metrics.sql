-- Grain: one row: the watchdog's figures for partition getvariable('partition_date').
-- Orders, sessions and events of the partition are those dated on it (UTC), whatever file brought them.
with params as (
    select
        getvariable('partition_date')::DATE as d,
        getvariable('session_timeout_s')::BIGINT * 1000000 as timeout_us
),

latest_load as (
    select sum(rows_read) as rows_read, sum(rows_quarantined) as rows_quarantined
    from load_audit
    where partition_date = (select d from params)
      and status = 'loaded'
      and run_id = (select arg_max(run_id, loaded_at) from load_audit
                    where partition_date = (select d from params) and status = 'loaded')
),

day_orders as (
    select * from orders where ordered_at::DATE = (select d from params)
),

conversion_events as (
    -- The source side of the reconciliation: valid conversions straight from raw_events, bots excluded.
    select sum(round(cast(e.event_data->>'revenue' as DOUBLE), 2)::DECIMAL(18, 2)) as revenue, count(*) as n
    from raw_events as e
    left join dim_user_agents as ua on ua.user_agent = e.user_agent
    where e.event_at::DATE = (select d from params)
      and list_contains(getvariable('conversion_events'), e.event_name)
      and not coalesce(ua.is_bot, false)
),

credit_sums as (
    select a.model, a.order_id, sum(a.credit) as credit, sum(a.revenue_credit) as revenue_credit
    from attribution as a
    where a.order_id in (select order_id from day_orders)
    group by a.model, a.order_id
),

attribution_check as (
    select
        coalesce(max(abs(credit - 1)), 0) as max_credit_error
    from credit_sums
),

model_revenue as (
    select model, round(sum(revenue_credit), 2) as revenue from credit_sums group by model
),

attribution_revenue as (
    select coalesce(max(abs(m.revenue - (select coalesce(round(sum(revenue), 2), 0) from day_orders))), 0)
        as max_model_revenue_diff
    from model_revenue as m
),

day_sessions as (
    select * from sessions
    where started_at::DATE = (select d from params) or ended_at::DATE = (select d from params)
),

session_events as (
    select s.session_id, e.client_id, e.event_at
    from day_sessions as s
    inner join stg_events_base as e  -- the URL-free part of stg_events
        on e.client_id = s.client_id and e.event_at between s.started_at and s.ended_at and not e.is_bot
),

inner_gaps as (
    select max(gap) as max_gap_us from (
        select epoch_us(event_at) - epoch_us(lag(event_at) over (partition by session_id order by event_at)) as gap
        from session_events
    )
),

between_gaps as (
    select min(gap) as min_gap_us from (
        select epoch_us(started_at) - epoch_us(lag(ended_at) over (partition by client_id order by started_at))
            as gap
        from sessions
        where client_id in (select client_id from day_sessions)
    )
),

channel_check as (
    select
        count(*) filter (where source is null or medium is null or campaign is null
                         or channel not in (select channel from channel_rules union all select 'Unassigned'))
            as sessions_without_channel,
        count(*) filter (where started_at::DATE = (select d from params)) as started_sessions,
        count(*) filter (where started_at::DATE = (select d from params) and channel = 'Unassigned')
            as unassigned_sessions
    from day_sessions
),

day_events as (
    select count(*) as events, count(*) filter (where is_bot) as bot_events,
           count(*) filter (where referrer is null) as null_referrers
    from stg_events_base where event_at::DATE = (select d from params)
)

select
    (select count(*) from raw_events where partition_date = (select d from params)) as loaded_events,
    (select rows_read from latest_load) as rows_read,
    coalesce((select rows_quarantined / nullif(rows_read, 0) from latest_load), 1.0) as quarantine_rate,
    (select count(*) from day_orders) as orders,
    (select coalesce(round(sum(revenue), 2), 0) from day_orders) as orders_revenue,
    (select coalesce(revenue, 0) from conversion_events) as events_revenue,
    (select n from conversion_events) as conversion_events,
    abs((select coalesce(round(sum(revenue), 2), 0) from day_orders)
        - (select coalesce(revenue, 0) from conversion_events)) as revenue_diff,
    (select max_credit_error from attribution_check) as max_credit_error,
    (select max_model_revenue_diff from attribution_revenue) as max_model_revenue_diff,
    (select count(*) from day_orders as o
        left join (select order_id, count(distinct model) as models from credit_sums group by order_id) as c
            using (order_id)
        where coalesce(c.models, 0) < getvariable('attribution_model_count')) as orders_missing_a_model,
    coalesce((select max_gap_us from inner_gaps), 0) / 1e6 as max_gap_in_session_s,
    coalesce((select min_gap_us from between_gaps), (select timeout_us from params)) / 1e6 as min_gap_between_sessions_s,
    (select count(*) - count(distinct order_id) from orders) as duplicate_order_ids,
    (select count(*) from day_orders where session_id is null
        or session_id not in (select session_id from sessions)) as orders_without_session,
    (select count(*) from day_orders where revenue_mismatch) as revenue_mismatch_orders,
    (select coalesce(bot_events / nullif(events, 0), 0) from day_events) as bot_share,
    (select coalesce(null_referrers / nullif(events, 0), 0) from day_events) as null_referrer_share,
    (select events from day_events) as day_events,
    (select sessions_without_channel from channel_check) as sessions_without_channel,
    (select coalesce(unassigned_sessions / nullif(started_sessions, 0), 0) from channel_check)
        as unassigned_session_share
