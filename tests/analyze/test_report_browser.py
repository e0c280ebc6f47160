"""The report in a real browser: headless Chromium opens report.html from disk and draws every chart."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium: "
                                                     "apt-get install -y chromium chromium-driver"),
]


@pytest.fixture(scope="module")
def page_of_report(sample_report):
    """The report opened in Chromium: (page, console messages, requests that left the file)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        messages, requests = [], []
        page.on("console", lambda message: messages.append((message.type, message.text)))
        page.on("pageerror", lambda error: messages.append(("pageerror", str(error))))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(Path(sample_report["report"]).as_uri(), wait_until="load")
        yield page, messages, requests
        browser.close()


def test_every_chart_is_drawn_with_a_size(page_of_report):
    page, _, _ = page_of_report
    charts = page.eval_on_selector_all(
        "img.chart", "images => images.map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight])")
    assert len(charts) >= 6
    assert [alt for alt, complete, width, height in charts if not (complete and width > 100 and height > 100)] == []


def test_the_page_logs_no_errors(page_of_report):
    _, messages, _ = page_of_report
    assert [message for message in messages if message[0] in ("error", "pageerror")] == []


def test_the_page_requests_nothing_beyond_itself(page_of_report, sample_report):
    _, _, requests = page_of_report
    assert [url for url in requests if not url.startswith(("data:", Path(sample_report["report"]).as_uri()))] == []


def test_a_screenshot_is_kept_as_a_test_artifact(page_of_report):
    page, _, _ = page_of_report
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "report.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 50_000


def test_the_headline_kpis_are_visible(page_of_report, sample_report):
    page, _, _ = page_of_report
    revenue = page.inner_text("[data-kpi=revenue] .value")
    assert revenue == f"${round(sample_report['kpis']['revenue']['window']):,}"
    assert page.is_visible("#changes")

