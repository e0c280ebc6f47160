-- window_facts(first_date, last_date): what the report's breakdowns by a session's columns (source / medium,
-- devices, landing pages) sum. One row per session that started in the dates (sessions = 1; converted_sessions
-- and bounced_sessions 0 or 1) and one per order placed in them (orders = 1 and its revenue), each row with its
-- session's columns: an order counts by its order date and is credited to the session it was placed in.
-- Defined on the connection before every report query (clickstream/report/data.py).
create or replace temp macro window_facts(first_date, last_date) as table
    select
        s.* exclude (orders, revenue),
        1 as sessions,
        cast(s.converted as integer) as converted_sessions,
        cast(s.events = 1 as integer) as bounced_sessions,
        0 as orders,
        0 as revenue
    from sessions as s
    where s.session_date between first_date and last_date
    union all
    select s.* exclude (orders, revenue), 0, 0, 0, 1, o.revenue
    from orders as o
    inner join sessions as s on o.session_id = s.session_id
    where o.order_date between first_date and last_date
