"""Headless Chromium for the browser tests, and the documentation's screenshots they take.

Playwright cannot download its own browsers here, so the tests drive Debian's ``/usr/bin/chromium``. The
screenshots shown in README.md and docs/ (``docs/images/``) are taken by the same tests that check the
pages: ``make screenshots`` saves them there (``--screenshots-to docs/images``); any other run saves them
in a temporary folder, so a plain ``make test`` takes and checks them without touching the committed files.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAX_BYTES = 300_000  # a screenshot in the docs stays small enough for the repository and a slow connection

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium: "
                                                                   "apt-get install -y chromium chromium-driver")


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


def save_screenshot(shoot, path: Path) -> tuple[int, int]:
    """Save the PNG that ``shoot(**options)`` returns (a page's or locator's ``screenshot``) at ``path``, its
    colours reduced to a palette of 256 (text and charts stay sharp, the file a fraction of the size); its
    (width, height)."""
    from PIL import Image

    image = Image.open(io.BytesIO(shoot(animations="disabled", caret="hide"))).convert("RGB")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
    return image.size
