"""Anchors that say what happened (issue 13, item 6): deleted, general, headings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reviewcore import commit, review_tree, run

CHAPTER = "chapters/02-structural-factors.md"
PARAGRAPH = ("Exclusion from school came up in every roundtable. A child who is out of school "
             "is\neasier to groom and harder to see.\n")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = review_tree(tmp_path)
    review = tmp_path / "jsmith.yaml"
    review.write_text(f"""round: r1
reviewer: {{id: jsmith, name: Jane Smith}}
comments:
  - body: On the heading.
    target:
      source: {CHAPTER}
      selector: [{{type: TextQuoteSelector, exact: Poverty and exclusion}}]
  - body: On the paragraph that will go.
    target:
      source: {CHAPTER}
      selector: [{{type: TextQuoteSelector, exact: "out of school is easier to groom"}}]
  - body: A general remark on the whole draft.
""", encoding="utf-8")
    result = run(root, "import", str(review))
    assert result.exit_code == 0, result.output
    return root


def _rows(root: Path) -> dict[str, dict]:
    result = run(root, "status", "--format", "json")
    assert result.exit_code == 0, result.output
    return {row["body"]: row for row in json.loads(result.stdout)}


def _line(root: Path, text: str) -> int:
    lines = (root / CHAPTER).read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def test_states_before_any_edit(tree: Path) -> None:
    rows = _rows(tree)
    heading = rows["On the heading."]
    assert (heading["anchor"], heading["line"]) == ("exact", _line(tree, "## Poverty and"))
    general = rows["A general remark on the whole draft."]
    assert (general["anchor"], general["chapter"], general["line"]) == ("general", None, None)


def test_deleted_text_is_deleted_and_a_shift_is_not_a_move(tree: Path,
                                                           tmp_path: Path) -> None:
    path = tree / CHAPTER
    text = path.read_text()
    assert PARAGRAPH in text
    path.write_text("A new opening paragraph.\n\n" + text.replace(PARAGRAPH, ""))
    commit(tree, "Cut a paragraph, add one above")
    rows = _rows(tree)
    gone = rows["On the paragraph that will go."]
    assert (gone["anchor"], gone["chapter"]) == ("deleted", CHAPTER)
    heading = rows["On the heading."]
    assert (heading["anchor"], heading["line"]) == ("exact", _line(tree, "## Poverty and"))
    assert rows["A general remark on the whole draft."]["anchor"] == "general"
    page = tmp_path / "dashboard.html"
    assert run(tree, "export", "--format", "html", "-o", str(page)).exit_code == 0
    html = page.read_text(encoding="utf-8")
    row = html[html.index("On the paragraph that will go."):]
    row = row[:row.index("</tr>")]
    assert "This text has been deleted from the report." in row
    assert "Exclusion" not in row.split('class="now"')[1]
