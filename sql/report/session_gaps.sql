-- Grain: one row: the gaps between a client's consecutive non-bot events of the window (both events in it), and how
-- many are shorter than the session timeout (gaps within a session), near it (half to twice it) and their median.
-- A gap of the timeout or more starts a session (int_session_events); ties are gaps of 0.
with events as (
    select client_id, event_at
    from stg_events_base
    where not is_bot
      and event_date between cast($start as date) and cast($end as date)
),

gaps as (
    select (epoch_us(event_at) - epoch_us(lag(event_at) over (partition by client_id order by event_at))) / 1e6 as gap_s
    from events
)

select
    count(gap_s) as gaps,
    count(*) filter (where gap_s < $session_timeout_s) as below_timeout,
    count(*) filter (where gap_s >= $session_timeout_s / 2 and gap_s < $session_timeout_s * 2) as near_timeout,
    median(gap_s) as median_s
from gaps
