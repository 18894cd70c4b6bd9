"""A chapter's Reading: the render's words, each mapped back to the Markdown that made it."""

from __future__ import annotations

import pytest
from reviewcore import review_tree

from report.manuscript import load
from report.review.anchoring import ChapterText, Corpus
from report.review.paragraphs import by_chapter, rendered_blocks

CHAPTER = "chapters/02-structural-factors.md"
ADDED = (
    "Guardians met *every* child within [a working day](https://example.org/guardians),\n"
    "as @sec-structural-immigration explains [@homeoffice2021nrm].\n\n"
)


@pytest.fixture(scope="module")
def chapter(tmp_path_factory: pytest.TempPathFactory) -> ChapterText:
    root = review_tree(tmp_path_factory.mktemp("reading"))
    path = root / CHAPTER
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Exclusion from school came up", ADDED +
                                 "Exclusion from school came up", 1), encoding="utf-8")
    blocks = by_chapter(rendered_blocks(load(root)))[CHAPTER]
    return ChapterText(CHAPTER, path.read_text(encoding="utf-8"), blocks=blocks)


def _source_of(chapter: ChapterText, quote: str) -> str:
    found = Corpus([chapter]).find(quote)
    assert found is not None, quote
    start, end = found.source_span
    return chapter.source[start:end]


def test_the_reading_is_the_renders_text(chapter: ChapterText) -> None:
    text = chapter.reading.text
    assert "as Section\u00a02.2 explains (Home Office 2021)." in text
    assert "@sec-" not in text and "[@" not in text and "{#" not in text
    kinds = [b.kind for b in chapter.reading.blocks]
    assert kinds[0] == "heading" and "row" in kinds and "caption" in kinds


def test_quotes_across_emphasis_and_links_map_to_their_markdown(chapter: ChapterText) -> None:
    assert _source_of(chapter, "met every child within a working day") == (
        "met *every* child within [a working day")
    assert _source_of(chapter, "every child") == "every* child"
    line = chapter.reading.line_of(chapter.source.index("Guardians met"))
    assert chapter.source.splitlines()[line - 1].startswith("Guardians met")


def test_quotes_with_render_only_words_anchor_on_their_paragraph(chapter: ChapterText
                                                                 ) -> None:
    paragraph = ADDED.strip()
    for quote in ("as Section 2.2 explains", "explains (Home Office 2021).",
                  "within a working day, as Section 2.2"):
        source = _source_of(chapter, quote)
        assert source in paragraph, (quote, source)
    assert "@sec-structural-immigration" in _source_of(chapter, "as Section 2.2 explains")
    label = next(b for b in chapter.reading.blocks
                 if chapter.reading.block_text(b).startswith("Recommendation"))
    div = chapter.source.index("::: {.recommendation")
    assert div <= label.source_start <= chapter.source.index("Extend independent")


def test_a_reading_kept_on_disk_reads_back_the_same(chapter: ChapterText) -> None:
    import json

    from report.review.reading import Reading

    kept = json.loads(json.dumps(chapter.reading.to_json()))
    again = Reading.from_json(chapter.source, kept)
    assert (again.text, again.blocks) == (chapter.reading.text, chapter.reading.blocks)
    for at in range(0, len(again.text), 37):
        assert again.to_source(at) == chapter.reading.to_source(at)
        assert again.to_source_end(at) == chapter.reading.to_source_end(at)
