-- Grain: one row per failed check of the latest run of each gate per partition of the window: what the gates flagged.
with latest as (
    select suite, partition_date, arg_max(run_id, checked_at) as run_id
    from gate_results
    where partition_date between cast($start as date) and cast($end as date)
    group by suite, partition_date
)

select g.partition_date, g.suite, g.check_name, g.severity, g.observed, g.threshold, g.run_id
from gate_results as g
inner join latest as l
    on g.suite = l.suite and g.partition_date = l.partition_date and g.run_id = l.run_id
where not g.success
order by g.partition_date desc, g.severity, g.suite, g.check_name
