"""`report review export`: the matrix, the dashboard and letters, with names kept private."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import git
import openpyxl
import pytest
from click.testing import CliRunner

from report.cli import main
from report.review import model
from report.review.model import Comment, Disposition, Reviewer, ReviewFile, Round, Target

TREE = Path(__file__).resolve().parent.parent / "trees" / "review"
CHAPTER = "chapters/02-structural-factors.md"
NAMES = ("Jane Smith", "jsmith", "Asha Patel", "apatel")
# (reviewer id, name, quote, body, proposed, status, response, paragraph)
COMMENTS = [
    ("jsmith", "Jane Smith", "Poverty, insecure", "JANE-ONE: say which kinds of poverty.",
     None, "accepted", "We now name child poverty and destitution.", 9),
    ("jsmith", "Jane Smith", "closure of youth services", "JANE-TWO: cite the cuts.",
     "the closure of most youth services", "declined", "No source we can cite.", 9),
    ("apatel", "Asha Patel", "Exclusion from school came up in every roundtable",
     "ASHA-ONE: exclusion includes off-rolling.", None, "open", None, 12),
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("export") / "report"
    shutil.copytree(TREE, root, ignore=shutil.ignore_patterns("build", "*.py"))
    repo = git.Repo.init(root)
    repo.git.add(A=True)
    commit = repo.index.commit("Draft").hexsha
    model.write_round(root, Round("r1", commit, "2021-11-02"))
    text = (root / CHAPTER).read_text()
    files: dict[str, ReviewFile] = {}
    for index, (rid, name, quote, body, proposed, status, response, para) in \
            enumerate(COMMENTS):
        start = text.index(quote)
        review = files.setdefault(rid, ReviewFile(root / "review" / "r1" / f"{rid}.yaml",
                                                  "r1", Reviewer(rid, name)))
        review.comments.append(Comment(
            id=f"c-{index:08x}", kind="replacement" if proposed else "comment",
            type="te" if index == 1 else "ge", body=body, proposed=proposed, author=name,
            target=Target(source=CHAPTER, commit=commit, paragraph=para, exact=quote,
                          prefix=text[max(0, start - 32):start],
                          suffix=text[start + len(quote):start + len(quote) + 32],
                          start=start, end=start + len(quote)),
            disposition=Disposition(status=status, response=response)))
    for review in files.values():
        model.save(review)
    return root


def export(tree: Path, *args: str):
    result = CliRunner().invoke(main, ["--root", str(tree), "review", "export",
                                       "--round", "r1", *args])
    return result


def test_csv_has_one_row_per_comment(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "matrix.csv"
    assert export(tree, "--format", "csv", "-o", str(out)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["Comment"] for r in rows] == [c[3] for c in COMMENTS]
    first = rows[0]
    assert (first["Reviewer"], first["Author"], first["Chapter"], first["Paragraph"],
            first["Type"], first["Status"], first["Anchor"]) == (
        "Jane Smith", "Jane Smith", CHAPTER, "9", "ge", "accepted", "exact")
    text = (tree / CHAPTER).read_text()
    assert int(first["Line"]) == text[: text.index("Poverty, insecure")].count("\n") + 1
    assert rows[1]["Proposed change"] == "the closure of most youth services"
    assert rows[1]["Response"] == "No source we can cite."


def test_xlsx_and_md(tree: Path, tmp_path: Path) -> None:
    assert export(tree, "--format", "xlsx", "-o", str(tmp_path / "m.xlsx")).exit_code == 0
    sheet = openpyxl.load_workbook(tmp_path / "m.xlsx")["Comments"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:5] == ("No.", "Reviewer", "Author", "Chapter", "Paragraph")
    comment = values[0].index("Comment")
    assert [row[comment] for row in values[1:]] == [c[3] for c in COMMENTS]
    assert export(tree, "--format", "md", "-o", str(tmp_path / "m.md")).exit_code == 0
    md = (tmp_path / "m.md").read_text()
    assert all(c[3] in md for c in COMMENTS)
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(COMMENTS)  # header, rule, one row per comment


def test_dashboard_shows_text_now_and_charts(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "dashboard.html"
    assert export(tree, "--format", "html", "-o", str(out)).exit_code == 0
    page = out.read_text()
    assert "<mark>Poverty, insecure</mark>" in page
    assert "Children do not become victims of trafficking in a vacuum." in page
    assert page.count("<svg") == 2 and page.count("<rect") == 1 + 3  # 1 chapter, 3 statuses
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org", "")


@pytest.mark.parametrize("fmt", ["csv", "md", "html", "xlsx"])
def test_anonymise_hides_names(tree: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"anon.{fmt}"
    assert export(tree, "--format", fmt, "-o", str(out), "--anonymise").exit_code == 0
    if fmt == "xlsx":
        cells = openpyxl.load_workbook(out)["Comments"].iter_rows(values_only=True)
        content = "\n".join(str(v) for row in cells for v in row)
    else:
        content = out.read_text()
    assert not [name for name in NAMES if name in content]
    assert "Reviewer 1" in content and "Reviewer 2" in content


def test_letters_tell_each_reviewer_only_their_own(tree: Path, tmp_path: Path) -> None:
    folder = tmp_path / "letters"
    result = export(tree, "--format", "md", "-o", str(folder), "--per-reviewer")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["apatel.md", "jsmith.md"]
    jane, asha = (folder / "jsmith.md").read_text(), (folder / "apatel.md").read_text()
    assert "Dear Jane Smith" in jane and "JANE-ONE" in jane and "JANE-TWO" in jane
    assert "We now name child poverty and destitution." in jane and "Not accepted" in jane
    assert "ASHA" not in jane and "Asha" not in jane
    assert "ASHA-ONE" in asha and "Still under consideration" in asha
    assert "JANE" not in asha and "Jane" not in asha


def test_anonymised_html_letters(tree: Path, tmp_path: Path) -> None:
    folder = tmp_path / "letters"
    result = export(tree, "--format", "html", "-o", str(folder), "--per-reviewer",
                    "--anonymise")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["reviewer-1.html", "reviewer-2.html"]
    for letter in folder.iterdir():
        assert not [name for name in NAMES if name in letter.read_text()]


def test_letters_need_md_or_html(tree: Path, tmp_path: Path) -> None:
    result = export(tree, "--format", "csv", "-o", str(tmp_path / "x"), "--per-reviewer")
    assert result.exit_code == 2
    assert not (tmp_path / "x").exists()
