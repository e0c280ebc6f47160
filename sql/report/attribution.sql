-- Grain: one row per channel credited for an order of the window: its revenue credit under each of the six models.
-- Credits are summed as decimals of their value to a millionth of a cent's hundredth: a double's last bits depend on
-- the order its window sums ran in, and summed as doubles two identical runs could round a figure to another dollar.
select
    a.channel,
    coalesce(sum(a.revenue_credit::decimal(38, 6)) filter (where a.model = 'first_touch'), 0) as first_touch,
    coalesce(sum(a.revenue_credit::decimal(38, 6)) filter (where a.model = 'last_touch'), 0) as last_touch,
    coalesce(sum(a.revenue_credit::decimal(38, 6)) filter (where a.model = 'linear'), 0) as linear,
    coalesce(sum(a.revenue_credit::decimal(38, 6)) filter (where a.model = 'position_based'), 0) as position_based,
    coalesce(sum(a.revenue_credit::decimal(38, 6)) filter (where a.model = 'time_decay'), 0) as time_decay,
    coalesce(sum(a.revenue_credit::decimal(38, 6)) filter (where a.model = 'last_non_direct'), 0) as last_non_direct
from attribution as a
inner join orders as o on a.order_id = o.order_id
where o.order_date between cast($start as date) and cast($end as date)
group by a.channel
order by last_touch desc, a.channel
