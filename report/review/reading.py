"""A chapter's Reading: the text a reader sees, from the render, mapped to its Markdown.

Reviewers quote what they read (the pack PDF, Word, the web draft), never the Markdown:
"Section 2.3", not ``@sec-x``; "(Home Office 2021)", not ``[@homeoffice2021]``. The
render already says what each citable block reads (``citable.lua``, in
``Rendered.citable``); a Reading lays those blocks out as one text and maps every
character back to the chapter file, so a quote found in it has a source span and a line.

The map comes from aligning the blocks' text with the chapter's Markdown token by token
(words, punctuation, whitespace runs as integer ids; rapidfuzz's Indel opcodes on the id
lists): characters inside equal tokens map one to one; text only the render writes (a
cross-reference's words, a citation, a recommendation's label) maps to the source between
its aligned neighbours, which is what produced it. Token ids, not characters: a chapter
has about a third as many tokens as characters, and the alignment (bit-parallel, its
cost the product of the two lengths) a ninth of the work; the 111 chapters (1.2 MB) of
the corpus tree are read in about 1 s, where character alignment cost about 0.1 s and
100 MB a chapter. A round's Readings are kept on disk
(:func:`report.review.paragraphs.reading_of`).

Blocks whose text stands elsewhere in the Markdown than the render puts it (a footnote
defined at the end of the chapter, a table caption written after its rows) do not align
in reading order; they are aligned again, in order, against the Markdown the first pass
left. The Reading's blocks are in source order (so the map is monotonic, and
:meth:`Reading.from_source` a bisection); each keeps its pack number.

The map is kept as runs (reader start, source start, length, linear or not), not one
integer a character: a chapter's map is a few thousand runs.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import astuple, dataclass, field, replace
from itertools import accumulate
from typing import Protocol

from rapidfuzz.distance import Indel

from report.manuscript.chapter import body_offset

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                       "\u2013": "-", "\u2014": "-", "\u2026": ".", "\u00a0": " "})
SEPARATOR = "\n\n"
_WORD = re.compile(r"\w")
MIN_MOVED = 12     # a block's Markdown found again elsewhere is that block moved or copied
MIN_ALIGNED = 0.5  # share of a block's word tokens aligned in order, else aligned again
STRAY_GAP = 120    # unaligned source characters that set a block's stray hits apart
STRAY_SHARE = 0.2  # ... when they are fewer than this share of its hits
PASSES = 3         # alignments of the displaced blocks, each against what is left
SCATTERED = 3      # a block aligned elsewhere spans at most this times its length


class RenderedBlock(Protocol):
    """What a Reading needs of a rendered block (``Citable``, or its cached form)."""

    kind: str
    text: str
    number: int | None


@dataclass(frozen=True)
class Block:
    """One block as the reader sees it: ``start``/``end`` in the Reading's text,
    ``source_start``/``source_end`` in the chapter file (equal for text only the
    render writes); ``order`` is its place in the render's reading order."""

    kind: str
    start: int
    end: int
    source_start: int
    source_end: int
    number: int | None = None
    order: int = 0
    box: str = ""
    level: int = 0


