-- The watchdog's history: its rows of gate_results, under the names the monitoring docs use.
CREATE OR REPLACE VIEW monitor_results AS
SELECT run_id, partition_date, check_name, severity, success, observed, threshold, checked_at
FROM gate_results
WHERE suite = 'watchdog';
