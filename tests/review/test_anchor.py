"""Anchoring: each comment found again after the chapter changes, or honestly not.

Comments are made on chapters/02-structural-factors.md at the round's commit (through a
hand-written review file), then the chapter is edited in the working tree and
``report review status`` must say where each comment stands now.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from reviewcore import review_tree, run

from report.manuscript import load
from report.review.anchoring import SourceMap
from report.review.status import rows

CHAPTER = "chapters/02-structural-factors.md"

QUOTES = {
    "poverty": "Poverty, insecure\nimmigration status",
    "number": "Behind each number is a\nchild who was known to at least one agency",
    "school": "school",
    "guardians": "Guardians who stay with a child through every stage",
    "amira": "Each move cut her off from\nthe adults she trusted",
}
CONTEXT = {"school": ("A child who is out of ", " is\neasier to groom")}


def _review_yaml() -> str:
    lines = ["round: r1", "reviewer: {id: jsmith, name: Jane Smith}", "comments:"]
    for key, quote in QUOTES.items():
        prefix, suffix = CONTEXT.get(key, ("", ""))
        lines += [
            f"  - id: c-{key}",
            f"    body: About {key}.",
            "    target:",
            f"      source: {CHAPTER}",
            "      selector:",
            f"        - {{type: TextQuoteSelector, exact: {json.dumps(quote)}, "
            f"prefix: {json.dumps(prefix)}, suffix: {json.dumps(suffix)}}}",
        ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    root = review_tree(tmp_path_factory.mktemp("anchor"))
    review = root.parent / "jsmith.yaml"
    review.write_text(_review_yaml())
    result = run(root, "import", str(review))
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def tree(base: Path, tmp_path: Path) -> Path:
    """A private copy of the imported tree, to edit."""
    root = tmp_path / "report"
    shutil.copytree(base, root)
    return root


def _anchors(root: Path) -> dict[str, dict]:
    return {row["id"].removeprefix("c-"): row for row in rows(load(root))}


def _edit(root: Path, old: str, new: str) -> None:
    path = root / CHAPTER
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _text_at(root: Path, row: dict) -> str:
    lines = (root / row["chapter"]).read_text().splitlines()
    return "\n".join(lines[row["line"] - 1:])


def test_unchanged_text_is_exact(base: Path) -> None:
    anchors = _anchors(base)
    assert {row["anchor"] for row in anchors.values()} == {"exact"}
    assert anchors["poverty"]["line"] == 8
    assert anchors["guardians"]["line"] == 41
    assert all(row["chapter"] == CHAPTER for row in anchors.values())


def test_text_added_above_shifts_lines_but_stays_exact(tree: Path) -> None:
    # "moved" is for text that left its paragraph or chapter, not for a shift
    _edit(tree, "# Structural factors\n", "# Structural factors\n\nA new opening line.\n")
    anchors = _anchors(tree)
    assert {row["anchor"] for row in anchors.values()} == {"exact"}
    assert anchors["poverty"]["line"] == 10
    assert anchors["guardians"]["line"] == 43
    assert "Guardians who stay" in _text_at(tree, anchors["guardians"]).splitlines()[0]


def test_reworded_quote_is_fuzzy(tree: Path) -> None:
    _edit(tree, "Guardians who stay with a child through every stage",
          "Guardians who stay with a child through each stage")
    anchors = _anchors(tree)
    assert anchors["guardians"]["anchor"] == "fuzzy"
    assert anchors["guardians"]["line"] == 41
    assert anchors["poverty"]["anchor"] == "exact"


def test_short_quote_whose_paragraph_went_is_not_given_to_another(tree: Path) -> None:
    _edit(tree, "Exclusion from school came up in every roundtable. A child who is out of "
          "school is\neasier to groom and harder to see.\n", "")
    anchors = _anchors(tree)
    # "school" still appears in the chapter, but not in the comment's context: its text
    # was deleted, and the comment says so (at the line where it stood)
    assert "school" in (tree / CHAPTER).read_text()
    assert anchors["school"]["anchor"] == "deleted"
    assert anchors["school"]["line"] == 23  # where the paragraph stood
    assert anchors["school"]["quote"] == "school"


def test_deleted_section_marks_its_comments_deleted_but_keeps_them(tree: Path) -> None:
    text = (tree / CHAPTER).read_text()
    cut = text.index("## Insecure immigration status")
    (tree / CHAPTER).write_text(text[:cut])
    anchors = _anchors(tree)
    assert anchors["guardians"]["anchor"] == "deleted"
    assert anchors["guardians"]["chapter"] == CHAPTER
    assert anchors["guardians"]["quote"] == QUOTES["guardians"]
    assert anchors["poverty"]["anchor"] == "exact"
    assert len(anchors) == len(QUOTES)


def test_an_edit_of_plain_words_reads_no_chapter_afresh(tree: Path, monkeypatch) -> None:
    """A reworded quote after an edit of plain words is looked for in the Reading carried
    through the edit only: reading the chapter afresh (a pandoc run) could find nothing
    more there, and for every edited quote of a long report it was most of the time
    re-anchoring took."""
    from report.review import anchoring

    read: list[str] = []
    parsed = anchoring.parsed_blocks

    def counted(chapters, *args, **kwargs):
        read.extend(rel for rel, _ in chapters)
        return parsed(chapters, *args, **kwargs)

    _edit(tree, "who is out of school is", "who is out of education is")
    _edit(tree, "Guardians who stay with a child", "Guardians who remain with a child")
    monkeypatch.setattr(anchoring, "parsed_blocks", counted)
    anchors = _anchors(tree)
    assert (anchors["school"]["anchor"], anchors["guardians"]["anchor"]) == (
        "deleted", "fuzzy")
    assert read == []


def test_moved_paragraph_is_found_where_it_went(tree: Path) -> None:
    text = (tree / CHAPTER).read_text()
    start = text.index("Children with insecure immigration status")
    end = text.index("help to rebuild trust.\n") + len("help to rebuild trust.\n")
    paragraph = text[start:end]
    text = text[:start] + text[end:]
    at = text.index("## Poverty and exclusion")
    (tree / CHAPTER).write_text(text[:at] + paragraph + "\n" + text[at:])
    anchors = _anchors(tree)
    assert anchors["guardians"]["anchor"] == "moved"
    assert _text_at(tree, anchors["guardians"]).startswith("removal. Guardians who stay")


def test_renamed_chapter_is_followed_by_its_label(tree: Path) -> None:
    (tree / CHAPTER).rename(tree / "chapters/05-structural.md")
    manifest = tree / "mkdocs.yml"
    manifest.write_text(manifest.read_text().replace("02-structural-factors.md",
                                                     "05-structural.md"))
    anchors = _anchors(tree)
    assert {row["chapter"] for row in anchors.values()} == {"chapters/05-structural.md"}
    assert {row["anchor"] for row in anchors.values()} == {"moved"}


def test_status_command_table_and_json(base: Path) -> None:
    result = run(base, "status")
    assert result.exit_code == 0, result.output
    assert "c-guardians" in result.output and "exact" in result.output
    result = run(base, "status", "--format", "json", "--round", "r1")
    assert result.exit_code == 0
    assert len(json.loads(result.output)) == len(QUOTES)
    assert run(base, "status", "--round", "nope").exit_code == 2


def test_source_map_maps_through_line_and_word_edits() -> None:
    old = "one two three\nfour five six\nseven eight\n"
    new = "zero\none two three\nfour FIVE six\nseven eight\n"
    mapping = SourceMap(old, new)
    assert new[mapping.start(old.index("two")):].startswith("two three")
    assert new[mapping.start(old.index("six")):].startswith("six")
    assert mapping.start(old.index("five")) is None
    assert new[mapping.start(old.index("seven")):].startswith("seven")
