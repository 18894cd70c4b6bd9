"""Numbered paragraphs: the locator reviewers use ("para 12") in the pack and template.

Numbers run 1..N across the whole report in nav order, over body blocks only
(paragraphs, list items, quotes, table rows, captions, footnotes); headings are not
numbered, so adding a heading does not renumber the text. The same numbering computed
at the round's commit maps a spreadsheet's "paragraph 12" back to the text the reviewer
read, however the chapters have changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from report.review.history import History
from report.review.plaintext import BODY_KINDS, Projection, project


@dataclass(frozen=True)
class Paragraph:
    """One numbered paragraph; ``start``/``end`` are source offsets in the chapter file."""

    number: int
    chapter: str
    index: int
    text: str
    start: int
    end: int
    line: int
    section: str | None


@lru_cache(maxsize=512)
def projected(text: str) -> Projection:
    """:func:`project`, cached: status and import project the same chapters many times."""
    return project(text)


def chapter_paragraphs(rel: str, text: str, first: int = 1) -> list[Paragraph]:
    """The numbered paragraphs of one chapter, numbering from ``first``."""
    projection = projected(text)
    paragraphs: list[Paragraph] = []
    section: str | None = None
    for block in projection.blocks:
        if block.kind == "heading":
            section = projection.text[block.start:block.end]
            continue
        if block.kind not in BODY_KINDS:
            continue
        paragraphs.append(Paragraph(
            number=first + len(paragraphs),
            chapter=rel,
            index=len(paragraphs) + 1,
            text=projection.text[block.start:block.end],
            start=block.source_start,
            end=block.source_end,
            line=projection.line_of(block.source_start),
            section=section,
        ))
    return paragraphs


def _number(chapters: list[tuple[str, str]]) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    for rel, text in chapters:
        paragraphs.extend(chapter_paragraphs(rel, text, len(paragraphs) + 1))
    return paragraphs


def number_paragraphs(manuscript) -> list[Paragraph]:
    """Numbered paragraphs of the manuscript as it is on disk now."""
    return _number([(c.rel, c.path.read_text(encoding="utf-8")) for c in manuscript.chapters])


def number_paragraphs_at(repo_root: Path | str, commit: str, manuscript) -> list[Paragraph]:
    """Numbered paragraphs as they were at ``commit`` (nav and chapters of that commit)."""
    history = History(Path(manuscript.root if manuscript is not None else repo_root))
    fallback = [c.rel for c in manuscript.chapters] if manuscript is not None else []
    chapters = history.chapters_at(history.resolve(commit), fallback)
    return _number([(c.rel, c.text) for c in chapters])