@dataclass
class Reading:
    """``text`` as a reader sees it, in ``blocks``; the runs map it to ``source``.

    Run ``i`` covers ``text[starts[i]:starts[i] + lengths[i]]``; linear runs map char by
    char from ``sources[i]``, the others (render-only text, separators) all to
    ``sources[i]:ends[i]``.
    """

    source: str
    text: str
    blocks: list[Block]
    starts: list[int] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    linear: list[bool] = field(default_factory=list)
    # Carried through an edit (derive): whether text inserted as written holds Markdown
    # a render would show otherwise (a table's pipes, emphasis, a link, a citation).
    markup: bool = False
    _line_starts: list[int] | None = field(default=None, repr=False)
    _last: list[int] | None = field(default=None, repr=False)

    def _run(self, offset: int) -> int:
        return max(0, bisect_right(self.starts, offset) - 1)

    def to_source(self, offset: int) -> int:
        """Source offset where the reader's character ``offset`` comes from."""
        if not self.starts:
            return body_offset(self.source)
        if offset >= len(self.text):
            return self.ends[-1]
        i = self._run(max(offset, 0))
        return self.sources[i] + (offset - self.starts[i] if self.linear[i] else 0)

    def to_source_end(self, offset: int) -> int:
        """Source offset just after the reader's range ending (exclusively) at ``offset``."""
        if offset <= 0 or not self.starts:
            return self.to_source(0)
        last = min(offset, len(self.text)) - 1
        i = self._run(last)
        return self.sources[i] + last - self.starts[i] + 1 if self.linear[i] else self.ends[i]

    def from_source(self, source_offset: int) -> int:
        """First reader offset whose source is at or after ``source_offset``."""
        if self._last is None:
            last, high = [], -1
            for i, start in enumerate(self.sources):
                high = max(high, start + self.lengths[i] - 1 if self.linear[i] else start)
                last.append(high)
            self._last = last
        i = bisect_left(self._last, source_offset)
        if i >= len(self.starts):
            return len(self.text)
        if self.linear[i]:
            return self.starts[i] + max(0, source_offset - self.sources[i])
        return self.starts[i]

    def line_of(self, source_offset: int) -> int:
        """1-based line of a source offset in the chapter file."""
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.source)]
        return bisect_right(self._line_starts, source_offset)

    def block_text(self, block: Block) -> str:
        return self.text[block.start:block.end]

    def to_json(self) -> dict:
        """What :meth:`from_json` needs, the source left out (the caller has it)."""
        return {"text": self.text, "blocks": [astuple(b) for b in self.blocks],
                "runs": [self.starts, self.lengths, self.sources, self.ends, self.linear]}

    @classmethod
    def from_json(cls, source: str, data: dict) -> Reading:
        starts, lengths, sources, ends, linear = data["runs"]
        return cls(source, data["text"], [Block(*b) for b in data["blocks"]], starts,
                   lengths, sources, ends, linear)


# --- building a Reading ------------------------------------------------------------------

class _Ids(dict):
    """Token -> integer id, typography folded (curly quotes, dashes; any whitespace run
    is one token). Used as ``map(ids.__getitem__, tokens)``: known tokens cost a dict
    lookup in C."""

    def __init__(self) -> None:
        super().__init__()
        self.folded: dict[str, int] = {" ": 0}
        self.word: list[bool] = [False]  # by id: a word (not punctuation or space)

    def __missing__(self, token: str) -> int:
        key = " " if token.isspace() else token.translate(_FOLD)
        found = self.folded.get(key)
        if found is None:
            found = self.folded[key] = len(self.folded)
            self.word.append(key[0].isalnum())
        self[token] = found
        return found


_IDS = _Ids()  # shared by every Reading: ids only have to agree within one alignment


@dataclass
class _Piece:
    """A run being built: reader offsets within a block's text, and its source."""

    start: int
    length: int
    source: int
    end: int
    linear: bool


@dataclass
class _Tokens:
    """A text's tokens, their offsets (``starts[i]``, ``starts[i + 1]``) and ids."""

    words: list[str]
    starts: list[int]
    ids: list[int]

    @classmethod
    def of(cls, text: str, ids: _Ids, base: int = 0) -> _Tokens:
        words = _TOKEN.findall(text)
        starts = list(accumulate(map(len, words), initial=base))
        return cls(words, starts, list(map(ids.__getitem__, words)))


def _align(reader: list[int], source: list[int]) -> list[tuple[int, int]]:
    """Runs (reader index, source index, length) of equal tokens in one LCS of the id
    lists."""
    return [(op.src_start, op.dest_start, op.src_end - op.src_start)
            for op in Indel.opcodes(reader, source) if op.tag == "equal"]


