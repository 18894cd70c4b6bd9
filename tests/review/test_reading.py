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
    "as @sec-structural-immigration explains [@homeoffice2021nrm].[^g]\n\n"
)
NOTE = "\n[^g]: Guardians keep a *log* of every first meeting with a child.\n"


@pytest.fixture(scope="module")
def chapter(tmp_path_factory: pytest.TempPathFactory) -> ChapterText:
    root = review_tree(tmp_path_factory.mktemp("reading"))
    path = root / CHAPTER
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Exclusion from school came up", ADDED +
                                 "Exclusion from school came up", 1) + NOTE, encoding="utf-8")
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
    paragraph = ADDED.strip().removesuffix("[^g]")
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


def test_a_footnote_is_read_where_the_author_wrote_it(chapter: ChapterText) -> None:
    """The render reads a note after the paragraph that calls it; its Markdown is at the
    end of the file: the quote still maps onto the note's definition."""
    note = next(b for b in chapter.reading.blocks if b.kind == "footnote")
    assert chapter.reading.block_text(note) == (
        "Guardians keep a log of every first meeting with a child.")
    assert _source_of(chapter, "keep a log of every first") == "keep a *log* of every first"
    assert note.source_start > chapter.source.index("Extend independent")


def test_an_edited_chapter_is_read_through_the_edit(chapter: ChapterText) -> None:
    """The round's Reading carried through an edit (no render of the edited chapter):
    inserted words as written, deleted words gone, the render's words kept where their
    Markdown stays, a moved paragraph read as it was read."""
    from report.review.anchoring import SourceMap
    from report.review.reading import derive

    source = chapter.source
    moved = source[source.index("Guardians met"):source.index("Exclusion from school")]
    edited = source.replace(moved, "").replace("easier to groom", "much easier to groom")
    edited = edited.replace("Children with insecure", moved + "Children with insecure")
    edited = edited.replace("Behind each number is a child\n", "")
    now = derive(chapter.reading, edited, SourceMap(source, edited))
    assert "much easier to groom" in now.text
    assert "Behind each number" not in now.text
    assert "as Section\u00a02.2 explains (Home Office 2021)." in now.text
    assert now.text.index("as Section") > now.text.index("Insecure immigration status")
    at = now.text.index("within a working day")
    assert edited[now.to_source(at):now.to_source_end(at + 20)] == "within [a working day"
    for block in now.blocks:  # every block's span is text of the edited file
        assert 0 <= block.source_start <= block.source_end <= len(edited)


@pytest.mark.parametrize("inserted, markup", [
    ("much ", False), ("Edited: plain words, 2,310 of them. ", False),
    ("*much* ", True), ("[much](https://example.org) ", True), ("as @sec-scope says, ", True),
    ("\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n", True), ("\n\n- a new item\n\n", True)])
def test_a_carried_reading_says_whether_it_holds_markdown_as_written(
        chapter: ChapterText, inserted: str, markup: bool) -> None:
    """Text inserted by an edit is carried as written: the Reading says whether any of it
    is Markdown a render shows otherwise (the anchorer then reads the chapter afresh
    for a quote not found; plain words never need it)."""
    from report.review.anchoring import SourceMap
    from report.review.reading import derive

    source = chapter.source
    edited = source.replace("easier to groom", inserted + "easier to groom", 1)
    assert edited != source
    assert derive(chapter.reading, edited, SourceMap(source, edited)).markup is markup


def test_a_chapter_with_a_fence_left_open_is_read_from_the_text_given(
        tmp_path, monkeypatch) -> None:
    """A chapter the anchorer reads from text it holds (an edit, a commit's version), not
    from a file: a fence left open is a problem its parse reports at a line of that text,
    and its blocks are still read (the parse no longer opens the file, which is not
    there)."""
    from report.review.paragraphs import parsed_blocks

    monkeypatch.chdir(tmp_path)  # no chapters/ here
    text = "# Title\n\nFirst paragraph, 2,310 children.\n\n::: {.draft}\nLeft open.\n"
    blocks = parsed_blocks([("chapters/open.md", text)])
    assert [b.text for b in blocks if b.number] == ["First paragraph, 2,310 children.",
                                                    "Left open."]


def test_chapters_read_in_runs_are_numbered_as_in_one(tmp_path, monkeypatch) -> None:
    """parsed_blocks reads chapters through citable.lua in runs of a bounded size (one
    run over a whole long report took the square of its size): the blocks, their words
    and their numbers are those of one run over all of them."""
    from report.render import batches
    from report.review.paragraphs import parsed_blocks

    monkeypatch.chdir(tmp_path)
    chapters = [(f"chapters/{n:02d}.md", f"# Chapter {n}\n\nFirst of {n}.\n\n- an item\n\n"
                 f"| A | B |\n|---|---|\n| {n} | 2 |\n\nLast of {n}.[^n]\n\n[^n]: A note.\n")
                for n in range(1, 6)]
    whole = parsed_blocks(chapters)
    runs = batches.runs
    monkeypatch.setattr(batches, "runs", lambda sizes, limit=None: runs(sizes, 1))
    assert parsed_blocks(chapters) == whole
    assert [b.number for b in whole if b.number] == list(range(1, 6 * 5 + 1))
