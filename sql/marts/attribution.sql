-- Grain: one row per order, attribution model and credited session; per order and model the credits sum to 1.
-- Candidates: the ordering user's sessions that started within attribution_lookback_days before the order
-- (inclusive), plus the order's own session. Six models, see the credit columns below.
-- depends_on: orders, sessions
-- scope: client_id
-- unique_key: order_id, model, session_id
with orders_in_scope as (
    select order_id, client_id, user_id, session_id as order_session_id, ordered_at, revenue
    from orders
    where in_client_scope(client_id)
),

candidates as (
    select
        o.*,
        s.session_id,
        s.channel,
        s.started_at
    from orders_in_scope as o
    inner join sessions as s
        on s.user_id = o.user_id
        and s.started_at <= o.ordered_at
        and (
            s.started_at >= o.ordered_at - to_days(getvariable('attribution_lookback_days'))
            or s.session_id = o.order_session_id
        )
),

positioned as (
    select
        *,
        row_number() over (partition by order_id order by started_at, session_id) as position,
        count(*) over (partition by order_id) as touches,
        -- Time decay: the weight halves with every half-life of age (order time minus session start).
        pow(
            2.0,
            -((epoch_us(ordered_at) - epoch_us(started_at)) / 86400e6) / getvariable('time_decay_half_life_days')
        ) as decay_weight
    from candidates
),

marked as (
    select
        *,
        max(case when channel <> 'Direct' then position end) over (partition by order_id) as last_non_direct,
        sum(decay_weight) over (partition by order_id) as decay_total
    from positioned
),

credits as (
    select
        order_id, client_id, user_id, ordered_at, revenue, session_id, channel, started_at,
        cast(position = 1 as double) as first_touch,
        cast(position = touches as double) as last_touch,
        1.0::double / touches as linear,
        case
            when touches = 1 then 1.0
            when touches = 2 then 0.5
            when position = 1 or position = touches then 0.4
            else 0.2 / (touches - 2)
        end::double as position_based,
        decay_weight / decay_total as time_decay,
        cast(position = coalesce(last_non_direct, touches) as double) as last_non_direct
    from marked
)

select
    order_id,
    model,
    session_id,
    channel,
    credit,
    cast(revenue as double) * credit as revenue_credit,
    client_id,
    user_id,
    ordered_at,
    started_at as session_started_at
from (
    unpivot credits
    on first_touch, last_touch, linear, position_based, time_decay, last_non_direct
    into name model value credit
)
where credit > 0
