"""The shared contracts: the reader's text, paragraph numbers, review files and rounds."""

from __future__ import annotations

from pathlib import Path

import pytest
from reviewcore import commit, review_tree

from report.errors import InputError
from report.manuscript import load
from report.review import model
from report.review.anchoring import ChapterText
from report.review.paragraphs import number_paragraphs, number_paragraphs_at
from report.review.text import fold, normalise

SOURCE = """---
kind: chapter
---

# Structural *factors* {#sec-x}

Some **bold** text, a [link](https://example.org){.c}, a citation [@ilo2017global, p. 9]
and @homeoffice2021nrm says -- that's it... A note.[^n1] snake_case &amp; more.

::: {.recommendation #rec-a to="Home Office"}
Every child should have a *guardian*.
:::

- item one
  continues here
- item two

> quoted text

| A | B |
|---|---|
| 1 | 2 |

: Caption here {#tbl-x}

[^n1]: The note.
"""


def test_a_chapter_that_does_not_render_is_read_from_its_parse() -> None:
    """Without the render (an author mid-edit), the Reading's blocks are pandoc's parse
    of the chapter stringified: no Markdown left, citations as written."""
    reading = ChapterText("chapters/x.md", SOURCE).reading
    assert [reading.block_text(b) for b in reading.blocks] == [
        "Structural factors",
        "Some bold text, a link, a citation [@ilo2017global, p. 9] and @homeoffice2021nrm "
        "says \u2013 that\u2019s it\u2026 A note. snake_case & more.",
        "Every child should have a guardian.",
        "item one continues here", "item two", "quoted text", "A\nB", "1\n2",
        "Caption here", "The note."]
    kinds = [b.kind for b in reading.blocks]
    assert kinds == ["heading", "paragraph", "paragraph", "item", "item", "quote", "row",
                     "row", "caption", "footnote"]
    assert [b.number for b in reading.blocks] == [None, 1, 3, 4, 5, 6, 8, 9, 7, 2]


def test_reading_maps_back_to_source_offsets_and_lines() -> None:
    reading = ChapterText("chapters/x.md", SOURCE).reading
    for word in ("guardian", "link", "ilo2017global", "continues", "The note", "Caption"):
        at = reading.text.index(word)
        start, end = reading.to_source(at), reading.to_source_end(at + len(word))
        assert SOURCE[start:end] == word
        assert reading.from_source(start) == at
    at = reading.text.index("guardian")
    assert reading.line_of(reading.to_source(at)) == 11
    at = reading.text.index("bold text")
    assert SOURCE[reading.to_source(at):reading.to_source_end(at + 9)] == "bold** text"


def test_normalise_folds_typography() -> None:
    word = "\u201cChild\u2011centred\u201d\u00a0work \u2013 isn\u2019t it\u2026 co\u00adop"
    assert fold(word) == '"Child-centred" work - isn\'t it... coop'
    folded = normalise("a\u00a0\u00a0b")
    assert folded.text == "a b" and folded.to_original(2) == 3


def test_paragraph_numbers_now_and_at_a_commit(tmp_path: Path) -> None:
    root = review_tree(tmp_path)
    repo_commit = model.get_round(root, "r1").commit
    now = number_paragraphs(load(root))
    assert [p.number for p in now] == list(range(1, len(now) + 1))
    first = now[0]
    assert (first.chapter, first.index, first.line, first.section) == (
        "chapters/01-introduction.md", 1, 7, "1 Introduction")  # the heading as printed
    text = (root / first.chapter).read_text()
    assert text[first.start:first.end].startswith("This report draws")
    items = [p for p in now if p.chapter == "chapters/01-introduction.md"]
    assert items[2].text.startswith("Which interventions")  # list items count, headings not
    intro = root / "chapters/01-introduction.md"
    intro.write_text(intro.read_text().replace("# Introduction\n",
                                               "# Introduction\n\nNew first paragraph.\n"))
    commit(root, "edit")
    shifted = number_paragraphs(load(root))
    then = number_paragraphs_at(root, repo_commit, load(root))
    assert len(shifted) == len(now) + 1 and shifted[0].text == "New first paragraph."
    assert [p.text for p in then] == [p.text for p in now]


