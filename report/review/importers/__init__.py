"""Readers for what reviewers send back: Word, a spreadsheet, Hypothesis, a YAML file.

Each reader turns its file into :class:`Marked` items: what was said (body, proposed
change, author, date, kind, parent) and where, as a :class:`~report.review.model.Target`
located in the manuscript *as the reviewers read it* (the round's commit), using
:class:`RoundText`. A reader never fails because text cannot be found: the item keeps
its quote with no position, and shows as orphaned.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from report.errors import InputError, Problem
from report.review.anchoring import ChapterText, Corpus, Found
from report.review.history import History
from report.review.model import Round, Target
from report.review.paragraphs import Paragraph, numbered, readings_cache, round_blocks
from report.review.text import fold


@dataclass
class Marked:
    """One comment or suggested change as read from a reviewer's file."""

    native_id: str
    kind: str
    target: Target
    body: str | None = None
    proposed: str | None = None
    author: str | None = None
    initials: str | None = None
    created: str | None = None
    resolved: bool = False
    parent_native: str | None = None
    type: str = "ge"
    move: str | None = None
    reviewer: str | None = None          # reviewer id the file names for this item
    reviewer_name: str | None = None
    reviewer_organisation: str | None = None
    id: str | None = None                # a fixed id (hand-written review files)
    warning: str | None = None           # why it was kept unanchored, naming the row
    line: int | None = None              # row or line in the reviewer's file


class RoundText:
    """The manuscript as it was at the round's commit: chapters, corpus, numbering."""

    def __init__(self, manuscript, record: Round, history: History | None = None):
        self.manuscript = manuscript
        self.round = record
        self.history = history or History(manuscript.root)
        try:
            self.commit = self.history.resolve(record.commit)
        except InputError:
            raise InputError(Problem(f"review/{record.name}/round.yaml", None,
                                     f"the round's commit {record.commit} is not in this "
                                     "repository")) from None
        chapters = self.history.chapters_at(self.commit, [c.rel for c in manuscript.chapters])
        texts = [(c.rel, c.text) for c in chapters]
        # the render of the round's commit (cached per commit): the text the reviewers
        # read, and the pack's numbers
        blocks = round_blocks(self.history, self.commit, texts, manuscript.build_dir)
        cache = readings_cache(self.history)
        self.corpus = Corpus.at(chapters, blocks, cache)
        self.paragraphs: list[Paragraph] = numbered(blocks, texts, cache)
        self._by_chapter: dict[str, list[Paragraph]] = {}
        for paragraph in self.paragraphs:
            self._by_chapter.setdefault(paragraph.chapter, []).append(paragraph)

    def paragraph(self, number: int) -> Paragraph | None:
        if 1 <= number <= len(self.paragraphs):
            return self.paragraphs[number - 1]
        return None


    def paragraph_at(self, rel: str, source_offset: int) -> Paragraph | None:
        """The numbered paragraph holding (or last before) a source offset."""
        numbered = self._by_chapter.get(rel) or []
        index = bisect_right([p.start for p in numbered], source_offset) - 1
        return numbered[index] if index >= 0 else None

    def region(self, paragraph: Paragraph) -> tuple[str, int, int]:
        """A numbered paragraph as a search region (rel, normalised start, end)."""
        chapter = self.corpus.by_rel[paragraph.chapter]
        a, b = chapter.norm_span(paragraph.start, paragraph.end)
        return paragraph.chapter, a, b

    def chapter(self, rel: str) -> ChapterText | None:
        return self.corpus.by_rel.get(rel)

    def target(self, found: Found, marked: str | None = None) -> Target:
        """A target for text found at the round's commit; ``marked`` kept if it differs."""
        chapter = found.chapter
        start, end = found.source_span
        proj_start = chapter.norm.to_original(found.start)
        proj_end = chapter.norm.to_original_end(found.end) if found.end > found.start \
            else proj_start
        exact = chapter.reading.text[proj_start:proj_end]
        prefix, suffix = chapter.context(found.start, found.end)
        paragraph = self.paragraph_at(chapter.rel, start)
        keep = marked if marked is not None and fold(marked) != fold(exact) else None
        return Target(source=chapter.rel, commit=self.commit,
                      paragraph=paragraph.number if paragraph else None,
                      exact=exact, prefix=prefix, suffix=suffix, start=start, end=end,
                      marked=keep)

    def unlocated(self, marked: str, prefix: str = "", suffix: str = "",
                  rel: str | None = None, paragraph: int | None = None) -> Target:
        """A target that could not be found: the quote and its context, kept as marked."""
        return Target(source=rel, commit=self.commit, paragraph=paragraph, exact=marked,
                      prefix=prefix[-32:], suffix=suffix[:32])

    def locate(self, marked: str, prefix: str = "", suffix: str = "",
               rel: str | None = None, paragraph: Paragraph | None = None) -> Target:
        """Find a quote (within a paragraph, a chapter, or the whole report) or keep it."""
        found = None
        if paragraph is not None:
            found = self.corpus.find(marked, prefix, suffix, region=self.region(paragraph))
        if found is None and rel is not None:
            found = self.corpus.find(marked, prefix, suffix, rels=[rel])
        if found is None and rel is None:
            found = self.corpus.find(marked, prefix, suffix)
        if found is not None:
            return self.target(found, marked)
        return self.unlocated(marked, prefix, suffix,
                              rel=paragraph.chapter if paragraph else rel,
                              paragraph=paragraph.number if paragraph else None)


def display_path(path: Path) -> str:
    """How a reviewer's file is named in messages: as given on the command line."""
    return str(path)