def read(source: str, rendered: Sequence[RenderedBlock]) -> Reading:
    """The Reading of a chapter file ``source`` whose render gave ``rendered`` (its
    citable blocks and headings, in reading order)."""
    base = body_offset(source)
    ids = _IDS
    src = _Tokens.of(source[base:], ids, base)
    blocks = [_Tokens.of(b.text, ids) for b in rendered]
    # matched[k][i]: the source token of block k's token i, or -1
    matched = [[-1] * len(b.words) for b in blocks]

    def run_pass(which: list[int], pool: list[int] | None) -> None:
        """Align the blocks ``which``, in order, with the source tokens ``pool`` (all)."""
        flat: list[int] = []
        for k in which:
            flat.extend(blocks[k].ids)
        pool_ids = src.ids if pool is None else [src.ids[j] for j in pool]
        found = [-1] * len(flat)
        for r, s, n in _align(flat, pool_ids):
            found[r:r + n] = range(s, s + n) if pool is None else pool[s:s + n]
        at = 0
        for k in which:
            matched[k] = found[at:at + len(blocks[k].ids)]
            at += len(blocks[k].ids)

    is_word = ids.word
    words_of = [[i for i, t in enumerate(b.ids) if is_word[t]] for b in blocks]

    def loose(k: int) -> bool:
        """Fewer than MIN_ALIGNED of the block's words aligned."""
        row, words = matched[k], words_of[k]
        return bool(words) and sum(1 for i in words if row[i] >= 0) < MIN_ALIGNED * len(words)

    def trim(which: list[int]) -> None:
        for k in which:
            _trim(src, is_word, matched[k])

    everything = list(range(len(blocks)))
    run_pass(everything, None)
    trim(everything)
    for _ in range(PASSES):  # displaced blocks, in order, against the source left
        again = [k for k in range(len(blocks)) if loose(k)]
        if not again:
            break
        for k in again:
            matched[k] = [-1] * len(matched[k])
        used = {j for row in matched for j in row if j >= 0}
        run_pass(again, [j for j in range(len(src.ids)) if j not in used])
        trim(again)
        for k in again:
            if _scattered(src, blocks[k], matched[k]):
                matched[k] = [-1] * len(matched[k])
        if all(loose(k) for k in again):
            break
    for k in range(len(blocks)):
        if loose(k):  # text only the render writes: it stays where it stands
            matched[k] = [-1] * len(matched[k])
    spans, pieces = _place(base, src, blocks, matched)
    return _assemble(source, rendered, spans, pieces)


def _trim(src: _Tokens, is_word: list[bool], row: list[int]) -> None:
    """Drop a block's stray hits at either end: whitespace, and a few tokens aligned far
    (more than STRAY_GAP characters of unaligned source) from the rest of the block."""
    ids = src.ids
    hits = [i for i, j in enumerate(row) if j >= 0 and ids[j]]  # id 0: whitespace
    if not hits:
        row[:] = [-1] * len(row)
        return
    starts = src.starts
    cuts = [n for n in range(1, len(hits))
            if starts[row[hits[n]]] - starts[row[hits[n - 1]] + 1] > STRAY_GAP]
    bounds = [0, *cuts, len(hits)]
    # a group's weight: its words (a lone dash or full stop far away weighs nothing)
    sizes = [sum(1 for i in hits[bounds[n]:bounds[n + 1]] if is_word[ids[row[i]]])
             for n in range(len(bounds) - 1)]
    least = max(1, STRAY_SHARE * sum(sizes))
    keep_from, keep_to = 0, len(sizes)
    while keep_to - keep_from > 1 and sizes[keep_from] < least:
        keep_from += 1
    while keep_to - keep_from > 1 and sizes[keep_to - 1] < least:
        keep_to -= 1
    first, last = hits[bounds[keep_from]], hits[bounds[keep_to] - 1]
    for i in range(len(row)):
        if i < first or i > last:
            row[i] = -1