def test_a_new_heading_renumbers_nothing(tmp_path: Path) -> None:
    """Headings have ids but no pack numbers: a heading added between two paragraphs
    leaves every number as it was; a paragraph added shifts those after it by one."""
    root = review_tree(tmp_path)
    before = [(p.number, p.text) for p in number_paragraphs(load(root))]
    intro = root / "chapters/01-introduction.md"
    text = intro.read_text()
    anchor = "\nNo speaker or delegate"
    intro.write_text(text.replace(anchor, "\n## Who spoke\n" + anchor, 1))
    assert [(p.number, p.text) for p in number_paragraphs(load(root))] == before
    intro.write_text(text.replace(anchor, "\nAdded.\n" + anchor, 1))
    after = [(p.number, p.text) for p in number_paragraphs(load(root))]
    added = next(n for n, t in after if t == "Added.")
    assert after[:added - 1] == before[:added - 1]
    assert [(n - 1, t) for n, t in after[added:]] == before[added - 1:]


def test_review_file_round_trip_and_schema_errors(tmp_path: Path) -> None:
    root = tmp_path
    path = root / "review" / "r1" / "jsmith.yaml"
    comment = model.Comment(
        id=model.comment_id("a" * 64, "3", "comment"), body="One.\n\nTwo.",
        author="Jane Smith", created="2021-11-02T10:00:00Z",
        source=model.Source("docx", "jsmith.docx", "a" * 64, "3"),
        target=model.Target("chapters/x.md", "f" * 40, 3, "quote", "pre ", " suf", 10, 15))
    review = model.ReviewFile(path, "r1", model.Reviewer("jsmith", "Jane Smith"), [comment])
    model.save(review)
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    loaded = model.load_review_file(path, root)
    assert loaded.comments == [comment] and loaded.reviewer == review.reviewer
    assert model.comment_id("a" * 64, "3", "comment") == comment.id  # stable
    path.write_text(text.replace("status: open", "status: pending"))
    with pytest.raises(InputError) as caught:
        model.load_review_file(path, root)
    problem = caught.value.problems[0]
    assert problem.path == "review/r1/jsmith.yaml"
    assert problem.line == text.splitlines().index("    status: open") + 1
    assert "pending" in problem.message


def test_large_review_files_are_cached_in_git_dir_by_content(tmp_path: Path) -> None:
    root = review_tree(tmp_path)
    path = root / "review" / "r1" / "big.yaml"
    comments = [model.Comment(id=model.comment_id("c" * 64, str(i), "comment"),
                              body=f"Comment number {i}, " + "long words " * 20,
                              target=model.Target("chapters/x.md", "f" * 40, i + 1, "q"))
                for i in range(300)]
    model.save(model.ReviewFile(path, "r1", model.Reviewer("big"), comments))
    assert path.stat().st_size > model.CACHE_FROM
    cached = list((root / ".git" / "report-cache" / "review").glob("*.json"))
    assert len(cached) == 1
    assert model.load_review_file(path, root).comments == comments
    # an edit by hand is a new content hash: read afresh, never stale
    path.write_text(path.read_text().replace("Comment number 7,", "Comment number seven,"))
    loaded = model.load_review_file(path, root)
    assert loaded.comments[7].body.startswith("Comment number seven,")
    assert len(list(cached[0].parent.glob("*.json"))) == 2


def test_a_tree_mid_edit_is_numbered_from_its_parse(tmp_path: Path) -> None:
    """A citation not yet in the bibliography stops the render; the paragraphs are still
    numbered and placed, read from the chapters' parse (the citation as written)."""
    root = review_tree(tmp_path)
    rendered = number_paragraphs(load(root))
    intro = root / "chapters/01-introduction.md"
    text = intro.read_text()
    intro.write_text(text.replace("This report draws", "As [@nosuchwork] shows, this report "
                                  "draws", 1))
    with pytest.raises(InputError):
        from report.render import render

        render(load(root))
    parsed = number_paragraphs(load(root))
    assert len(parsed) >= len(rendered) - 5
    first = parsed[0]
    assert first.text.startswith("As [@nosuchwork] shows, this report draws")
    source = intro.read_text()
    assert source[first.start:first.end].startswith("As [@nosuchwork] shows")
    assert first.line == 7
