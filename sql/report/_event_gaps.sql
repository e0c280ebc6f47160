-- event_gaps(first_date, last_date): one row per non-bot event of the dates with gap_s, the seconds since its
-- client's previous event of the dates (null for a client's first; ties are gaps of 0). A gap of the session timeout
-- or more starts a session (int_session_events). What the session-timeout check's figures and histogram read.
-- Defined on the connection before every report query (clickstream/report/data.py).
create or replace temp macro event_gaps(first_date, last_date) as table
    select (epoch_us(event_at) - epoch_us(lag(event_at) over (partition by client_id order by event_at))) / 1e6 as gap_s
    from stg_events_base
    where not is_bot
      and event_date between first_date and last_date;
