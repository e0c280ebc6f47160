-- Grain: one row per check of the latest run of each gate: quarantine for the partition itself, watchdog for the
-- latest partition up to it with results (monitor runs after analyze, so usually an earlier partition's).
with latest as (
    (
        select suite, partition_date, run_id, checked_at
        from gate_results
        where suite = 'quarantine' and partition_date = cast($day as date)
        order by checked_at desc
        limit 1
    )
    union all
    (
        select suite, partition_date, run_id, checked_at
        from gate_results
        where suite = 'watchdog' and partition_date <= cast($day as date)
        order by partition_date desc, checked_at desc
        limit 1
    )
)

select
    g.suite,
    g.partition_date,
    g.run_id,
    g.check_name,
    g.expectation,
    g.severity,
    g.success,
    g.observed,
    g.threshold,
    g.checked_at
from gate_results as g
inner join latest as l
    on g.suite = l.suite and g.partition_date = l.partition_date and g.run_id = l.run_id
order by g.suite, g.success, g.severity, g.check_name
