"""The bundled report itself (issue 3): built once per session, read by every test here."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from report.cli import main
from report.manuscript import load
from report.render import render
from tests.pdftext import normalise, pages


def _manifest(root: Path) -> dict:
    return json.loads((root / "build" / "manifest.json").read_text())


def test_all_five_editions_are_built(bundled_build: Path) -> None:
    editions = _manifest(bundled_build)["editions"]
    assert set(editions) == {"print", "digital", "web", "docx", "epub"}
    for entry in editions.values():
        assert (bundled_build / entry["path"]).exists()


def test_print_edition_is_a_full_report(bundled_build: Path) -> None:
    entry = _manifest(bundled_build)["editions"]["print"]
    assert entry["pages"] >= 60
    text = normalise(" ".join(p.text for p in pages(bundled_build / entry["path"])))
    for partner in ("Cumberland Lodge", "Independent Anti-Slavery Commissioner"):
        assert partner in text
    assert "Chatham House Rule" in text
    assert "40.3 million" in text and "10,613" in text and "4,946" in text


def test_recommendations_are_numbered_and_addressed(bundled_build: Path) -> None:
    rendered = render(load(bundled_build))
    recs = rendered.recommendations
    assert len(recs) >= 12
    assert [r.number for r in recs] == list(range(1, len(recs) + 1))
    assert all(r.to and r.to != "?" for r in recs)
    summary = next(c for c in rendered.chapters if c.label == "ch-recommendations")
    # "Recommendation" and its number are joined by a no-break space
    listed = re.findall(r"Recommendation\s(\d+)", " ".join(summary.element.itertext()))
    assert [int(n) for n in listed] == [r.number for r in recs]


def test_every_image_has_alt_text(bundled_build: Path) -> None:
    rendered = render(load(bundled_build))
    images = [img for c in rendered.chapters for img in c.element.iter("img")]
    assert images
    assert all((img.get("alt") or "").strip() for img in images)


def test_no_terminology_error_in_the_manuscript(bundled_build: Path) -> None:
    result = CliRunner().invoke(main, ["--root", str(bundled_build), "check", "--format",
                                       "json", "--severity", "info"])
    findings = json.loads(result.stdout)
    errors = [f for f in findings if f["severity"] == "error"]
    terms = [f for f in findings if f["code"].startswith("TERM") and f["severity"] != "info"]
    assert not terms, terms
    assert not errors, errors


def test_report_check_on_the_bundled_report_has_nothing_to_act_on(bundled_build: Path) -> None:
    """Issue 17: no warning an author would not act on (draft passages are info until
    --final; names, terms and structure are clean)."""
    result = CliRunner().invoke(main, ["--root", str(bundled_build), "check"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("0 findings: 0 errors, 0 warnings (")
