"""Where each comment stands in the manuscript now, however the text has changed.

A comment records what the reviewer marked at the round's commit: a quote with prefix
and suffix, and source offsets. To find it now, in order (as Gerrit ports comments and
Hypothesis re-anchors annotations):

1. map the old offsets through the diff between the chapter then and now; if the text
   there still equals the quote, the anchor is ``exact`` (same offsets) or ``moved``;
2. else search the quote, scoring each occurrence by how well the prefix and suffix
   agree, nearest the mapped position; accept only a clear winner (a minimum score and
   a margin over the runner-up): ``moved`` when the text is the quote itself, ``fuzzy``
   when it is only close. A short quote found in several places is never given to one
   of them unless its context decides;
3. else, when most of the marked text did not survive the edit (and is nowhere else),
   ``deleted``;
4. else the section (heading) it was in, if that heading still exists: ``section``;
5. else ``orphaned``, the quote kept.

``exact`` means the text is where it was: in the same paragraph (or heading) of the same
chapter, however far edits elsewhere have shifted its offsets; ``moved`` is kept for text
that left its paragraph or chapter. A comment made on no location at all (a general
remark in a form or a review file) is ``general``, not orphaned.

The diff of a chapter is computed once per (commit, chapter), not once per comment, and
lines are diffed before words, so re-anchoring a whole report stays fast.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property
from pathlib import Path

from rapidfuzz import fuzz

from report.errors import InputError
from report.review.history import ChapterAt, History
from report.review.model import CONTEXT, Comment
from report.review.paragraphs import (
    _Block,
    by_chapter,
    parsed_blocks,
    reading_of,
    readings_cache,
    round_blocks,
)
from report.review.reading import Reading, derive
from report.review.text import Normalised, fold, normalise

MIN_UNIQUE = 4          # a unique quote shorter than this needs its context
LONG_QUOTE = 24         # with a recorded context, a shorter unique quote must agree with it
MIN_CONTEXT = 50.0      # context score (0-100) that lets prefix/suffix decide
MARGIN = 15.0           # lead over the runner-up needed to pick one of several places
MIN_FUZZY_LENGTH = 12   # shorter quotes are never matched approximately
MIN_FUZZY = 85.0        # rapidfuzz partial ratio needed for a fuzzy match
FUZZY_MARGIN = 4.0
MAX_CANDIDATES = 500
MIN_REWRITE_SIMILARITY = 0.5  # changed lines are mapped word by word only if this alike
CONTEXT_PROBE = 24      # characters of prefix/suffix that stand in for an empty quote

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


# --- the text of a chapter, searchable -----------------------------------------------

@dataclass
class ChapterText:
    """A chapter's source, its Reading and the Reading normalised for matching.

    The Reading is made from ``blocks`` (the render's, in reading order) when given;
    else by ``make`` (an Anchorer carries the round's Reading through an edit); else
    from the chapter's own parse (:func:`~report.review.paragraphs.parsed_blocks`)."""

    rel: str
    source: str
    label: str = ""
    blocks: tuple[_Block, ...] | None = None
    make: Callable[[], Reading] | None = field(default=None, repr=False, compare=False)
    cache: Path | None = None  # where its Reading is kept (a commit's chapter)

    @cached_property
    def reading(self) -> Reading:
        if self.blocks is None and self.make is not None:
            return self.make()
        blocks = self.blocks
        if blocks is None:
            blocks = tuple(parsed_blocks([(self.rel, self.source)]))
        return reading_of(self.source, blocks, self.cache)

    @cached_property
    def norm(self) -> Normalised:
        return normalise(self.reading.text)

    def source_span(self, norm_start: int, norm_end: int) -> tuple[int, int]:
        """Source offsets of a normalised range."""
        proj_start = self.norm.to_original(norm_start)
        proj_end = self.norm.to_original_end(norm_end) if norm_end > norm_start else proj_start
        start = self.reading.to_source(proj_start)
        end = self.reading.to_source_end(proj_end) if proj_end > proj_start else start
        return start, end

    def norm_span(self, source_start: int, source_end: int) -> tuple[int, int]:
        """Normalised offsets of a source range."""
        proj_start = self.reading.from_source(source_start)
        proj_end = self.reading.from_source(source_end)
        return self.norm.from_original(proj_start), self.norm.from_original(proj_end)

    def text_of(self, source_start: int, source_end: int) -> str:
        """The folded text a reader sees between two source offsets."""
        a, b = self.norm_span(source_start, source_end)
        return self.norm.text[a:b].strip()

    def context(self, norm_start: int, norm_end: int) -> tuple[str, str]:
        """Prefix and suffix (reader text, not normalised) around a normalised range."""
        text = self.reading.text
        proj_start = self.norm.to_original(norm_start)
        proj_end = self.norm.to_original_end(norm_end) if norm_end > norm_start else proj_start
        return text[max(0, proj_start - CONTEXT):proj_start], text[proj_end:proj_end + CONTEXT]

    def headings(self) -> list[tuple[str, int, int]]:
        """(folded title, source start, source end) of every heading."""
        out = []
        for block in self.reading.blocks:
            if block.kind == "heading":
                title = fold(self.reading.text[block.start:block.end])
                out.append((title, block.source_start, block.source_end))
        return out

    def section_at(self, source_offset: int) -> tuple[str, int, int] | None:
        found = None
        for heading in self.headings():
            if heading[1] <= source_offset:
                found = heading
            else:
                break
        return found


@dataclass(frozen=True)
class Found:
    """A quote found in a chapter: normalised offsets, how, and how sure."""

    chapter: ChapterText
    start: int
    end: int
    how: str            # "text": the quote itself; "fuzzy": only close to it
    score: float

    @property
    def source_span(self) -> tuple[int, int]:
        return self.chapter.source_span(self.start, self.end)


def _similarity(recorded: str, actual: str) -> float:
    if not recorded:
        return 0.0
    return fuzz.ratio(recorded, actual)


class Corpus:
    """The chapters of the report (at a commit, or now), searched by quote."""

    def __init__(self, chapters: list[ChapterText]):
        self.chapters = chapters
        self.by_rel = {c.rel: c for c in chapters}

    @classmethod
    def at(cls, chapters: list[ChapterAt], blocks: list[_Block], cache: Path | None = None
           ) -> Corpus:
        """The chapters as they were at a commit, read with the render's ``blocks``."""
        found = by_chapter(blocks)
        return cls([ChapterText(c.rel, c.text, c.label, found.get(c.rel, ()), cache=cache)
                    for c in chapters])

    def _context_score(self, chapter: ChapterText, start: int, end: int,
                       prefix: str, suffix: str) -> float:
        """How well the text around a candidate agrees with the recorded context."""
        text = chapter.norm.text
        scores, weights = [], []
        if prefix:
            scores.append(_similarity(prefix, text[max(0, start - len(prefix)):start]))
            weights.append(len(prefix))
        if suffix:
            scores.append(_similarity(suffix, text[end:end + len(suffix)]))
            weights.append(len(suffix))
        if not weights:
            return 0.0
        # one side intact is strong evidence (the other may border an edit, or the end
        # of the chapter); both sides count for breaking ties
        mean = sum(s * w for s, w in zip(scores, weights, strict=True)) / sum(weights)
        return 0.6 * max(scores) + 0.4 * mean

    def agreement(self, chapter: ChapterText, start: int, end: int, prefix: str,
                  suffix: str) -> float:
        """How well the text around a normalised range fits a recorded prefix and suffix."""
        return self._context_score(chapter, start, end,
                                   normalise(prefix).text.lstrip()[-CONTEXT:],
                                   normalise(suffix).text.rstrip()[:CONTEXT])

    def find(self, exact: str, prefix: str = "", suffix: str = "",
             rels: list[str] | None = None, region: tuple[str, int, int] | None = None,
             hint: tuple[str, int] | None = None, fuzzy: bool = True) -> Found | None:
        """Find a quote; None when absent or when it cannot be told apart from others.

        ``region`` (rel, normalised start, end) limits the search to a part of one
        chapter (a numbered paragraph); ``hint`` (rel, normalised offset) breaks ties by
        nearness when the context scores are level; ``fuzzy`` False: the quote itself
        only, never text close to it.
        """
        quote = normalise(exact).text.strip()
        prefix_n = normalise(prefix).text.lstrip()[-CONTEXT:]
        suffix_n = normalise(suffix).text.rstrip()[:CONTEXT]
        if region is not None:
            pool = [self.by_rel[region[0]]] if region[0] in self.by_rel else []
        elif rels is not None:
            pool = [self.by_rel[r] for r in rels if r in self.by_rel]
        else:
            pool = self.chapters
        if not quote:
            return self._find_point(prefix_n, suffix_n, pool, region, hint)
        candidates: list[tuple[float, float, ChapterText, int]] = []
        for chapter in pool:
            text = chapter.norm.text
            lo, hi = (region[1], region[2]) if region is not None else (0, len(text))
            at = text.find(quote, lo, hi)
            while at >= 0 and len(candidates) < MAX_CANDIDATES:
                score = self._context_score(chapter, at, at + len(quote), prefix_n, suffix_n)
                candidates.append((score, -_distance(hint, chapter, at), chapter, at))
                at = text.find(quote, at + 1, hi)
        if candidates:
            candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
            best = candidates[0]
            has_context = bool(prefix_n or suffix_n)
            if len(candidates) == 1:
                # unique: enough when the quote is distinctive, or its context agrees
                distinctive = len(quote) >= (LONG_QUOTE if has_context else MIN_UNIQUE)
                if distinctive or best[0] >= MIN_CONTEXT or region is not None:
                    return Found(best[2], best[3], best[3] + len(quote), "text", best[0])
                return None
            runner = candidates[1]
            if has_context and best[0] >= MIN_CONTEXT and best[0] - runner[0] >= MARGIN:
                return Found(best[2], best[3], best[3] + len(quote), "text", best[0])
            if (hint is not None and best[0] == runner[0] and best[0] >= MIN_CONTEXT
                    and best[1] > runner[1]):
                return Found(best[2], best[3], best[3] + len(quote), "text", best[0])
            return None
        return self._find_fuzzy(quote, prefix_n, suffix_n, pool, region) if fuzzy else None

    def _find_point(self, prefix: str, suffix: str, pool: list[ChapterText],
                    region: tuple[str, int, int] | None,
                    hint: tuple[str, int] | None) -> Found | None:
        """An empty quote (a point comment, an insertion): find its surroundings."""
        before, after = prefix[-CONTEXT_PROBE:], suffix[:CONTEXT_PROBE]
        probe = before + after
        if len(probe.strip()) < MIN_FUZZY_LENGTH:
            return None
        found = self.find(probe, rels=[c.rel for c in pool], region=region, hint=hint)
        if found is None or found.how != "text":
            return None
        point = found.start + len(before)
        return Found(found.chapter, point, point, "text", 100.0)

    def _find_fuzzy(self, quote: str, prefix: str, suffix: str, pool: list[ChapterText],
                    region: tuple[str, int, int] | None) -> Found | None:
        if len(quote) < MIN_FUZZY_LENGTH:
            return None
        scored: list[tuple[float, ChapterText, int, int]] = []
        for chapter in pool:
            text = chapter.norm.text
            lo, hi = (region[1], region[2]) if region is not None else (0, len(text))
            window = text[lo:hi]
            for _ in range(2):
                hit = fuzz.partial_ratio_alignment(quote, window, score_cutoff=MIN_FUZZY - 10)
                if hit is None:
                    break
                a, b = lo + hit.dest_start, lo + hit.dest_end
                context = self._context_score(chapter, a, b, prefix, suffix)
                scored.append((hit.score + context / 20, chapter, a, b))
                window = window[:hit.dest_start] + "\0" * (b - a) + window[hit.dest_end:]
        if not scored:
            return None
        scored.sort(key=lambda s: s[0], reverse=True)
        best = scored[0]
        if best[0] < MIN_FUZZY:
            return None
        if len(scored) > 1 and best[0] - scored[1][0] < FUZZY_MARGIN:
            return None
        return Found(best[1], best[2], best[3], "fuzzy", best[0])


_WORD = re.compile(r"\w+")


def _words(text: str) -> str:
    """The words of ``text`` (letters and digits: not Markdown's markup, punctuation or
    typography), folded, one space apart and between spaces."""
    return " " + " ".join(_WORD.findall(fold(text).casefold())) + " "


def _words_in(quote: str, words: str) -> bool:
    """Whether a quote's words stand together, in order, among a chapter's (``words``,
    :func:`_words`): a quote whose words are not in the chapter's Markdown so cannot be
    in any reading of it, and the chapter is not read afresh for it. Reading every edited
    chapter afresh for every comment not found (an edited quote, the common case) made
    re-anchoring 10,000 comments after edits to 5% of the corpus's paragraphs 9 times
    slower: a pandoc run or two per chapter. A quote spanning a link's text and what
    follows it is not found this way (the URL stands between): it is then looked for as
    before this reading afresh was added."""
    quoted = _words(quote)
    return quoted.strip() != "" and quoted in words


def _distance(hint: tuple[str, int] | None, chapter: ChapterText, at: int) -> int:
    if hint is None:
        return 0
    return abs(at - hint[1]) if hint[0] == chapter.rel else 10**9


# --- mapping offsets through the diff --------------------------------------------------

class SourceMap:
    """Maps offsets in a chapter's old source to its new source, through their diff.

    Lines are diffed first; changed runs of lines are diffed again word by word, so a
    small edit in a long paragraph keeps the rest of the paragraph mapped.
    """

    def __init__(self, old: str, new: str):
        self.old_starts: list[int] = []
        self.new_starts: list[int] = []
        self.lengths: list[int] = []
        if old == new:
            self._equal(0, 0, len(old))
            return
        old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
        old_at, new_at = _offsets(old_lines), _offsets(new_lines)
        matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                self._equal(old_at[i1], new_at[j1], old_at[i2] - old_at[i1])
            elif tag == "replace":
                self._words(old[old_at[i1]:old_at[i2]], old_at[i1],
                            new[new_at[j1]:new_at[j2]], new_at[j1])

    def _equal(self, old_start: int, new_start: int, length: int) -> None:
        if length <= 0:
            return
        if self.lengths and self.old_starts[-1] + self.lengths[-1] == old_start and \
                self.new_starts[-1] + self.lengths[-1] == new_start:
            self.lengths[-1] += length
            return
        self.old_starts.append(old_start)
        self.new_starts.append(new_start)
        self.lengths.append(length)

    def _words(self, old: str, old_base: int, new: str, new_base: int) -> None:
        old_tokens = _TOKEN.findall(old)
        new_tokens = _TOKEN.findall(new)
        old_at, new_at = _offsets(old_tokens), _offsets(new_tokens)
        matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
        if matcher.ratio() < MIN_REWRITE_SIMILARITY:
            return  # different text, not an edit of it: a few shared words mean nothing
        for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
            if tag == "equal":
                self._equal(old_base + old_at[i1], new_base + new_at[j1],
                            old_at[i2] - old_at[i1])

    def start(self, offset: int) -> int | None:
        """New offset of the character at old ``offset``, if it survived."""
        index = bisect_right(self.old_starts, offset) - 1
        if index >= 0 and offset < self.old_starts[index] + self.lengths[index]:
            return self.new_starts[index] + offset - self.old_starts[index]
        return None

    def end(self, offset: int) -> int | None:
        """New offset just after the character before old ``offset``, if it survived."""
        if offset <= 0:
            return self.start(offset) if offset == 0 else None
        mapped = self.start(offset - 1)
        return None if mapped is None else mapped + 1

    def survived(self, start: int, end: int) -> int:
        """How many characters of the old span ``start:end`` are still in the text."""
        total = 0
        index = max(0, bisect_right(self.old_starts, start) - 1)
        while index < len(self.old_starts) and self.old_starts[index] < end:
            run_start = self.old_starts[index]
            run_end = run_start + self.lengths[index]
            total += max(0, min(end, run_end) - max(start, run_start))
            index += 1
        return total

    def nearest(self, offset: int) -> int:
        """Best guess for an offset that did not survive: the end of the run before it."""
        index = bisect_right(self.old_starts, offset) - 1
        if index < 0:
            return 0
        return self.new_starts[index] + min(offset - self.old_starts[index],
                                            self.lengths[index])


def _offsets(pieces: list[str]) -> list[int]:
    out = [0]
    for piece in pieces:
        out.append(out[-1] + len(piece))
    return out


# --- anchors ----------------------------------------------------------------------------

ANCHORS = ("exact", "moved", "fuzzy", "section", "orphaned")


@dataclass(frozen=True)
class Anchor:
    """Where a comment stands now: how it was found, the chapter, source span and line."""

    status: str
    chapter: str | None = None
    start: int | None = None
    end: int | None = None
    line: int | None = None


ORPHANED = Anchor("orphaned")
GENERAL = Anchor("general")
DELETED_BELOW = 0.5  # share of the marked characters left: below it, the text was deleted


class Anchorer:
    """Anchors comments against the manuscript now; caches diffs per chapter and commit."""

    def __init__(self, manuscript, history: History | None = None):
        self.manuscript = manuscript
        self.history = history or History(manuscript.root)
        self.now = Corpus([
            ChapterText(c.rel, c.path.read_text(encoding="utf-8"), c.label,
                        make=lambda rel=c.rel: self._reading_now(rel))
            for c in manuscript.chapters])
        self._maps: dict[tuple[str, str, str], SourceMap] = {}
        self._rounds: dict[str, dict[str, ChapterText]] = {}
        self._then_texts: dict[tuple[str, str], ChapterText | None] = {}
        self._blocks: dict[tuple[str, str], list[tuple[int, int]]] = {}
        self._commit: str | None = None  # the commit whose Readings the chapters now carry
        self._parsed: dict[str, tuple[_Block, ...]] | None = None
        self._afresh: dict[str, ChapterText | None] = {}
        self._words: dict[str, str] = {}

    def _reading_now(self, rel: str) -> Reading:
        """A chapter's Reading now: the round's, where the chapter is as it was then;
        carried through the edit where it changed (:func:`~report.review.reading.derive`:
        the edited chapters are not rendered, which would cost a pandoc run over each);
        read from its parse where the round had no such chapter."""
        now = self.now.by_rel[rel]
        then = self._round(self._commit).get(rel) if self._commit else None
        if then is not None:
            if then.source == now.source:
                return then.reading
            return derive(then.reading, now.source, self._map(self._commit, then, now))
        if self._parsed is None:
            self._parsed = by_chapter(parsed_blocks(
                [(c.rel, c.source) for c in self.now.chapters], self.manuscript.build_dir))
        return reading_of(now.source, self._parsed.get(rel, ()))

    def _round(self, commit: str) -> dict[str, ChapterText]:
        """The chapters at ``commit``, read with the render of that commit."""
        if commit not in self._rounds:
            try:
                self.history.resolve(commit)
            except InputError:  # a round recorded at a commit this repository lacks
                self._rounds[commit] = {}
                return self._rounds[commit]
            chapters = self.history.chapters_at(commit, [c.rel for c in self.now.chapters])
            blocks = round_blocks(self.history, commit, [(c.rel, c.text) for c in chapters],
                                  self.manuscript.build_dir)
            corpus = Corpus.at(chapters, blocks, readings_cache(self.history))
            self._rounds[commit] = {c.rel: c for c in corpus.chapters}
        return self._rounds[commit]

    def _block_at(self, chapter: ChapterText, offset: int) -> tuple[int, int] | None:
        """Source span of the paragraph or heading holding ``offset``, if any."""
        key = (chapter.rel, chapter.source)
        if key not in self._blocks:
            # text only the render writes (an empty span) is no paragraph of the file
            self._blocks[key] = sorted((b.source_start, b.source_end)
                                       for b in chapter.reading.blocks
                                       if b.source_end > b.source_start)
        spans = self._blocks[key]
        index = bisect_right(spans, (offset, float("inf"))) - 1
        if index >= 0 and spans[index][0] <= offset <= spans[index][1]:
            return spans[index]
        return None

    def _same_place(self, then: ChapterText, old_start: int, now: ChapterText, start: int,
                    mapping: SourceMap | None) -> bool:
        """Whether text now at ``start`` is in the paragraph it was in at ``old_start``."""
        if now.rel != then.rel or mapping is None:
            return False
        old_block = self._block_at(then, old_start)
        new_block = self._block_at(now, start)
        if old_block is None or new_block is None:
            return old_block is None and new_block is None and start == old_start
        # most of the paragraph survived the edit (else it is a different paragraph that
        # happens to hold the words), and its first or last character is there too
        length = old_block[1] - old_block[0]
        if mapping.survived(old_block[0], old_block[1]) < DELETED_BELOW * length:
            return False
        ends = (mapping.start(old_block[0]), mapping.end(old_block[1]))
        return any(at is not None and new_block[0] <= at <= new_block[1] for at in ends)

    def _then(self, commit: str, rel: str) -> ChapterText | None:
        key = (commit, rel)
        if key not in self._then_texts:
            found = self._round(commit).get(rel)
            if found is None:
                text = self.history.text_at(commit, rel)
                found = ChapterText(rel, text) if text is not None else None
            self._then_texts[key] = found
        return self._then_texts[key]

    def _chapter_now(self, rel: str, then: ChapterText | None) -> ChapterText | None:
        """The chapter now: same file, else the chapter with the same label (renamed)."""
        if rel in self.now.by_rel:
            return self.now.by_rel[rel]
        if then is not None:
            label = then.label
            for chapter in self.now.chapters:
                if chapter.label == label:
                    return chapter
        return None

    def _read_afresh(self, now: ChapterText) -> ChapterText | None:
        """An edited chapter read from its own parse, not carried from the round: the
        round's Reading carried through the edit (:func:`~report.review.reading.derive`)
        keeps what a reader saw of text that stayed in place, but a block that moved
        comes back as its Markdown (a table's pipes), where a short quote's context no
        longer agrees. Read once per chapter, only for a comment not found otherwise,
        before it is called deleted, and only where the carried Reading holds inserted
        Markdown a render shows otherwise (``Reading.markup``) and the quote's words stand
        in the chapter's Markdown (:func:`_words_in`): else its reading afresh would read
        the same, and reading every edited chapter for every edited quote was a pandoc run
        or two each (re-anchoring 10,000 comments after edits to 5% of the corpus's
        paragraphs: 0.85 -> 7.5 s). None where it cannot be read (the carried Reading is
        then all there is)."""
        if now.rel not in self._afresh:
            try:
                blocks = tuple(parsed_blocks([(now.rel, now.source)],
                                             self.manuscript.build_dir))
            except (InputError, OSError):
                self._afresh[now.rel] = None
            else:
                self._afresh[now.rel] = ChapterText(now.rel, now.source, now.label, blocks)
        return self._afresh[now.rel]

    def _source_words(self, now: ChapterText) -> str:
        """The words of a chapter's Markdown, folded, one space apart (see
        :func:`_words_in`), once per chapter."""
        if now.rel not in self._words:
            self._words[now.rel] = _words(now.source)
        return self._words[now.rel]

    def _map(self, commit: str, then: ChapterText, now: ChapterText) -> SourceMap:
        key = (commit, then.rel, now.rel)
        if key not in self._maps:
            self._maps[key] = SourceMap(then.source, now.source)
        return self._maps[key]

    def _anchor(self, status: str, chapter: ChapterText, start: int, end: int) -> Anchor:
        return Anchor(status, chapter.rel, start, end, chapter.reading.line_of(start))

    def anchor(self, comment: Comment, default_commit: str | None = None) -> Anchor:
        target = comment.target
        if target.source is None and not target.exact and target.start is None:
            return GENERAL
        commit = target.commit or default_commit
        if commit and self._commit is None:
            self._commit = commit
        then = self._then(commit, target.source) if commit and target.source else None
        now = self._chapter_now(target.source, then) if target.source else None
        quote = fold(target.exact)
        hint: tuple[str, int] | None = None
        mapping = None

        if then is not None and now is not None and target.start is not None \
                and target.end is not None:
            mapping = self._map(commit, then, now)
            start, end = mapping.start(target.start), mapping.end(target.end)
            if target.start == target.end:
                start = end = mapping.start(target.start) if target.start < len(then.source) \
                    else mapping.end(target.start)
            if start is not None and end is not None and end >= start:
                if self._same_text(then, target.start, target.end, now, start, end, quote):
                    same = self._same_place(then, target.start, now, start, mapping)
                    return self._anchor("exact" if same else "moved", now, start, end)
            guess = start if start is not None else mapping.nearest(target.start)
            hint = (now.rel, now.norm_span(guess, guess)[0])

        pool = [now.rel] if now is not None else None
        found = self.now.find(target.exact, target.prefix, target.suffix, rels=pool, hint=hint)
        afresh = self._read_afresh(now) if found is None and now is not None \
            and then is not None and then.source != now.source and now.reading.markup \
            and _words_in(target.exact, self._source_words(now)) else None
        if afresh is not None:
            # taken only where the chapter as carried holds the quote there too: read
            # afresh, a table's cells map to their source more coarsely
            candidate = Corpus([afresh]).find(target.exact, target.prefix, target.suffix,
                                              hint=hint, fuzzy=False)
            if candidate is not None and candidate.how == "text" \
                    and now.text_of(*candidate.source_span) == quote:
                found = candidate
        if found is None and pool is not None:
            found = self.now.find(target.exact, target.prefix, target.suffix)
        if found is not None:
            start, end = found.source_span
            if found.how != "text":
                return self._anchor("fuzzy", found.chapter, start, end)
            same = then is not None and target.start is not None and self._same_place(
                then, target.start, found.chapter, start, mapping)
            return self._anchor("exact" if same else "moved", found.chapter, start, end)
        if self._deleted(then, now, target, mapping):
            return self._deleted_anchor(then, now, target, mapping)
        return self._section(then, now, target.start)

    def _deleted(self, then: ChapterText | None, now: ChapterText | None, target,
                 mapping: SourceMap | None) -> bool:
        """Whether the marked text was removed (rather than never found)."""
        if then is None or target.start is None or target.end is None \
                or target.end <= target.start:
            return False
        if now is None:
            return True  # the chapter is gone, and the text is nowhere else
        if mapping is None:
            return False
        marked = target.end - target.start
        return mapping.survived(target.start, target.end) < DELETED_BELOW * marked

    def _deleted_anchor(self, then: ChapterText, now: ChapterText | None, target,
                        mapping: SourceMap | None) -> Anchor:
        """``deleted``, placed where the text was (for a line to look at), if anywhere."""
        if now is None or mapping is None:
            return Anchor("deleted", then.rel)
        at = mapping.nearest(target.start)
        return Anchor("deleted", now.rel, at, at, now.reading.line_of(at))

    def _same_text(self, then: ChapterText, old_start: int, old_end: int,
                   now: ChapterText, start: int, end: int, quote: str) -> bool:
        if quote:
            return now.text_of(start, end) == quote
        # a point: the characters around it must be unchanged
        a, _ = then.norm_span(old_start, old_start)
        b, _ = now.norm_span(start, start)
        width = CONTEXT_PROBE // 2
        before_then = then.norm.text[max(0, a - width):a]
        before_now = now.norm.text[max(0, b - width):b]
        return (before_then == before_now
                and then.norm.text[a:a + width] == now.norm.text[b:b + width])

    def _section(self, then: ChapterText | None, now: ChapterText | None,
                 old_start: int | None) -> Anchor:
        heading = None
        if then is not None:
            heading = then.section_at(old_start if old_start is not None else 0)
        pools = ([now] if now is not None else []) + [
            c for c in self.now.chapters if c is not now]
        if heading is not None:
            for chapter in pools:
                for title, start, end in chapter.headings():
                    if title == heading[0]:
                        return self._anchor("section", chapter, start, end)
        elif now is not None and old_start is None:
            headings = now.headings()
            if headings:
                return self._anchor("section", now, headings[0][1], headings[0][2])
            return Anchor("section", now.rel, 0, 0, 1)
        return ORPHANED

    def anchor_all(self, comments: list[Comment], default_commit: str | None = None
                   ) -> dict[str, Anchor]:
        return {c.id: self.anchor(c, default_commit) for c in comments}
