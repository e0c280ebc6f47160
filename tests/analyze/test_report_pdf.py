"""The report as a PDF (WeasyPrint): its text holds the day's KPIs and every section, each page is A4 and names the
partition and the run, the charts stay vectors; the picture of its first page in the README is taken here."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from browser import MAX_BYTES

from clickstream.report import build
from clickstream.report.pdf import render_pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="needs poppler-utils (pdftotext, pdfinfo, pdftoppm, pdfimages)")


@pytest.fixture(scope="module")
def pdf(sample_report, tmp_path_factory) -> Path:
    return render_pdf(Path(sample_report["report"]), tmp_path_factory.mktemp("pdf") / "report.pdf")


def pages_text(pdf: Path) -> list[str]:
    """Each page's text, whitespace collapsed (pdftotext ends a page with a form feed)."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [re.sub(r"\s+", " ", page) for page in text.split("\f") if page.strip()]


def test_the_pdf_holds_every_headline_kpi_of_the_window_and_of_the_day(pdf, sample_report):
    first = pages_text(pdf)[0]
    for spec in build.KPIS:
        figures = sample_report["kpis"][spec.key]
        assert spec.label.upper() in first
        assert build.value_text(spec.kind, figures["window"]) in first, spec.key
        assert build.value_text(spec.kind, figures["day"]) in first, spec.key


def test_the_pdf_holds_every_section_title_of_the_page(pdf, sample_report):
    page = Path(sample_report["report"]).read_text(encoding="utf-8")
    titles = [re.sub(r"<[^>]+>", "", title) for title in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", page)]
    text = " ".join(pages_text(pdf))
    assert len(titles) == 19
    assert [title for title in titles if title not in text] == []


def test_the_first_page_is_the_kpis_and_what_changed_and_each_section_starts_a_page(pdf):
    pages = pages_text(pdf)
    assert "What changed" in pages[0] and "Daily trend" not in pages[0]
    starts = {title: next(i for i, page in enumerate(pages) if title in page) for title in (
        "Daily trend", "Funnel", "Channel performance", "Attribution by channel", "Data quality")}
    assert sorted(starts.values()) == list(starts.values())
    assert all(re.match(rf"^.{{0,200}}{title}", pages[i]) for title, i in starts.items())  # at the page's top


def test_every_page_is_a4_and_names_the_partition_and_the_run(pdf, sample_report):
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+(.+)", info)
    pages = pages_text(pdf)
    assert len(sizes) == len(pages) == 12  # the KPIs and what changed, then a page or more a section
    assert set(sizes) == {"595.276 x 841.89 pts (A4)"}
    day, run = sample_report["partition_date"], sample_report["run_id"]
    assert [number for number, page in enumerate(pages, 1)
            if f"partition {day}" not in page or f"Run {run}" not in page or f"Page {number} of {len(pages)}"
            not in page] == []


def test_the_charts_are_vectors_not_pictures(pdf):
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert listing.splitlines()[2:] == []  # a header of two lines, no image


def test_the_picture_of_the_first_page_is_saved_for_the_readme(delivered_report, screenshots, tmp_path):
    """Of the PDF deliver attaches: the report with the watchdog's verdict."""
    from PIL import Image

    pdf = render_pdf(Path(delivered_report["report"]), tmp_path / "report.pdf")

    path = screenshots / "report-pdf.png"
    raw = path.with_name(".report-pdf-raw")
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(raw)],
                   check=True)
    image = Image.open(raw.with_suffix(".png")).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
    raw.with_suffix(".png").unlink()
    assert image.size == (662, 936)  # A4 (210 x 297 mm) at 80 dpi, rounded up
    assert 20_000 < path.stat().st_size < MAX_BYTES
