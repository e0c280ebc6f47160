"""Issue 29's bounded-memory rows: validate's peak beyond its imports judged against 1 GB, DuckDB's plain import
beside it; nothing judged that did not run."""

from __future__ import annotations

from clickstream.bench.bounded_memory import judged, rows


def entry(validate_peak: float, validate_ok: bool = True) -> dict:
    def measured(seconds: float, peak: float, ok: bool = True) -> dict:
        return {"ok": ok, "seconds": seconds, "peak_rss_mb": peak, "log": "x.log"}

    return {"events": 16_000_000, "file_bytes": 5_272_573_792, "validate": measured(148.2, validate_peak, validate_ok),
            "imports": measured(20.4, 261.3), "plain_import": measured(201.2, 6143.9)}


def test_a_peak_within_1_gb_of_the_imports_meets_the_target() -> None:
    assert rows([entry(1040.0)]) == [["16,000,000 (5.3 GB)", "148.2", "1,040", "261", "779", "<= 1,024", "201.2",
                                      "6,144", "met"]]


def test_a_peak_beyond_1_gb_above_the_imports_misses_it() -> None:
    assert judged(entry(1285.4)) == {"beyond_imports_mb": 1024.1, "met": False}


def test_a_failed_validation_is_not_judged() -> None:
    assert (judged(entry(300.0, validate_ok=False)), rows([entry(300.0, validate_ok=False)])[0][-1]) == (
        {"beyond_imports_mb": None, "met": None}, "not measured")
