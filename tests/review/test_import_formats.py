"""The other ways reviewers comment: the template (.xlsx/.csv), Hypothesis, a YAML file."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from reviewcore import commit, pack_number, review_tree, run, snapshot

from report.manuscript import load
from report.review import model
from report.review.status import rows

STRUCTURAL = "chapters/02-structural-factors.md"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A round opened, then the introduction gained a paragraph (numbers shift by one)."""
    root = review_tree(tmp_path)
    intro = root / "chapters/01-introduction.md"
    intro.write_text(intro.read_text().replace(
        "# Introduction\n", "# Introduction\n\nA paragraph added after the round.\n"))
    commit(root, "Edit after the round")
    return root


def _by_body(root: Path) -> dict[str, dict]:
    return {row["body"]: row for row in rows(load(root))}


def test_xlsx_template_maps_pack_numbers_at_the_round(tree: Path, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Comments"
    sheet.append(["Reviewer", "Chapter", "Paragraph", "Type", "Comment", "Proposed change",
                  "Observations/response"])
    cite_at = pack_number(tree, "The 10,613 potential victims")
    sheet.append(["Jane Smith", "Structural factors", cite_at, "TE", "Cite the 2021 figures.",
                  "Use the 2021 NRM statistics.", None])
    sheet.append(["Jane Smith", "02-structural-factors.md", None, "ed", "Shorter, please.",
                  None, None])
    sheet.append(["Amir Patel", None, str(pack_number(tree, "Exclusion from school")), None,
                  "Say who was excluded.", None, None])
    sheet.append([None, None, None, None, None, None, None])
    workbook.create_sheet("Instructions").append(["How to comment"])
    path = tmp_path / "comments-r1.xlsx"
    workbook.save(path)

    result = run(tree, "import", str(path))
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tree / "review/r1").glob("*.yaml"))
    assert files == ["amir-patel.yaml", "jane-smith.yaml", "round.yaml"]
    found = _by_body(tree)
    cite = found["Cite the 2021 figures."]
    assert cite["chapter"] == STRUCTURAL and cite["anchor"] == "exact" and cite["line"] == 15
    assert cite["quote"].startswith("The 10,613 potential victims")
    assert cite["proposed"] == "Use the 2021 NRM statistics."
    assert found["Say who was excluded."]["quote"].startswith("Exclusion from school")
    shorter = found["Shorter, please."]
    assert (shorter["anchor"], shorter["chapter"], shorter["line"]) == ("section", STRUCTURAL, 6)
    stored = {c.body: c for r in model.load_round(tree, "r1") for c in r.comments}
    assert stored["Cite the 2021 figures."].type == "te"
    assert stored["Cite the 2021 figures."].target.paragraph == cite_at
    assert stored["Shorter, please."].type == "ed"
    assert stored["Say who was excluded."].type == "ge"

    before = snapshot(tree)
    assert "nothing new" in run(tree, "import", str(path)).output
    assert snapshot(tree) == before


