-- Grain: one row: the gaps between a client's consecutive non-bot events of the window (both events in it), and how
-- many are shorter than the session timeout (gaps within a session), near it (half to twice it) and their median.
-- A gap of the timeout or more starts a session (int_session_events); ties are gaps of 0.
with gaps as (
    select gap_s from event_gaps(cast($start as date), cast($end as date))
)

select
    count(gap_s) as gaps,
    count(*) filter (where gap_s < $session_timeout_s) as below_timeout,
    count(*) filter (where gap_s >= $session_timeout_s / 2 and gap_s < $session_timeout_s * 2) as near_timeout,
    median(gap_s) as median_s
from gaps
