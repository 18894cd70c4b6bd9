"""Nothing a reviewer sent is lost (issue 13, item 1).

Spreadsheets and CSV files are made by LibreOffice Calc from the content a reviewer
types (see ``office.py``); every test counts comments in and out and compares the exact
text of every comment.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from office import (
    CSV_1252_SEMICOLON,
    CSV_UTF8_COMMA,
    calc_csv,
    calc_xlsx,
    needs_office,
    with_bom,
    with_crlf,
)
from reviewcore import FIXTURES, review_tree, run, snapshot

from report.manuscript import load
from report.review import model
from report.review.paragraphs import number_paragraphs_at
from report.review.status import rows

#: What reviewers type into the form: quotes, separators, a line break, Windows-1252
#: punctuation (every character here exists in Windows-1252, so each dialect can hold it).
TYPED = [
    ('Use "survivor" here, not "victim".', "Say \"survivor\"; or 'young person', as agreed."),
    ("Café staff, £5 fares – the “county lines” pattern €", None),
    ("First point.\nSecond point, on its own line.", "Keep; both, please"),
    ("Strongly support this recommendation.", None),
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return review_tree(tmp_path)


def _form(path: Path, body_rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Comments"
    sheet.append(["Reviewer", "Chapter", "Paragraph", "Type", "Comment", "Proposed change"])
    for row in body_rows:
        sheet.append(row)
    book.save(path)
    return path


def _stored(root: Path) -> dict[str, list[model.Comment]]:
    return {r.reviewer.id: r.comments for r in model.load_round(root, "r1")}


def test_the_same_form_comment_from_two_reviewers_is_kept_for_each(tree: Path,
                                                                     tmp_path: Path) -> None:
    text = "reviewer,paragraph,comment\n,4,Strongly support this recommendation.\n"
    for name in ("pat", "sam"):
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    for name in ("pat", "sam"):
        result = run(tree, "import", str(tmp_path / f"{name}.csv"))
        assert result.exit_code == 0, result.output
        assert "1 comment added" in result.output
    stored = _stored(tree)
    assert {k: [c.body for c in v] for k, v in stored.items()} == {
        "pat": ["Strongly support this recommendation."],
        "sam": ["Strongly support this recommendation."]}
    assert stored["pat"][0].id != stored["sam"][0].id
    before = snapshot(tree)
    for name in ("pat", "sam"):
        assert "nothing new" in run(tree, "import", str(tmp_path / f"{name}.csv")).output
    assert snapshot(tree) == before


def test_one_file_sent_for_two_invited_reviewers(tree: Path, tmp_path: Path) -> None:
    path = tmp_path / "form.csv"
    path.write_text("paragraph,comment\n4,Strongly support this recommendation.\n"
                    "5,Agree.\n", encoding="utf-8")
    for who in ("pat", "sam"):
        assert run(tree, "import", str(path), "--reviewer", who).exit_code == 0
    stored = _stored(tree)
    assert [c.body for c in stored["pat"]] == [c.body for c in stored["sam"]] == [
        "Strongly support this recommendation.", "Agree."]
    assert len({c.id for v in stored.values() for c in v}) == 4


@needs_office
def test_csv_dialects_as_spreadsheets_write_them(tree: Path, tmp_path: Path) -> None:
    form = _form(tmp_path / "form.xlsx",
                 [[None, None, 3 + i, "ge", body, proposed]
                  for i, (body, proposed) in enumerate(TYPED)])
    variants = {
        "utf8-comma": calc_csv(form, tmp_path / "a", CSV_UTF8_COMMA),
        "utf8-bom": with_bom(calc_csv(form, tmp_path / "b", CSV_UTF8_COMMA)),
        "cp1252-semicolon": calc_csv(form, tmp_path / "c", CSV_1252_SEMICOLON),
        "cp1252-crlf": with_crlf(calc_csv(form, tmp_path / "d", CSV_1252_SEMICOLON)),
    }
    assert variants["cp1252-crlf"].read_bytes().count(b"\r\n") == len(TYPED) + 1
    assert b'""survivor""' in variants["cp1252-semicolon"].read_bytes()
    assert "é".encode("cp1252") in variants["cp1252-semicolon"].read_bytes()
    for who, path in variants.items():
        result = run(tree, "import", str(path), "--reviewer", who)
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
    stored = _stored(tree)
    for who in variants:
        got = [(c.body, c.proposed, c.target.paragraph) for c in stored[who]]
        assert got == [(b, p, 3 + i) for i, (b, p) in enumerate(TYPED)], who


@needs_office
def test_formula_cells_keep_the_text_the_reviewer_typed(tree: Path, tmp_path: Path) -> None:
    typed = ["=1+1", '=HYPERLINK("http://example.com","click")', "=SUM(C2:C3)",
             "-remove this sentence"]
    # openpyxl stores a leading "=" as a formula, as Excel does for "=", "+" and "-"
    form = _form(tmp_path / "typed.xlsx", [
        [None, None, 3 + i, "ge", text if text.startswith("=") else "=" + text, None]
        for i, text in enumerate(typed)])
    saved = calc_xlsx(form, tmp_path / "calc")
    shown = openpyxl.load_workbook(saved, data_only=True).active
    assert [shown.cell(row=2 + i, column=5).value for i in range(4)][:2] == [2, "click"]
    result = run(tree, "import", str(saved), "--reviewer", "pat")
    assert result.exit_code == 0, result.output
    assert [c.body for c in _stored(tree)["pat"]] == typed


def test_a_row_that_cannot_be_placed_is_kept_with_a_warning(tree: Path,
                                                              tmp_path: Path) -> None:
    good = [f"Good comment {n}." for n in range(1, 11)]
    lines = [["reviewer", "chapter", "paragraph", "type", "comment"]]
    lines += [["Jane Smith", "", str(n + 2), "ge", body] for n, body in enumerate(good)]
    lines.insert(3, ["Jane Smith", "", "9999", "te", "Where is paragraph 9999?"])
    lines.insert(6, ["Jane Smith", "No such chapter", "", "ge", "Which chapter?"])
    lines.insert(8, ["Jane Smith", "", "para three", "xx", "Not a number, not a type."])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    path = tmp_path / "jane.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")

    result = run(tree, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "13 comments added" in result.stdout
    commit = model.get_round(tree, "r1").commit
    last = len(number_paragraphs_at(tree, commit, load(tree)))
    warnings = result.stderr.strip().splitlines()
    assert warnings == [
        f"{path}:4: warning: row 4: no paragraph 9999 (the pack numbers 1 to {last}): "
        "kept unanchored",
        f"{path}:7: warning: row 7: no chapter 'No such chapter' in the report: "
        "kept unanchored",
        f"{path}:9: warning: row 9: type 'xx' is not ge, te or ed: filed as ge; "
        "paragraph 'para three' is not a number: kept unanchored"]
    found = {row["body"]: row for row in rows(load(tree))}
    assert len(found) == 13
    assert all(found[body]["anchor"] == "exact" for body in good)
    for body in ("Where is paragraph 9999?", "Which chapter?", "Not a number, not a type."):
        assert found[body]["chapter"] is None and found[body]["line"] is None


def test_duplicate_keys_in_a_review_file_are_bad_input(tree: Path, tmp_path: Path) -> None:
    path = tmp_path / "jsmith.yaml"
    path.write_text("round: r1\nreviewer: {id: jsmith, name: Jane Smith}\ncomments:\n"
                    "  - body: First thought.\n"
                    "    type: te\n"
                    "    body: Second thought.\n")
    before = snapshot(tree)
    result = run(tree, "import", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"{path}:6: key 'body' twice in one mapping "
                                     "(first at line 4)")
    assert snapshot(tree) == before


def test_wrong_types_in_a_review_file_are_bad_input(tree: Path, tmp_path: Path) -> None:
    path = tmp_path / "jsmith.yaml"
    path.write_text("round: r1\nreviewer: jsmith\ncomments:\n"
                    "  - body: Fine.\n"
                    "  - body: [not, text]\n"
                    "    resolved: perhaps\n")
    before = snapshot(tree)
    result = run(tree, "import", str(path))
    assert result.exit_code == 2
    problems = result.stderr.strip().splitlines()
    assert [p.split(": ")[0] for p in problems] == [f"{path}:5", f"{path}:6"], problems
    assert snapshot(tree) == before


def test_a_stored_review_file_with_a_key_twice_is_bad_input(tree: Path) -> None:
    path = tree / "review/r1/jsmith.yaml"
    path.write_text("round: r1\nreviewer: {id: jsmith}\ncomments:\n"
                    "  - id: c-1\n    body: Kept?\n    id: c-2\n")
    result = run(tree, "status", "--format", "json")
    assert result.exit_code == 2
    assert "review/r1/jsmith.yaml:6: key 'id' twice" in result.stderr


def test_a_word_comment_made_of_an_entity_is_not_stored_empty(tree: Path,
                                                                tmp_path: Path) -> None:
    with zipfile.ZipFile(FIXTURES / "pandoc-comments.docx") as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    xml = members["word/comments.xml"].decode("utf-8")
    start = xml.index("<w:t", xml.index("<w:comment "))
    text_start = xml.index(">", start) + 1
    text_end = xml.index("</w:t>", text_start)
    original = xml[text_start:text_end]
    head, body = xml.split("?>", 1)
    xml = (head + '?><!DOCTYPE w:comments [<!ENTITY who "the coordinator">]>' + body)
    shift = len('<!DOCTYPE w:comments [<!ENTITY who "the coordinator">]>')
    xml = xml[:text_start + shift] + "&who;" + xml[text_end + shift:]
    members["word/comments.xml"] = xml.encode("utf-8")
    path = tmp_path / "entity.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    result = run(tree, "import", str(path), "--reviewer", "pat", "--not-pack")
    assert result.exit_code == 0, result.output
    bodies = [c.body for c in _stored(tree)["pat"] if c.kind != "insertion"]
    assert original not in (bodies[0] or "")
    assert bodies[0] and bodies[0].startswith("the coordinator")


def test_a_csv_comment_longer_than_the_csv_modules_limit(tree: Path, tmp_path: Path) -> None:
    body = "Word " * 40_000 + "end."  # 200,004 characters, past csv's 131,072 default
    path = tmp_path / "long.csv"
    path.write_text(f'paragraph,comment\n3,"{body}"\n', encoding="utf-8")
    result = run(tree, "import", str(path), "--reviewer", "pat")
    assert result.exit_code == 0, result.output
    assert [c.body for c in _stored(tree)["pat"]] == [body.strip()]


def test_a_quote_not_in_the_text_is_kept_with_a_warning(tree: Path, tmp_path: Path) -> None:
    path = tmp_path / "pat.yaml"
    path.write_text("round: r1\ncomments:\n"
                    "  - body: On words that are not there.\n"
                    "    target:\n"
                    "      selector: [{type: TextQuoteSelector, exact: no such words here}]\n",
                    encoding="utf-8")
    result = run(tree, "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (f"{path}: warning: item-1: the text 'no such words "
                                     "here' is not in the round's text: kept unanchored")
    row = rows(load(tree))[0]
    assert (row["body"], row["quote"], row["anchor"]) == (
        "On words that are not there.", "no such words here", "orphaned")