def test_csv_template_with_semicolons(tree: Path, tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    path.write_text("reviewer;paragraph;type;comment;proposed change\n"
                    f"Jane Smith;{pack_number(tree, 'A child-centred approach starts')};te;"
                    "Child-centred, yes.;\n", encoding="utf-8-sig")
    result = run(tree, "import", str(path), "--reviewer", "jsmith")
    assert result.exit_code == 0, result.output
    row = _by_body(tree)["Child-centred, yes."]
    assert row["reviewer"] == "jsmith"
    assert row["chapter"] == "chapters/03-child-centred.md" and row["line"] == 7


def _annotation(ident: str, uri: str, text: str, **extra) -> dict:
    return {"id": ident, "uri": uri, "user": "acct:jsmith@hypothes.is",
            "user_info": {"display_name": "Jane Smith"}, "text": text,
            "created": "2021-11-03T09:00:00.000000+00:00", "tags": [], **extra}


def test_hypothesis_export(tree: Path, tmp_path: Path) -> None:
    page = "https://review-test.example.org/report/02-structural-factors/"
    quote = {"type": "TextQuoteSelector", "exact": "harder to see",
             "prefix": "A child who is out of school is easier to groom and ", "suffix": "."}
    position = {"type": "TextPositionSelector", "start": 999, "end": 1012}
    export = {"total": 4, "rows": [
        _annotation("h1", page, "Say how.", tags=["te"],
                    target=[{"source": page, "selector": [position, quote]}]),
        _annotation("h2", page, "Agreed.", references=["h1"],
                    target=[{"source": page}]),
        _annotation("h3", page, "A page note on the whole chapter.",
                    target=[{"source": page}]),
        _annotation("h4", "http://127.0.0.1:8000/03-child-centred/", "Good list.",
                    target=[{"source": "x", "selector": [{
                        "type": "TextQuoteSelector", "exact": "single, named point of contact",
                        "prefix": "Give the child a ", "suffix": "."}]}]),
    ]}
    path = tmp_path / "hypothesis.json"
    path.write_text(json.dumps(export))
    result = run(tree, "import", str(path))
    assert result.exit_code == 0, result.output
    review = model.load_round(tree, "r1")[0]
    assert review.reviewer.id == "jsmith" and review.reviewer.name == "Jane Smith"
    found = _by_body(tree)
    assert found["Say how."]["anchor"] == "exact" and found["Say how."]["line"] == 24
    assert found["Say how."]["quote"] == "harder to see"
    reply = found["Agreed."]
    assert reply["kind"] == "reply" and reply["quote"] == "harder to see"
    stored = {c.body: c for c in review.comments}
    assert stored["Agreed."].parent == stored["Say how."].id
    assert stored["Say how."].type == "te"
    assert stored["Say how."].author == "jsmith"
    assert found["A page note on the whole chapter."]["anchor"] == "section"
    assert found["Good list."]["chapter"] == "chapters/03-child-centred.md"
    assert found["Good list."]["anchor"] == "exact"


def test_hand_written_review_file(tree: Path, tmp_path: Path) -> None:
    path = tmp_path / "apatel.yaml"
    path.write_text(
        "round: r1\n"
        "reviewer: {id: apatel, name: Amir Patel, organisation: Example Council}\n"
        "comments:\n"
        "  - id: q1\n"
        "    type: te\n"
        "    body: |\n"
        "      Is this still true?\n\n      Please check.\n"
        "    target:\n"
        f"      source: {STRUCTURAL}\n"
        "      selector:\n"
        "        - type: TextQuoteSelector\n"
        "          exact: Guardians who stay with a child through every stage\n"
        "  - id: q2\n"
        "    kind: reply\n"
        "    parent: q1\n"
        "    body: And the source?\n"
        f"    target: {{paragraph: {pack_number(tree, 'Children with insecure')}}}\n")
    result = run(tree, "import", str(path))
    assert result.exit_code == 0, result.output
    review = model.load_round(tree, "r1")[0]
    assert review.path.name == "apatel.yaml"
    assert (review.reviewer.name, review.reviewer.organisation) == ("Amir Patel",
                                                                    "Example Council")
    q1, q2 = review.comments
    assert (q1.id, q2.id, q2.parent) == ("q1", "q2", "q1")
    assert q1.body == "Is this still true?\n\nPlease check.\n"
    assert q1.author == "Amir Patel"
    found = _by_body(tree)
    assert found["Is this still true?\n\nPlease check.\n"]["line"] == 41
    assert found["And the source?"]["quote"].startswith("Children with insecure")

    before = snapshot(tree)
    assert "nothing new" in run(tree, "import", str(path)).output
    assert snapshot(tree) == before
    path.write_text(path.read_text() + "  - body: One more thing.\n")
    result = run(tree, "import", str(path))
    assert result.exit_code == 0 and "1 comment added" in result.output
    assert len(model.load_round(tree, "r1")[0].comments) == 3


def test_comment_text_is_never_markup_in_the_status_table(tree: Path, tmp_path: Path) -> None:
    """A reviewer's "[/x]" or "[bold]" is text: the table shows it, never a traceback."""
    path = tmp_path / "comments.csv"
    path.write_text("reviewer,paragraph,type,comment,proposed change\n"
                    "Jane Smith,20,te,Keep [/x] and [bold]this[/bold] as written.,\n",
                    encoding="utf-8")
    assert run(tree, "import", str(path), "--reviewer", "jsmith").exit_code == 0
    from click.testing import CliRunner

    from report.cli import main

    result = CliRunner().invoke(main, ["--root", str(tree), "review", "status"],
                                env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "Keep [/x] and [bold]this[/bold] as written." in result.output