def _scattered(src: _Tokens, block: _Tokens, row: list[int]) -> bool:
    """Whether a block's aligned tokens are spread far wider than its text (a few common
    words picked up here and there, not the block written elsewhere)."""
    hits = [j for j in row if j >= 0]
    if not hits:
        return False
    return src.starts[max(hits) + 1] - src.starts[min(hits)] > SCATTERED * block.starts[-1] + 80


def _place(base: int, src: _Tokens, blocks: list[_Tokens], matched: list[list[int]]
           ) -> tuple[list[tuple[int, int]], list[list[_Piece]]]:
    """Each block's source span (its first to its last aligned token that is not
    whitespace) and its runs (offsets within the block's text)."""
    spans: list[tuple[int, int]] = []
    pieces: list[list[_Piece]] = []
    at = base
    starts = src.starts
    for block, row in zip(blocks, matched, strict=True):
        hits = [j for j in row if j >= 0 and src.ids[j]]  # id 0: whitespace
        if hits:
            span = (starts[min(hits)], starts[max(hits) + 1])
            at = span[1]
        else:
            span = (at, at)
        spans.append(span)
        out: list[_Piece] = []
        offsets = block.starts
        i, count = 0, len(row)
        while i < count:
            j = row[i]
            a, b = offsets[i], offsets[i + 1]
            if j >= 0:
                # a run of tokens aligned with consecutive source tokens, the same length
                # in all: one linear piece (most of a paragraph is one)
                n = 1
                while i + n < count and row[i + n] == j + n:
                    n += 1
                if n > 1 and offsets[i + n] - a == starts[j + n] - starts[j]:
                    out.append(_Piece(a, offsets[i + n] - a, starts[j], starts[j + n], True))
                    i += n
                    continue
                sa, sb = starts[j], starts[j + 1]
                if sb - sa == b - a:
                    last = out[-1] if out else None
                    if last and last.linear and last.start + last.length == a \
                            and last.source + last.length == sa:
                        last.length += b - a
                        last.end = sb
                    else:
                        out.append(_Piece(a, b - a, sa, sb, True))
                else:
                    out.append(_Piece(a, b - a, sa, sb, False))
                i += 1
                continue
            # text only the render writes: up to the block's next aligned token
            k = i
            while k < count and row[k] < 0:
                k += 1
            before = starts[row[i - 1] + 1] if i > 0 else span[0]
            after = max(before, starts[row[k]] if k < count else span[1])
            out.append(_Piece(a, offsets[k] - a, before, after, False))
            i = k
        pieces.append(out)
    return spans, pieces


def _assemble(source: str, rendered: Sequence[RenderedBlock],
              spans: list[tuple[int, int]], pieces: list[list[_Piece]]) -> Reading:
    """Lay the blocks out in source order, separated by a blank line."""
    order = sorted(range(len(rendered)), key=lambda k: (spans[k][0], k))
    reading = Reading(source, "", [])
    chunks: list[str] = []
    at = 0
    for k in order:
        text = rendered[k].text
        lead = len(text) - len(text.lstrip())
        trail = len(text.rstrip())
        if trail <= lead:
            continue
        if chunks:
            prev = reading.ends[-1] if reading.ends else spans[k][0]
            _add(reading, at, len(SEPARATOR), prev, prev, False)
            chunks.append(SEPARATOR)
            at += len(SEPARATOR)
        for piece in pieces[k]:
            a = max(piece.start, lead)
            b = min(piece.start + piece.length, trail)
            if b <= a:
                continue
            shift = a - piece.start if piece.linear else 0
            _add(reading, at + a - lead, b - a, piece.source + shift, piece.end, piece.linear)
        block = rendered[k]
        reading.blocks.append(Block(block.kind, at, at + trail - lead, spans[k][0], spans[k][1],
                                    block.number, k, getattr(block, "box", "") or "",
                                    getattr(block, "level", 0) or 0))
        chunks.append(text[lead:trail])
        at += trail - lead
    reading.text = "".join(chunks)
    return reading


