-- Grain: one row per quarantine reason seen in the window: rows set aside on the partition and in the window.
select
    reason,
    count(*) filter (where partition_date = cast($day as date)) as day_rows,
    count(*) as window_rows
from quarantine
where partition_date between cast($start as date) and cast($end as date)
group by reason
order by window_rows desc, reason
