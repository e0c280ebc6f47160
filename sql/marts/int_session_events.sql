-- Grain: one row per non-bot event with the start of its session: a client's first event, and every event
-- whose gap to the client's previous one is session_timeout_s or more, starts a session.
-- Only times matter, so events are ordered by time alone: tied events have a gap of 0, so one start per time.
-- Ephemeral: in a full rebuild int_session_totals groups this window's output as it streams. Stored, its 9 M rows
-- held 1.2 GB of memory to the end of the run (DuckDB frees a dropped table only at commit), which the sessions
-- join then spilled: the full rebuild took 91 s against 77 s (10 M events).
-- depends_on: int_scoped_events
-- scope: client_id
-- materialized: ephemeral
with events as (
    select event_id, client_id, event_at, event_name, is_conversion, revenue
    from int_scoped_events
),

gaps as (
    select
        *,
        epoch_us(event_at) - epoch_us(lag(event_at) over (partition by client_id order by event_at)) as gap_us
    from events
)

select
    * exclude (gap_us),
    -- The latest start at or before the event (the default frame includes events tied on time).
    max(case when gap_us is null or gap_us >= getvariable('session_timeout_s') * 1000000 then event_at end)
        over (partition by client_id order by event_at) as started_at
from gaps
