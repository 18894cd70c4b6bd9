"""Annotated PDFs of the pack (issue 13, item 5): every viewer's markup, nothing dropped.

The pack is built by ``report review open``; ``annotate_pdf.py`` marks a reviewer's copy
as PDFium (Chrome, Edge), Acrobat/Foxit and Preview/Okular write annotations (see
README.md). Counts in = counts out, and the exact text of every comment.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pikepdf
import pytest
from annotate_pdf import acrobat_variant, pdfium_variant, preview_okular_variant
from reviewcore import opened_tree, pack_number, run, snapshot

from report.review import model
from report.review.importers.pdf import pdf_date

STRUCTURAL = "chapters/02-structural-factors.md"


@pytest.fixture(scope="module")
def opened(tmp_path_factory) -> Path:
    return opened_tree(tmp_path_factory.mktemp("pdf"), "r1", "--reviewer", "pat",
                       "--reviewer", "sam")


@pytest.fixture
def tree(opened: Path, tmp_path: Path) -> Path:
    root = tmp_path / "report"
    shutil.copytree(opened, root, symlinks=True)
    return root


def _pack(root: Path, who: str | None = None) -> Path:
    suffix = f"-{who}" if who else ""
    return next((root / "build/review/r1").glob(f"*-review-r1{suffix}.pdf"))


def _rows(root: Path) -> list[dict]:
    result = run(root, "status", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _line(root: Path, text: str) -> int:
    lines = (root / STRUCTURAL).read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def test_acrobat_markup_replies_states_and_changes(tree: Path, tmp_path: Path) -> None:
    path = acrobat_variant(_pack(tree, "pat"), tmp_path / "returned.pdf", "Pat Jones")
    result = run(tree, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "2 comments, 1 reply, 2 suggested changes added" in result.stdout
    rows = {(r["kind"], r["body"] or r["proposed"]): r for r in _rows(tree)}
    assert set(rows) == {("comment", "Say which kinds of poverty."),
                         ("reply", "A colleague agrees."),
                         ("replacement", "cuts to youth services"),
                         ("insertion", "also "), ("comment", "Include off-rolling.")}
    assert {r["reviewer"] for r in rows.values()} == {"pat"}
    highlight = rows[("comment", "Say which kinds of poverty.")]
    assert (highlight["quote"], highlight["anchor"], highlight["chapter"], highlight["line"],
            highlight["paragraph"], highlight["author"], highlight["created"],
            highlight["resolved"]) == (
        "Poverty, insecure", "exact", STRUCTURAL, _line(tree, "Poverty, insecure"),
        pack_number(tree, "Children do not become victims"),
        "Pat Jones", "2021-11-03T09:15:00+01:00", True)
    reply = rows[("reply", "A colleague agrees.")]
    assert (reply["parent"], reply["author"], reply["created"]) == (
        highlight["id"], "Sam Lee", "2021-11-04T10:00:00Z")
    replacement = rows[("replacement", "cuts to youth services")]
    assert (replacement["quote"], replacement["anchor"]) == ("closure of youth services",
                                                             "exact")
    insertion = rows[("insertion", "also ")]
    exclusion = pack_number(tree, "Exclusion from school")
    assert (insertion["quote"], insertion["paragraph"]) == ("", exclusion)
    stored = {c.proposed: c for r in model.load_round(tree, "r1") for c in r.comments}
    chapter = (tree / STRUCTURAL).read_text()
    assert chapter[stored["also "].target.start:].startswith("came up in every roundtable")
    note = rows[("comment", "Include off-rolling.")]
    assert (note["paragraph"], note["quote"], note["anchor"]) == (exclusion, "", "exact")
    by_body = {c.body: c for r in model.load_round(tree, "r1") for c in r.comments}
    assert chapter[by_body["Include off-rolling."].target.start:].startswith(
        "Exclusion from school")
    before = snapshot(tree)
    assert "nothing new" in run(tree, "import", str(path)).stdout
    assert snapshot(tree) == before


def test_pdfium_highlight_and_note(tree: Path, tmp_path: Path) -> None:
    path = pdfium_variant(_pack(tree, "sam"), tmp_path / "chrome.pdf", [
        {"kind": "highlight", "phrase": "Poverty, insecure", "text": "Which kinds?",
         "author": "Sam Lee"},
        {"kind": "note", "phrase": "Exclusion from school", "text": "A note, Chrome style.",
         "author": "Sam Lee"}])
    result = run(tree, "import", str(path))
    assert result.exit_code == 0, result.output
    rows = {r["body"]: r for r in _rows(tree)}
    assert set(rows) == {"Which kinds?", "A note, Chrome style."}
    assert (rows["Which kinds?"]["quote"], rows["Which kinds?"]["reviewer"],
            rows["Which kinds?"]["author"]) == ("Poverty, insecure", "sam", "Sam Lee")
    chrome = rows["A note, Chrome style."]
    assert (chrome["paragraph"], chrome["quote"]) == (pack_number(tree, "Exclusion from school"),
                                                      "")


def test_preview_and_okular_markup(tree: Path, tmp_path: Path) -> None:
    path = preview_okular_variant(_pack(tree, "pat"), tmp_path / "preview.pdf", "Pat Jones")
    assert run(tree, "import", str(path)).exit_code == 0
    rows = {r["body"]: r for r in _rows(tree)}
    assert set(rows) == {"Underlined: why?", "Squiggle here.", "Boxed note, rich text only."}
    assert rows["Underlined: why?"]["quote"] == "Poverty, insecure"
    assert rows["Squiggle here."]["quote"] == "Exclusion from school"
    assert rows["Squiggle here."]["created"] == "2021-11-06T08:00:00"
    boxed = rows["Boxed note, rich text only."]
    assert (boxed["paragraph"], boxed["quote"], boxed["anchor"]) == (
        pack_number(tree, "Children do not become victims"), "", "exact")


def test_a_pack_saved_without_its_destinations(tree: Path, tmp_path: Path) -> None:
    """A viewer that rewrites the file may drop its named destinations: the numbers are
    then read from the margin, beside each block, on left and right pages alike."""
    stripped = tmp_path / "stripped.pdf"
    with pikepdf.open(_pack(tree, "pat")) as pdf:
        del pdf.Root.Names
        pdf.save(stripped)
    path = acrobat_variant(stripped, tmp_path / "returned.pdf", "Pat Jones")
    result = run(tree, "import", str(path))
    assert result.exit_code == 0, result.output
    rows = {r["body"] or r["proposed"]: r for r in _rows(tree)}
    exclusion = pack_number(tree, "Exclusion from school")
    assert rows["Say which kinds of poverty."]["paragraph"] == pack_number(
        tree, "Children do not become victims")
    assert (rows["also "]["paragraph"], rows["Include off-rolling."]["paragraph"]) == (
        exclusion, exclusion)
    assert {r["anchor"] for r in rows.values()} == {"exact"}
    with pikepdf.open(stripped) as pdf:
        assert "/Names" not in pdf.Root


def test_a_pdf_that_is_not_this_rounds_pack(tree: Path, tmp_path: Path) -> None:
    stray = tmp_path / "other.pdf"
    with pikepdf.open(_pack(tree)) as pdf:
        del pdf.docinfo["/Subject"]
        pdf.save(stray)
    annotated = acrobat_variant(stray, tmp_path / "annotated.pdf", "Pat Jones")
    before = snapshot(tree)
    result = run(tree, "import", str(annotated))
    assert result.exit_code == 2
    assert "not a reviewer pack" in result.stderr and "--not-pack" in result.stderr
    assert snapshot(tree) == before
    result = run(tree, "import", str(annotated), "--not-pack", "--reviewer", "pat")
    assert result.exit_code == 0, result.output
    assert len(_rows(tree)) == 5


def test_pdf_dates() -> None:
    assert pdf_date("D:20211103091500+01'00'") == "2021-11-03T09:15:00+01:00"
    assert pdf_date("D:20211104100000Z") == "2021-11-04T10:00:00Z"
    assert pdf_date("D:20211104100000+00'00'") == "2021-11-04T10:00:00Z"
    assert pdf_date("D:2021") == "2021-01-01T00:00:00"
    assert pdf_date(None) is None
