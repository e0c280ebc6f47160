-- Grain: one row per partition of the window with a load: the row counts of its latest load run.
with latest as (
    select partition_date, arg_max(run_id, loaded_at) as run_id
    from load_audit
    where status = 'loaded'
      and partition_date between cast($start as date) and cast($end as date)
    group by partition_date
)

select
    a.partition_date,
    a.run_id,
    count(*) as files,
    sum(a.rows_read) as rows_read,
    sum(a.rows_loaded) as rows_loaded,
    sum(a.rows_quarantined) as rows_quarantined,
    sum(a.duplicates) as duplicates,
    sum(a.rows_quarantined) / nullif(sum(a.rows_read), 0) as quarantine_rate,
    max(a.loaded_at) as loaded_at
from load_audit as a
inner join latest as l on a.partition_date = l.partition_date and a.run_id = l.run_id
where a.status = 'loaded'
group by a.partition_date, a.run_id
order by a.partition_date
