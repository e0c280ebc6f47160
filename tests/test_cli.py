"""The `clickstream` command: the same stages as the DAG, from a terminal."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import date

import pytest
from factories import row, write_csv

from clickstream.cli import build_parser, main
from clickstream.generate import generate
from clickstream.settings import Settings


def test_run_ingests_each_partition_in_date_order_transforms_once_then_reports_monitors_and_publishes(tmp_path, capsys):
    data = tmp_path / "data"
    generate(data, date(2025, 2, 23), 2, events_per_day=300, seed=1, truth=False)
    assert main(["--data-dir", str(data), "run"]) == 0
    lines = [line.split()[:2] for line in capsys.readouterr().out.splitlines()]
    days = ("2025-02-23", "2025-02-24")
    assert lines == ([[day, stage] for day in days for stage in ("validate", "load")]
                     + [["2025-02-23..2025-02-24", "transform"]]
                     + [[day, stage] for day in days for stage in ("analyze", "monitor")]
                     + [["2025-02-23..2025-02-24", "publish"]])  # the Iceberg tables, once every watchdog passed


def test_a_failed_gate_exits_1_with_a_one_line_reason(tmp_path, capsys):
    data = tmp_path / "data"
    write_csv(data / "raw" / "events_2025-02-23.csv", [row(client_id="")] * 5)
    assert main(["--data-dir", str(data), "run"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("clickstream: validate failed for 2025-02-23: quarantine gate failed")
    assert "\n" not in error


def test_docs_renders_the_gate_runs_that_have_no_page_yet(tmp_path, capsys):
    data = tmp_path / "data"
    write_csv(data / "raw" / "events_2025-02-23.csv", [row(client_id=f"c{i}") for i in range(30)])
    assert main(["--data-dir", str(data), "validate"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data), "docs"]) == 0
    index = data / "gx" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert capsys.readouterr().out.strip() == f"Rendered 1 gate run(s). Data Docs: {index}"
    assert "2025-02-23_cli__" in index.read_text()


def test_docs_without_any_gate_run_says_what_to_do_first(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "data"), "docs"]) == 0
    assert capsys.readouterr().out.strip() == (
        f"No gate run is stored in {tmp_path / 'data' / 'gx'} yet: validate a partition first.")


def test_files_without_a_date_are_reported_not_loaded(tmp_path, capsys):
    data = tmp_path / "data"
    write_csv(data / "raw" / "events_2025-02-23.csv", [row(client_id=f"c{i}") for i in range(30)])
    write_csv(data / "raw" / "export.csv", [row()])
    assert main(["--data-dir", str(data), "validate"]) == 0
    assert f"ignoring {data / 'raw' / 'export.csv'}: its name holds no date" in capsys.readouterr().err


def test_a_malformed_partition_date_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["--data-dir", str(tmp_path), "validate", "--partition", "23/02/2025"])
    assert "'23/02/2025' is not a YYYY-MM-DD date" in capsys.readouterr().err


def test_no_raw_files_says_how_to_get_some(tmp_path):
    (tmp_path / "raw").mkdir()
    with pytest.raises(SystemExit, match="run `clickstream generate` first"):
        main(["--data-dir", str(tmp_path), "load"])


def test_bench_takes_the_same_options_as_python_m_clickstream_bench():
    args = build_parser().parse_args(["bench", "--events", "20000", "--no-airflow", "--no-dag-parse",
                                      "--day-file-events", "0", "--out", "b"])
    assert (args.events, args.airflow, args.dag_parse, args.day_file_events, str(args.out)) == (
        [20000], False, False, 0, "b")


@pytest.mark.parametrize("argv", [["--data-dir", "{data}", "validate"], ["validate", "--data-dir", "{data}"]])
def test_the_data_dir_option_goes_before_or_after_the_command(tmp_path, argv):
    data = tmp_path / "elsewhere"
    with pytest.raises(SystemExit, match=f"no dated \\*.csv files in {data}/raw"):
        main([part.format(data=data) for part in argv])


def test_a_data_dir_after_the_command_wins_over_one_before_it(tmp_path):
    with pytest.raises(SystemExit, match=f"no dated \\*.csv files in {tmp_path / 'after'}/raw"):
        main(["--data-dir", str(tmp_path / "before"), "load", "--data-dir", str(tmp_path / "after")])


def test_a_busy_warehouse_names_the_day_the_stage_the_holder_and_the_next_command(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    write_csv(data / "raw" / "events_2025-02-23.csv",
              [row(client_id=f"c{i}", timestamp=f"2025-02-23T10:{i:02d}:00.000Z") for i in range(30)])
    monkeypatch.setenv("CLICKSTREAM_WAREHOUSE_LOCK_TIMEOUT_S", "0.5")
    (data / "warehouse.duckdb").parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ok', flush=True); time.sleep(30)", str(data / "warehouse.duckdb")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        assert main(["--data-dir", str(data), "run"]) == 1
    finally:
        holder.kill()
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"clickstream: load failed for 2025-02-23: warehouse is busy: {data / 'warehouse.duckdb'}"
                            f" is held by process {holder.pid} (")
    assert error.endswith("then run `clickstream load --partition 2025-02-23`") and "\n" not in error


def test_sigterm_stops_a_stage_cleanly_and_says_so(tmp_path):
    data = tmp_path / "data"
    generate(data, date(2025, 2, 23), 1, events_per_day=300_000, seed=1, truth=False)
    command = [sys.executable, "-m", "clickstream.cli", "--data-dir", str(data), "validate"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    staging = data / "staging"
    deadline = time.monotonic() + 60
    while not (staging.is_dir() and any(path.name.endswith(".tmp") for path in staging.iterdir())):
        assert time.monotonic() < deadline and process.poll() is None, "validate never started writing aside"
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    _, error = process.communicate(timeout=60)
    assert process.returncode == 1
    assert error.strip() == ("clickstream: validate failed for 2025-02-23: stopped by SIGTERM before it finished; "
                             "nothing of it was published. Rerun: `clickstream validate --partition 2025-02-23`")
    assert sorted(path.name for path in staging.iterdir()) == []


def test_settings_prints_those_in_effect_as_env_lines(monkeypatch, capsys):
    monkeypatch.setenv("CLICKSTREAM_MAX_QUARANTINE_RATE", "0.2")
    assert main(["settings"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(Settings.model_fields)
    assert "CLICKSTREAM_MAX_QUARANTINE_RATE=0.2" in lines and 'CLICKSTREAM_SCHEDULE="30 2 * * *"' in lines


def test_settings_markdown_writes_the_table_into_a_document(tmp_path, capsys):
    from clickstream.settings import TABLE_END, TABLE_START, markdown_table

    document = tmp_path / "README.md"
    document.write_text(f"Before.\n{TABLE_START}\n| stale |\n{TABLE_END}\nAfter.\n")
    assert main(["settings", "--write", str(document)]) == 0
    assert document.read_text() == f"Before.\n{TABLE_START}\n{markdown_table()}{TABLE_END}\nAfter.\n"
    assert main(["settings", "--markdown"]) == 0
    assert capsys.readouterr().out == f"Wrote the settings table into {document}\n{markdown_table()}"


def test_a_reader_that_stops_early_gets_no_traceback():
    # `clickstream settings | head -1`: the pipe closes while the command still writes.
    result = subprocess.run(f"{sys.executable} -m clickstream.cli settings | head -1", shell=True,
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.startswith("CLICKSTREAM_") and len(result.stdout.splitlines()) == 1
    assert result.stderr == ""


def test_a_day_that_fails_validation_while_the_day_before_loads_is_told_after_that_load(tmp_path, capsys):
    # The second day validates on a thread while the first loads; its failure still comes after the first's lines.
    data = tmp_path / "data"
    generate(data, date(2025, 2, 23), 1, events_per_day=300, seed=1, truth=False)
    write_csv(data / "raw" / "events_2025-02-24.csv", [row(client_id="")] * 5)
    assert main(["--data-dir", str(data), "run"]) == 1
    captured = capsys.readouterr()
    assert [line.split()[:2] for line in captured.out.splitlines()] == [["2025-02-23", "validate"],
                                                                        ["2025-02-23", "load"]]
    assert captured.err.startswith("clickstream: validate failed for 2025-02-24: quarantine gate failed")


def test_channel_tells_source_medium_and_channel_of_a_landing(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "data"), "channel",
                 "https://puffy.com/?utm_source=Facebook&utm_medium=cpc&utm_campaign=spring"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "source / medium:  facebook / cpc", "campaign:         spring",
        "source category:  SOURCE_CATEGORY_SOCIAL", "channel:          Paid Social"]
    assert not (tmp_path / "data").exists()  # a throw-away warehouse: nothing written to the data dir


def test_channel_uses_the_shops_own_source_categories(tmp_path, capsys, monkeypatch):
    mine = tmp_path / "sources.csv"
    mine.write_text("source,source_category\nx.com,SOURCE_CATEGORY_SOCIAL\n")
    monkeypatch.setenv("CLICKSTREAM_SOURCE_CATEGORIES_FILE", str(mine))
    assert main(["channel", "https://puffy.com/", "--referrer", "https://x.com/post/1"]) == 0
    assert capsys.readouterr().out.splitlines()[::3] == ["source / medium:  x.com / referral",
                                                         "channel:          Organic Social"]


def test_channel_says_which_line_of_a_bad_rule_file_is_wrong(tmp_path, capsys, monkeypatch):
    rules = tmp_path / "rules.csv"
    rules.write_text("priority,channel,rule,field,match_type,value\n10,Email,1,medium,LIKE,email\n")
    monkeypatch.setenv("CLICKSTREAM_CHANNEL_GROUP_FILE", str(rules))
    assert main(["channel", "https://puffy.com/"]) == 1
    assert f"clickstream: channel failed: {rules} line 2: match_type 'LIKE' is not one of" in capsys.readouterr().err
