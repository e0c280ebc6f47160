"""The README and docs/: every link and every named section exists, and Troubleshoot covers every reason code
and every critical check, so that moving a section or adding a code cannot leave the docs behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clickstream.contract import LINE_CODES, REASON_CODES
from clickstream.gates import CRITICAL
from clickstream.settings import Settings
from clickstream.suites import quarantine_suite, watchdog_suite

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
# Files that name sections of the README or of docs/ in words.
REFERRING = [README, *DOCS, ROOT / ".env.example", ROOT / "docker-compose.yaml"]


def headings(path: Path) -> dict[str, str]:
    """A Markdown file's headings by their GitHub anchor (lower case, punctuation dropped, spaces as hyphens)."""
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.MULTILINE | re.DOTALL)
    titles = re.findall(r"^#{1,6} (.+?)\s*$", text, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-"): title.replace("`", "") for title in titles}


def section(path: Path, title: str) -> str:
    text = path.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def links(path: Path) -> list[str]:
    """Relative targets of the file's Markdown links and images (no web addresses)."""
    text = path.read_text()
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'<img src="([^"]+)"', text)
    return [target for target in targets if not re.match(r"[a-z]+:", target)]


@pytest.mark.parametrize("path", [README, *DOCS], ids=lambda path: path.name)
def test_every_link_reaches_a_file_and_a_heading(path):
    broken = []
    for target in links(path):
        file, _, anchor = target.partition("#")
        resolved = (path.parent / file).resolve() if file else path
        relative = resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) else str(resolved)
        if not resolved.exists():
            broken.append(f"{target}: no file {relative}")
        elif anchor and anchor not in headings(resolved):
            broken.append(f"{target}: no heading #{anchor} in {relative}")
    assert broken == []


def named_sections(path: Path) -> list[tuple[Path, str]]:
    """The sections a file names in words: `docs/x.md`, "Section" and the README's "Section" (or "A", "B" and
    "C"), as (file, heading)."""
    text = path.read_text()
    named = [(ROOT / file, title) for file, title in re.findall(r'`(docs/[\w-]+\.md)`,\s+"([^"]+)"', text)]
    for names in re.findall(r'README\'s\s+((?:"[^"]+"(?:,?\s+and\s+|,\s+|\s+or\s+)?)+)', text):
        named += [(README, title) for title in re.findall(r'"([^"]+)"', names)]
    return [(file, " ".join(title.split())) for file, title in named]  # a title may wrap across lines


def test_sections_named_in_words_are_found():
    assert named_sections(ROOT / "docs" / "deployment.md")[:2] == [(README, "Deploy with Docker"),
                                                                   (README, "Operate it")]
    assert (ROOT / "docs" / "pipeline.md", "Data model") in named_sections(README)


@pytest.mark.parametrize("path", REFERRING, ids=lambda path: path.name)
def test_every_section_named_in_words_exists(path):
    missing = [f"{file.relative_to(ROOT)}: {title!r}" for file, title in named_sections(path)
               if title not in headings(file).values()]
    assert missing == []


def test_every_docs_path_named_in_words_exists():
    named = {name for path in REFERRING for name in re.findall(r"\bdocs/[\w/.-]+\.(?:md|png)", path.read_text())}
    assert "docs/images/report-desktop.png" in named
    assert sorted(name for name in named if not (ROOT / name).exists()) == []


def test_troubleshoot_covers_every_reason_code():
    rows = section(README, "Troubleshoot")
    assert [code for code in (*REASON_CODES, *LINE_CODES) if f"| `{code}` |" not in rows] == []


def test_troubleshoot_covers_every_critical_check_of_both_gates():
    settings = Settings(_env_file=None)
    checks = {check.name for check in (*quarantine_suite(settings), *watchdog_suite(settings, 1800))
              if check.severity == CRITICAL}
    rows = section(README, "Troubleshoot")
    assert len(checks) == 15
    assert sorted(name for name in checks if not re.search(rf"\b{name}\b", rows)) == []


def test_the_readme_stays_a_front_door_of_about_200_lines_with_its_pictures():
    text = README.read_text()
    # 250: the settings table is generated, one row a setting (eight for the Iceberg catalog), and readers need
    # the few lines of "Read the tables" and of the stakeholders' email; the rest of that is in docs/pipeline.md.
    assert len(text.splitlines()) <= 250
    assert re.findall(r"!\[[^\]]+\]\((docs/images/[\w-]+\.png)\)", text) == [
        "docs/images/report-desktop.png", "docs/images/airflow-trigger-form.png",
        "docs/images/airflow-reports-view.png"]
