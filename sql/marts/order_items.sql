-- Grain: one row per line of an order's items list (position line_number, from 1).
-- depends_on: int_conversions
-- scope: client_id
-- unique_key: order_id, line_number
with conversions as (
    select order_id, client_id, ordered_at, json_extract(items, '$[*]') as lines
    from int_conversions
    where json_type(items) = 'ARRAY'
),

lines as (
    select
        order_id,
        client_id,
        ordered_at,
        unnest(generate_series(1, len(lines))) as line_number,
        unnest(lines) as line
    from conversions
),

typed as (
    select
        order_id,
        client_id,
        ordered_at,
        line_number,
        line ->> 'item_id' as item_id,
        line ->> 'item_name' as item_name,
        try_cast(line ->> 'item_price' as decimal(18, 2)) as item_price,
        -- A line without a quantity is one item.
        coalesce(cast(round(try_cast(line ->> 'quantity' as double)) as integer), 1) as quantity
    from lines
)

select
    *,
    item_price * quantity as line_revenue
from typed