def _add(reading: Reading, start: int, length: int, source: int, end: int,
         linear: bool) -> None:
    if linear and reading.linear and reading.linear[-1]:
        i = len(reading.starts) - 1
        if reading.starts[i] + reading.lengths[i] == start \
                and reading.sources[i] + reading.lengths[i] == source:
            reading.lengths[i] += length
            reading.ends[i] = source + length
            return
    reading.starts.append(start)
    reading.lengths.append(length)
    reading.sources.append(source)
    reading.ends.append(source + length if linear else end)
    reading.linear.append(linear)


# --- a Reading carried through an edit -----------------------------------------------------

class SourceDiff(Protocol):
    """The diff of a chapter's source then -> now (``anchoring.SourceMap``): runs of
    equal text, ``old_starts[i]`` -> ``new_starts[i]`` for ``lengths[i]`` characters."""

    old_starts: list[int]
    new_starts: list[int]
    lengths: list[int]

    def start(self, offset: int) -> int | None: ...

    def nearest(self, offset: int) -> int: ...

    def survived(self, start: int, end: int) -> int: ...


def _inserted(diff: SourceDiff, start: int, end: int) -> list[tuple[int, int]]:
    """The parts of ``start:end`` (new source) that no old text maps to: insertions."""
    out = []
    at = start
    i = max(0, bisect_right(diff.new_starts, start) - 1)
    while at < end and i < len(diff.new_starts):
        run_start, run_end = diff.new_starts[i], diff.new_starts[i] + diff.lengths[i]
        if run_end <= at:
            i += 1
            continue
        if run_start > at:
            out.append((at, min(run_start, end)))
        at = max(at, run_end)
        i += 1
    if at < end:
        out.append((at, end))
    return out


# Markdown that a render shows otherwise than as written: tables, emphasis, code, links,
# images, citations and cross-references, notes, attributes, raw HTML, escapes, maths, and
# a line's own markers (headings, quotes, list items, fences). Typography (quotes,
# dashes) and line breaks are folded when text is compared (review.text.normalise).
_MARKUP = re.compile(r"[|*_`\[\]@^{}<>\\$~]|(?m:^\s*(?:#|>|[-+]\s|\d+[.)]\s|:::))")


