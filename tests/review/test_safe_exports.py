"""Exports that are safe to open (issue 13, item 2).

Reviewers' text is untrusted: the xlsx matrix is read back by LibreOffice Calc (what a
coordinator opens it with), the CSV is checked against OWASP's rule, the Markdown and
HTML outputs for raw markup, and every comment's text is compared exactly.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from office import CSV_UTF8_COMMA, calc_csv, needs_office
from reviewcore import commit, review_tree, run

from report.review import model
from report.review.export import XLSX_CELL, shown
from report.review.model import Comment, Disposition, Reviewer, ReviewFile, Target

LONG = "".join(f"{n:06d} " for n in range(12_000))  # 84,000 characters, every one distinct
HOSTILE = {
    "formula": '=HYPERLINK("http://example.com/x","click")',
    "sum": "=1+1",
    "plus": "+SUM(1,2)",
    "minus": "-2+3",
    "at": "@cmd",
    "tab": "\tindented",
    "script": "<script>alert(1)</script> and *bold* [link](javascript:x)",
    "bidi": "evil\u202etxt.exe and a bell\x07",
    "long": LONG,
    "reply": "Reply to Pat Jones: I agree with Pat Jones and with Jones, Pat.",
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = review_tree(tmp_path_factory.mktemp("safe"))
    sha = model.get_round(root, "r1").commit
    files = {"pat": ReviewFile(root / "review/r1/pat.yaml", "r1", Reviewer("pat", "Pat Jones")),
             "sam": ReviewFile(root / "review/r1/sam.yaml", "r1", Reviewer("sam", "Sam Lee"))}
    for index, (key, body) in enumerate(HOSTILE.items()):
        owner = "sam" if key == "reply" else "pat"
        files[owner].comments.append(Comment(
            id=f"c-{index:08x}", body=body, author=files[owner].reviewer.name,
            target=Target(commit=sha),
            disposition=Disposition(status="noted", response="=SUM(A1:A2)" if
                                    key == "sum" else None)))
    for review in files.values():
        model.save(review)
    commit(root, "Comments")
    return root


def _export(tree: Path, tmp_path: Path, fmt: str, *extra: str) -> Path:
    out = tmp_path / f"matrix.{fmt}"
    result = run(tree, "export", "--format", fmt, "-o", str(out), *extra)
    assert result.exit_code == 0, result.output
    return out


def _column(sheet, header: str) -> int:
    return [c.value for c in sheet[1]].index(header) + 1


def test_xlsx_cells_are_text_never_formulas(tree: Path, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(_export(tree, tmp_path, "xlsx"))
    sheet = book["Comments"]
    col = _column(sheet, "Comment")
    cells = [sheet.cell(row=r, column=col) for r in range(2, sheet.max_row + 1)]
    assert len(cells) == len(HOSTILE)
    assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row
               if isinstance(c.value, str))
    bodies = [c.value for c in cells]
    for key in ("formula", "sum", "plus", "minus", "at", "tab"):
        assert HOSTILE[key] in bodies
    response = sheet.cell(row=3, column=_column(sheet, "Response"))
    assert (response.value, response.data_type) == ("=SUM(A1:A2)", "s")


def test_a_long_comment_continues_on_a_linked_sheet(tree: Path, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(_export(tree, tmp_path, "xlsx"))
    sheet, more = book["Comments"], book["Continued"]
    col = _column(sheet, "Comment")
    cell = next(sheet.cell(row=r, column=col) for r in range(2, sheet.max_row + 1)
                if str(sheet.cell(row=r, column=col).value).startswith("000000"))
    assert len(cell.value) <= XLSX_CELL
    assert cell.hyperlink.location == "'Continued'!D2"
    first = cell.value.removesuffix("… [continued on sheet Continued]")
    parts = [row for row in more.iter_rows(min_row=2, values_only=True)]
    assert [p[2] for p in parts] == ["2 of 3", "3 of 3"]
    assert all(len(p[3]) <= XLSX_CELL for p in parts)
    assert first + "".join(p[3] for p in parts) == LONG


@needs_office
def test_calc_shows_the_text_not_a_result(tree: Path, tmp_path: Path) -> None:
    exported = _export(tree, tmp_path, "xlsx")
    shown_by_calc = calc_csv(exported, tmp_path / "calc", CSV_UTF8_COMMA)
    rows = list(csv.DictReader(io.StringIO(shown_by_calc.read_text(encoding="utf-8"),
                                           newline="")))
    bodies = {row["Comment"] for row in rows}
    for key in ("formula", "sum", "plus", "minus", "at"):
        assert HOSTILE[key] in bodies, key
    assert "2" not in bodies and "click" not in bodies
    assert "=SUM(A1:A2)" in {row["Response"] for row in rows}


def test_csv_cells_are_neutralised(tree: Path, tmp_path: Path) -> None:
    text = _export(tree, tmp_path, "csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    bodies = [row["Comment"] for row in rows]
    for key in ("formula", "sum", "plus", "minus", "at", "tab"):
        assert "'" + HOSTILE[key] in bodies
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for row in rows for cell in row.values())
    assert LONG in bodies  # CSV has no cell limit: the whole text


def test_markdown_and_html_escape_markup(tree: Path, tmp_path: Path) -> None:
    md = _export(tree, tmp_path, "md").read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "\\*bold\\*" in md and "\\[link\\]" in md
    page = _export(tree, tmp_path, "html").read_text(encoding="utf-8")
    assert "<script>" not in page
    folder = tmp_path / "letters"
    result = run(tree, "export", "--format", "md", "--per-reviewer", "-o", str(folder))
    assert result.exit_code == 0, result.output
    letter = (folder / "pat.md").read_text(encoding="utf-8")
    assert "<script>" not in letter and "&lt;script&gt;" in letter


def test_control_and_bidi_characters_are_shown(tree: Path, tmp_path: Path) -> None:
    assert shown(HOSTILE["bidi"]) == "evil<U+202E>txt.exe and a bell<U+0007>"
    for fmt in ("md", "html", "csv"):
        text = _export(tree, tmp_path, fmt).read_text(encoding="utf-8")
        assert "\u202e" not in text and "\x07" not in text
        assert "evil&lt;U+202E&gt;txt.exe" in text or "evil<U+202E>txt.exe" in text
    book = openpyxl.load_workbook(_export(tree, tmp_path, "xlsx"))
    values = [c.value for row in book["Comments"].iter_rows() for c in row]
    assert "evil<U+202E>txt.exe and a bell<U+0007>" in values


def test_anonymise_removes_names_from_what_was_written(tree: Path, tmp_path: Path) -> None:
    for fmt in ("csv", "md", "html"):
        text = _export(tree, tmp_path, fmt, "--anonymise").read_text(encoding="utf-8")
        for name in ("Pat Jones", "Jones, Pat", "Sam Lee"):
            assert name not in text, (fmt, name)
        assert "Reply to Reviewer 1: I agree with Reviewer 1 and with Reviewer 1." in text
