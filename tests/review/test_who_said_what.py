"""Who said what (issue 13, item 3): files filed under the invited reviewer, authors kept.

The round is opened with ``report review open --reviewer`` (the real pack, with one
marked Word copy per invitee); a reviewer's copy is commented with python-docx and saved
again by LibreOffice Writer, as a reviewer's office software would.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx
import pytest
from office import convert, needs_office
from reviewcore import FIXTURES, opened_tree, run

from report.review import model, status

INVITED = ("pat", "sam")


@pytest.fixture(scope="module")
def opened(tmp_path_factory) -> Path:
    return opened_tree(tmp_path_factory.mktemp("who"), "r1", "--deadline", "2021-11-20",
                       *[arg for who in INVITED for arg in ("--reviewer", who)])


@pytest.fixture
def tree(opened: Path, tmp_path: Path) -> Path:
    """A fresh copy of the opened round for each test (imports commit)."""
    root = tmp_path / "report"
    shutil.copytree(opened, root, symlinks=True)
    return root


def _copy_for(root: Path, who: str) -> Path:
    return next((root / "build/review/r1").glob(f"*-review-r1-{who}.docx"))


def _stored(root: Path) -> dict[str, model.ReviewFile]:
    return {r.reviewer.id: r for r in model.load_round(root, "r1")}


@needs_office
def test_the_pack_copy_files_every_comment_under_its_reviewer(tree: Path,
                                                              tmp_path: Path) -> None:
    document = docx.Document(str(_copy_for(tree, "pat")))
    paragraphs = [p for p in document.paragraphs if "Poverty" in p.text]
    assert paragraphs, "the pack holds the chapter text"
    runs = paragraphs[0].runs
    document.add_comment(runs[-1], text="Pat's own point.", author="Pat Jones",
                         initials="PJ")
    document.add_comment(runs[0], text="Мой коллега согласен.", author="Иван Петров",
                         initials="ИП")
    document.add_comment(runs[0], text="同意。", author="李小龍")
    edited = tmp_path / "edited" / "returned.docx"
    edited.parent.mkdir()
    document.save(str(edited))
    saved = convert(edited, tmp_path / "writer", "docx:MS Word 2007 XML")

    result = run(tree, "import", str(saved))
    assert result.exit_code == 0, result.output
    stored = _stored(tree)
    assert set(stored) == {"pat"}
    got = sorted((c.author, c.body) for c in stored["pat"].comments)
    assert got == sorted([("Pat Jones", "Pat's own point."),
                          ("Иван Петров", "Мой коллега согласен."), ("李小龍", "同意。")])
    rows = json.loads(run(tree, "status", "--format", "json").stdout)
    assert {(r["reviewer"], r["author"]) for r in rows} == {
        ("pat", "Pat Jones"), ("pat", "Иван Петров"), ("pat", "李小龍")}


def test_a_colleagues_reply_stays_in_the_thread(tree: Path) -> None:
    result = run(tree, "import", str(FIXTURES / "pandoc-comments.docx"), "--reviewer", "sam",
                 "--not-pack")
    assert result.exit_code == 0, result.output
    comments = _stored(tree)["sam"].comments
    assert len(comments) == 5
    reply = next(c for c in comments if c.kind == "reply")
    parent = next(c for c in comments if c.id == reply.parent)
    assert (reply.author, reply.body, parent.body) == (
        "Jesse Rosenthal", "Do something else.", "Do something.")
    rows = json.loads(run(tree, "status", "--format", "json").stdout)
    row = next(r for r in rows if r["kind"] == "reply")
    assert (row["reviewer"], row["parent"], row["author"]) == ("sam", parent.id,
                                                               "Jesse Rosenthal")


def test_a_word_file_that_is_not_the_pack_is_refused(tree: Path) -> None:
    result = run(tree, "import", str(FIXTURES / "pandoc-comments.docx"))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"{FIXTURES / 'pandoc-comments.docx'}: not a reviewer pack (its properties name no "
        "review round), not of round r1: import it anyway with 'report review import FILE "
        "--not-pack'")
    assert not (tree / "review/r1/pandoc-comments.yaml").exists()


def test_names_in_any_script_are_never_merged(tree: Path, tmp_path: Path) -> None:
    names = ["Иван Петров", "Пётр Иванов", "李小龍", "محمد علي", "Ivan Petrov"]
    path = tmp_path / "collated.csv"
    path.write_text("Reviewer,Paragraph,Comment\n" + "".join(
        f"{name},{3 + i},Comment by {name}.\n" for i, name in enumerate(names)),
        encoding="utf-8")
    result = run(tree, "import", str(path))
    assert result.exit_code == 0, result.output
    stored = _stored(tree)
    assert len(stored) == len(names)
    assert sorted(r.reviewer.name for r in stored.values()) == sorted(names)
    for review in stored.values():
        assert [c.body for c in review.comments] == [f"Comment by {review.reviewer.name}."]
    assert stored["ivan-petrov"].reviewer.name == "Ivan Petrov"
    folder = tmp_path / "letters"
    result = run(tree, "export", "--format", "md", "--per-reviewer", "-o", str(folder))
    assert result.exit_code == 0, result.output
    letters = sorted(folder.glob("*.md"))
    assert len(letters) == len(names)
    for letter in letters:
        text = letter.read_text(encoding="utf-8")
        assert sum(f"Comment by {name}." in text for name in names) == 1


def test_status_shows_each_invited_reviewer(tree: Path, tmp_path: Path) -> None:
    record = model.get_round(tree, "r1")
    path = tmp_path / "pat.csv"
    path.write_text("paragraph,comment\n4,Agreed.\n", encoding="utf-8")
    assert run(tree, "import", str(path)).exit_code == 0
    people = {p.id: p.state for p in status.invitees(tree, record, today="2021-11-10")}
    assert people == {"pat": "responded", "sam": "awaiting"}
    people = {p.id: p.state for p in status.invitees(tree, record, today="2021-11-21")}
    assert people == {"pat": "responded", "sam": "overdue"}
    other = tmp_path / "alex.csv"
    other.write_text("paragraph,comment\n5,Uninvited thought.\n", encoding="utf-8")
    assert run(tree, "import", str(other)).exit_code == 0
    people = {p.id: p.state for p in status.invitees(tree, record, today="2021-11-21")}
    assert people == {"pat": "responded", "sam": "overdue", "alex": "not invited"}
    table = run(tree, "status")
    assert table.exit_code == 0
    assert "Reviewers (2 invited, due 2021-11-20)" in table.stdout


def _fill(form: Path, target: Path, *rows: list) -> Path:
    import openpyxl

    book = openpyxl.load_workbook(form)
    sheet = book["Comments"]
    for row in rows:
        sheet.append(row)
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def test_the_same_form_from_two_reviewers_is_never_one(tree: Path, tmp_path: Path) -> None:
    """The issue's lost comment: the pack's form, returned twice with Reviewer blank."""
    form = tree / "build/review/r1/comments-r1.xlsx"
    row = [None, None, 4, "ge", "Strongly support this recommendation."]
    first = _fill(form, tmp_path / "a" / "comments-r1.xlsx", row)
    second = _fill(form, tmp_path / "b" / "comments-r1.xlsx", row)
    refused = run(tree, "import", str(first))
    assert refused.exit_code == 2
    assert refused.stderr.strip() == (
        f"{first}: cannot tell whose file this is: its name and properties name no "
        "reviewer; say whose it is with --reviewer ID (invited: pat, sam)")
    assert run(tree, "import", str(first), "--reviewer", "pat").exit_code == 0
    result = run(tree, "import", str(second), "--reviewer", "sam")
    assert result.exit_code == 0 and "1 comment added" in result.stdout, result.output
    stored = _stored(tree)
    assert {k: [c.body for c in r.comments] for k, r in stored.items()} == {
        "pat": ["Strongly support this recommendation."],
        "sam": ["Strongly support this recommendation."]}


@needs_office
def test_a_reviewers_form_copy_names_them_even_renamed(tree: Path, tmp_path: Path) -> None:
    form = tree / "build/review/r1/comments-r1-sam.xlsx"
    filled = _fill(form, tmp_path / "filled" / "comments-r1-sam.xlsx",
                   [None, None, 5, "te", "Cite the source."])
    saved = convert(filled, tmp_path / "calc", "xlsx:Calc MS Excel 2007 XML")
    renamed = saved.rename(saved.with_name("comments-r1.xlsx"))
    result = run(tree, "import", str(renamed))
    assert result.exit_code == 0, result.output
    assert [c.body for c in _stored(tree)["sam"].comments] == ["Cite the source."]


def test_review_files_named_in_other_scripts_stay_apart(tree: Path, tmp_path: Path) -> None:
    for index, name in enumerate(["Иван Петров", "李小龍"]):
        path = tmp_path / f"file-{index}.yaml"
        path.write_text(f"round: r1\nreviewer: {name}\ncomments:\n  - body: From {name}.\n",
                        encoding="utf-8")
        assert run(tree, "import", str(path)).exit_code == 0
    stored = _stored(tree)
    assert len(stored) == 2
    assert sorted((r.reviewer.name, [c.body for c in r.comments]) for r in stored.values()) \
        == sorted([("Иван Петров", ["From Иван Петров."]), ("李小龍", ["From 李小龍."])])


def test_a_collated_form_files_named_rows_by_name_and_blank_rows_by_file(
        tree: Path, tmp_path: Path) -> None:
    path = tmp_path / "sam-and-colleagues.csv"
    path.write_text("Reviewer,Paragraph,Comment\nAsha Patel,4,Named row.\n,5,Blank row.\n",
                    encoding="utf-8")
    assert run(tree, "import", str(path)).exit_code == 0
    assert {k: [c.body for c in r.comments] for k, r in _stored(tree).items()} == {
        "asha-patel": ["Named row."], "sam": ["Blank row."]}
