"""The report in a real browser: headless Chromium opens report.html from disk and draws every chart; the
screenshots of the README are taken here (tests/browser.py)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from browser import MAX_BYTES, launch, needs_chromium, save_screenshot

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page_of_report(browser, sample_report):
    """The report opened in Chromium: (page, console messages, requests that left the file)."""
    page = browser.new_page(viewport=DESKTOP)
    messages, requests = [], []
    page.on("console", lambda message: messages.append((message.type, message.text)))
    page.on("pageerror", lambda error: messages.append(("pageerror", str(error))))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(Path(sample_report["report"]).as_uri(), wait_until="load")
    yield page, messages, requests
    page.close()


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


def test_the_desktop_screenshot_shows_the_kpis_and_the_daily_trend(page_of_report, screenshots):
    page, _, _ = page_of_report
    trend = page.locator("img.chart").first.bounding_box()  # the first chart is the daily trend
    bottom = round(trend["y"] + trend["height"]) + 24
    path = screenshots / "report-desktop.png"
    clip = {"x": 0, "y": 0, "width": DESKTOP["width"], "height": bottom}
    size = save_screenshot(partial(page.screenshot, clip=clip, full_page=True), path)
    assert page.locator("img.chart").first.get_attribute("alt") == "Sessions, orders and revenue per day"
    assert page.locator("[data-kpi]").last.bounding_box()["y"] < bottom
    assert size == (DESKTOP["width"], bottom) and 1200 < bottom < 1800
    assert 50_000 < path.stat().st_size < MAX_BYTES


def test_the_narrow_screenshot_is_the_daily_trend_on_a_phone_in_its_narrow_layout(browser, sample_report,
                                                                                  screenshots):
    page = browser.new_page(viewport=PHONE)
    page.goto(Path(sample_report["report"]).as_uri() + "#trend", wait_until="load")
    path = screenshots / "report-narrow.png"
    size = save_screenshot(page.screenshot, path)
    shown = page.eval_on_selector("img.chart", "img => img.currentSrc")
    narrow = page.eval_on_selector("picture source", "source => source.srcset")
    page_width = page.evaluate("document.documentElement.scrollWidth")
    cards = page.eval_on_selector_all("[data-kpi]", "cards => cards.map(c => c.getBoundingClientRect().right)")
    page.close()
    assert shown == narrow  # the trend chart in its phone layout
    assert page_width == PHONE["width"]  # nothing makes the page scroll sideways (wide tables scroll in their box)
    assert len(cards) == 7 and max(cards) <= PHONE["width"]
    assert size == (PHONE["width"], PHONE["height"])
    assert 10_000 < path.stat().st_size < MAX_BYTES


def test_the_channels_screenshot_shows_channels_and_sources_by_ga4s_rules(page_of_report, sample_report, screenshots):
    page, _, _ = page_of_report
    top = page.locator("#channels").bounding_box()["y"] - 12
    table = page.locator("#source-medium + .scroll table").bounding_box()
    bottom = table["y"] + table["height"] + 12
    path = screenshots / "report-channels.png"
    clip = {"x": 0, "y": top, "width": DESKTOP["width"], "height": bottom - top}
    save_screenshot(partial(page.screenshot, clip=clip, full_page=True), path)
    channels = page.eval_on_selector_all("#channels ~ .scroll table tbody tr td:first-child",
                                         "cells => cells.map(c => c.innerText.trim())")
    pairs = page.eval_on_selector_all("#source-medium + .scroll table tbody tr td:first-child",
                                      "cells => cells.map(c => c.innerText.trim())")
    assert {"Direct", "Organic Search", "Paid Search", "Paid Social", "Email"} <= set(channels)
    assert len(pairs) == 10 and "(direct) / (none)" in pairs and "google / organic" in pairs
    assert 50_000 < path.stat().st_size < MAX_BYTES


def test_the_email_screenshot_shows_the_kpi_cards_and_what_changed(browser, delivered_report, screenshots):
    """Of the mail deliver sends: after the watchdog's verdict."""
    import json

    from clickstream.report import mail

    summary = json.loads(Path(delivered_report["report"]).with_name("summary.json").read_text())
    message = mail.daily(mail.DayReport(summary, Path(delivered_report["report"]).with_name("report.pdf")),
                         "http://localhost:8080")
    page = browser.new_page(viewport={"width": 700, "height": 500})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_content(message.html, wait_until="load")
    path = screenshots / "report-email.png"
    size = save_screenshot(partial(page.screenshot, full_page=True), path)
    cards = page.eval_on_selector_all("td[width='50%']", "cells => cells.length")
    page.close()
    assert cards == 7 and requests == []  # a card a KPI; nothing fetched (no image, no stylesheet)
    assert size[0] == 700 and 700 < size[1] < 1400  # the whole email, taller than the viewport
    assert 30_000 < path.stat().st_size < MAX_BYTES
