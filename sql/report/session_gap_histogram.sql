-- Grain: one row per non-empty bin of the gaps between a client's consecutive non-bot events of the window (both
-- events in it), on a log scale: bin k holds gaps from 10^(k/4) up to 10^((k+1)/4) seconds, four bins a decade from
-- 1 s; bin -1 the gaps under a second (ties included), bin 24 those of 10^6 s (11.6 days) or more.
with gaps as (
    select gap_s from event_gaps(cast($start as date), cast($end as date))
)

select
    cast(case when gap_s < 1 then -1 else least(floor(log10(gap_s) * 4), 24) end as integer) as bin,
    count(*) as gaps
from gaps
where gap_s is not null
group by bin
order by bin