def derive(then: Reading, source: str, diff: SourceDiff) -> Reading:
    """``then`` carried to the edited chapter ``source`` through the source diff.

    For a chapter the render has not seen since the edit: what a reader saw of text
    that survived stays, at its new offsets; text whose source was deleted goes; text
    inserted is taken as written (within a block, and as blocks of its own between
    blocks). Rendering the edited chapters instead would cost a pandoc run over each.
    """
    pieces: list[tuple[str, int, int, bool, int]] = []  # text, source, end, linear, block
    kinds: dict[int, Block] = {}
    for b, block in enumerate(then.blocks):
        kinds[b] = block
        first = len(pieces)
        had_text = False  # text of the Markdown's own, not only the render's
        i = then._run(block.start)
        while i < len(then.starts) and then.starts[i] < block.end:
            r0 = max(then.starts[i], block.start)
            r1 = min(then.starts[i] + then.lengths[i], block.end)
            if then.linear[i]:
                had_text = True
                s0 = then.sources[i] + r0 - then.starts[i]
                s1 = s0 + r1 - r0
                k = max(0, bisect_right(diff.old_starts, s0) - 1)
                while k < len(diff.old_starts) and diff.old_starts[k] < s1:
                    a = max(s0, diff.old_starts[k])
                    z = min(s1, diff.old_starts[k] + diff.lengths[k])
                    if z > a:
                        new = diff.new_starts[k] + a - diff.old_starts[k]
                        pieces.append((then.text[r0 + a - s0:r0 + z - s0], new, new + z - a,
                                       True, b))
                    k += 1
            elif then.sources[i] == then.ends[i] or diff.survived(then.sources[i],
                                                                   then.ends[i]):
                new = diff.start(then.sources[i])
                new = diff.nearest(then.sources[i]) if new is None else new
                end = max(new, diff.nearest(then.ends[i]))
                pieces.append((then.text[r0:r1], new, end, False, b))
            i += 1
        kept = pieces[first:]
        if (had_text and not any(p[3] for p in kept)) or (
                not had_text and diff.start(block.source_start) is None):
            del pieces[first:]  # the block was deleted: its label or number goes too
    base = body_offset(source)
    out = Reading(source, "", [])
    chunks: list[str] = []
    state = {"at": 0, "block": None, "start": 0, "source": 0, "end": 0}

    def close() -> None:
        if state["block"] is not None and state["at"] > state["start"]:
            old = state["block"]
            out.blocks.append(Block(old.kind if isinstance(old, Block) else "paragraph",
                                    state["start"], state["at"], state["source"],
                                    state["end"],
                                    old.number if isinstance(old, Block) else None,
                                    old.order if isinstance(old, Block) else -1,
                                    old.box if isinstance(old, Block) else "",
                                    old.level if isinstance(old, Block) else 0))
        state["block"] = None

    def put(text: str, src: int, end: int, linear: bool, block: object) -> None:
        if block is not state["block"]:
            close()
            if chunks:
                prev = out.ends[-1] if out.ends else src
                _add(out, state["at"], len(SEPARATOR), prev, prev, False)
                chunks.append(SEPARATOR)
                state["at"] += len(SEPARATOR)
            state.update(block=block, start=state["at"], source=src, end=end)
        _add(out, state["at"], len(text), src, end, linear)
        chunks.append(text)
        state["at"] += len(text)
        state["end"] = max(state["end"], end)

    def raw(x: int, y: int) -> None:
        """New text as written, a block of its own per paragraph that has words."""
        for part in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*\Z)", source[x:y], re.S):
            if _WORD.search(part.group()):
                out.markup |= _MARKUP.search(part.group()) is not None
                put(part.group(), x + part.start(), x + part.end(), True, object())

    def again(block: Block, delta: int) -> None:
        """A block of ``then`` whose Markdown stands again, ``delta`` further on (a
        moved or copied paragraph): read as it was read then."""
        mark = replace(block)  # a block of its own, even beside the original
        i = then._run(block.start)
        while i < len(then.starts) and then.starts[i] < block.end:
            r0 = max(then.starts[i], block.start)
            r1 = min(then.starts[i] + then.lengths[i], block.end)
            shift = r0 - then.starts[i] if then.linear[i] else 0
            put(then.text[r0:r1], then.sources[i] + shift + delta, then.ends[i] + delta,
                then.linear[i], mark)
            i += 1

    def insert(a: int, z: int, block: object | None) -> None:
        for x, y in _inserted(diff, a, z):
            if block is not None:
                if source[x:y].strip():
                    out.markup |= _MARKUP.search(source[x:y]) is not None
                    put(source[x:y], x, y, True, block)
                continue
            # between blocks: blocks of then written again here, else new text
            found = []
            for old in then.blocks:
                if old.source_end - old.source_start >= MIN_MOVED:
                    at = source.find(then.source[old.source_start:old.source_end], x, y)
                    if at >= 0:
                        found.append((at, at + old.source_end - old.source_start, old))
            cursor = x
            for start, end, old in sorted(found, key=lambda f: (f[0], -f[1])):
                if start >= cursor:
                    raw(cursor, start)
                    again(old, start - old.source_start)
                    cursor = end
            raw(cursor, y)

    last_end, last_block = base, None
    for text, src, end, linear, b in pieces:
        block = kinds[b]
        if src > last_end:
            insert(last_end, src, block if block is last_block else None)
        put(text, src, end, linear, block)
        last_end, last_block = max(last_end, end), block
    insert(last_end, len(source), None)
    close()
    out.text = "".join(chunks)
    return out
