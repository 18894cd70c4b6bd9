"""Numbered paragraphs: the locator reviewers use ("para 12") in the pack and template.

The numbers are the render's (``citable.lua``): 1..N across the whole report in reading
order, over every block a reviewer can cite (paragraphs, list items, quotes, table rows,
captions, footnotes, the paragraphs of boxes, the summary of recommendations); headings
are not numbered, so adding a heading does not renumber the text. The pack prints these
numbers, so the same numbering, rendered from the round's commit, maps a spreadsheet's
"paragraph 12", a Word bookmark ``p-12`` or a PDF's margin number back to the text the
reviewer read, however the chapters have changed since.

Each numbered block is placed in its chapter file (source offsets and line) by aligning
its reader text, in block order, with the blocks of the chapter's anchoring projection:
exactly where the words are the same, by likeness (rapidfuzz) between those where the
render wrote a cross-reference or a citation, and not at all for text only the render writes (a
recommendation's heading line, a quotation's attribution, the summary of
recommendations), which is kept with an empty span where it stands. On the bundled
report this places 467 of the 468 numbered blocks that come from the chapter files (the
212 others are the render's own text) in about 0.3 s. pandoc's ``commonmark_x+sourcepos``
reader, which gives positions, cannot read the manuscript as the render does: pandoc
3.9 has no ``citations`` extension for it (every ``@label`` and ``[@key]`` stays text)
and no table captions, so the numbering would not be the render's.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

from report.errors import InputError
from report.outputs import write_text
from report.review.history import History
from report.review.plaintext import BODY_KINDS, Projection, project
from report.review.text import fold

EXACT_LOOKAHEAD = 200  # projection blocks searched ahead for a block's exact words
MIN_ALIKE = 65.0       # rapidfuzz ratio for a block whose words the render changed
# Blocks matched among their own kind only: the render's kind -> the projection's.
_GROUP = {"footnote": "notes", "caption": "captions", "figure": "captions"}
_GROUPS = ("notes", "captions", "")
CACHE_VERSION = "1"


@dataclass(frozen=True)
class Paragraph:
    """One numbered block; ``start``/``end`` are source offsets in the chapter file
    (equal where the render wrote the text itself); ``text`` is what the reader sees."""

    number: int
    chapter: str
    index: int
    text: str
    start: int
    end: int
    line: int
    section: str | None
    kind: str = "paragraph"
    box: str = ""


@dataclass(frozen=True)
class _Block:
    """A citable block of the render, as cached: number None for a heading."""

    number: int | None
    kind: str
    text: str
    chapter: str
    box: str = ""


@lru_cache(maxsize=512)
def projected(text: str) -> Projection:
    """:func:`project`, cached: status and import project the same chapters many times."""
    return project(text)


def _assign(wanted: list[str], found: list[str]) -> list[int | None]:
    """For each of the render's blocks (folded text, in order), the projection block it
    is (index into ``found``), or None for text only the render writes.

    Order decides: first the blocks whose words are the same, in order; then, between two
    such anchors, each remaining block takes the most alike of the projection's blocks
    left between them (after the one before it), if alike enough.
    """
    out: list[int | None] = [None] * len(wanted)
    k = 0
    for i, text in enumerate(wanted):
        for j in range(k, min(len(found), k + EXACT_LOOKAHEAD)):
            if found[j] == text:
                out[i], k = j, j + 1
                break
    taken = {j for j in out if j is not None}
    i = 0
    while i < len(wanted):
        if out[i] is not None:
            i += 1
            continue
        run_end = i
        while run_end < len(wanted) and out[run_end] is None:
            run_end += 1
        low = next((out[x] for x in range(i - 1, -1, -1) if out[x] is not None), -1) + 1
        high = out[run_end] if run_end < len(wanted) else len(found)
        for x in range(i, run_end):
            best, best_score = None, MIN_ALIKE
            for j in range(low, high):
                if j in taken:
                    continue
                score = fuzz.ratio(wanted[x], found[j])
                if score > best_score:
                    best, best_score = j, score
            if best is not None:
                out[x] = best
                taken.add(best)
                low = best + 1
        i = run_end
    return out


def _place(blocks: list[_Block], rel: str, source: str) -> list[Paragraph]:
    """Number and place one chapter's blocks in its source (see the module's note).

    Footnotes are matched among the chapter's footnotes (their text stands where the
    author wrote it, often at the end), captions among captions and figures (a table's
    caption follows its rows in the Markdown, precedes them in the render), everything
    else among the other blocks."""
    projection = projected(source)
    line_of = projection.line_of
    spans: dict[int, tuple[int, int]] = {}
    for group in _GROUPS:
        mine = [i for i, b in enumerate(blocks) if _GROUP.get(b.kind, "") == group]
        theirs = [b for b in projection.blocks if _GROUP.get(b.kind, "") == group]
        texts = [fold(projection.text[b.start:b.end]) for b in theirs]
        for i, j in zip(mine, _assign([fold(blocks[i].text) for i in mine], texts),
                        strict=True):
            if j is not None:
                spans[i] = (theirs[j].source_start, theirs[j].source_end)
    front = projection.blocks[0].source_start if projection.blocks else 0
    at = front
    section: str | None = None
    out: list[Paragraph] = []
    for i, block in enumerate(blocks):
        start, end = spans.get(i, (at, at))
        if _GROUP.get(block.kind, "") == "" and i in spans:
            at = end
        if block.number is None:
            section = block.text
            continue
        out.append(Paragraph(number=block.number, chapter=rel, index=len(out) + 1,
                             text=block.text, start=start, end=end, line=line_of(start),
                             section=section, kind=block.kind, box=block.box))
    return out


def _numbered(blocks: list[_Block], chapters: list[tuple[str, str]]) -> list[Paragraph]:
    by_chapter: dict[str, list[_Block]] = {}
    for block in blocks:
        by_chapter.setdefault(block.chapter, []).append(block)
    paragraphs: list[Paragraph] = []
    for rel, text in chapters:
        paragraphs.extend(_place(by_chapter.get(rel, []), rel, text))
    return paragraphs


def _blocks(manuscript) -> list[_Block]:
    from report.render import render

    return [_Block(c.number, c.kind, c.text, c.chapter, c.box)
            for c in render(manuscript).citable]


def number_paragraphs(manuscript) -> list[Paragraph]:
    """Numbered paragraphs of the manuscript as it is on disk now (the render's).

    A manuscript that does not render now (an author mid-edit: a citation not yet in the
    bibliography) is numbered by the projection alone, so status and export still work.
    """
    chapters = [(c.rel, c.path.read_text(encoding="utf-8")) for c in manuscript.chapters]
    try:
        blocks = _blocks(manuscript)
    except InputError:
        return _projected_numbers(chapters)
    return _numbered(blocks, chapters)


def _tree_at(history: History, commit: str, folder: Path) -> None:
    """The report tree at ``commit`` written into ``folder`` (from git's objects)."""
    treeish = f"{commit}:{history.prefix.rstrip('/')}" if history.prefix else commit
    data = history.repo.git.archive(treeish, format="tar", stdout_as_string=False)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(folder, filter="data")


def _cache_path(history: History, commit: str) -> Path:
    key = hashlib.sha256(f"{CACHE_VERSION}\0{commit}\0{history.prefix}".encode()).hexdigest()
    return Path(history.repo.git_dir) / "report-cache" / "citable" / f"{key}.json"


def remember_at(manuscript, commit: str) -> list[Paragraph]:
    """Number the manuscript on disk, which is ``commit`` (a round opened on a clean
    tree), and keep its blocks as that commit's: the round's first import need not
    render the commit again."""
    history = History(manuscript.root)
    blocks = _blocks(manuscript)
    write_text(_cache_path(history, history.resolve(commit)),
               json.dumps([asdict(b) for b in blocks]))
    return _numbered(blocks, [(c.rel, c.path.read_text(encoding="utf-8"))
                              for c in manuscript.chapters])


def blocks_at(history: History, commit: str, build_dir: Path) -> list[_Block]:
    """The render's citable blocks at ``commit``: the tree of that commit rendered (with
    this tree's parse cache when it has a ``build/``), and kept in the repository's git
    folder (a commit never changes; nothing is written in the working tree)."""
    from report.manuscript import load

    cache = _cache_path(history, commit)
    try:
        return [_Block(**item) for item in json.loads(cache.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        pass
    with tempfile.TemporaryDirectory(prefix="report-round-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        _tree_at(history, commit, tree)
        if build_dir.is_dir():
            (tree / "build").symlink_to(build_dir, target_is_directory=True)
        blocks = _blocks(load(tree))
    write_text(cache, json.dumps([asdict(b) for b in blocks]))
    return blocks


def number_paragraphs_at(repo_root: Path | str, commit: str, manuscript) -> list[Paragraph]:
    """Numbered paragraphs as they were at ``commit`` (nav and chapters of that commit)."""
    history = History(Path(manuscript.root if manuscript is not None else repo_root))
    commit = history.resolve(commit)
    fallback = [c.rel for c in manuscript.chapters] if manuscript is not None else []
    chapters = history.chapters_at(commit, fallback)
    build_dir = manuscript.build_dir if manuscript is not None else Path(repo_root) / "build"
    return paragraphs_at(history, commit, [(c.rel, c.text) for c in chapters], build_dir)


def paragraphs_at(history: History, commit: str, chapters: list[tuple[str, str]],
                  build_dir: Path) -> list[Paragraph]:
    """:func:`number_paragraphs_at` for chapters already read from ``history``.

    A tree that does not render at that commit (it never could be a round's pack) is
    numbered by the projection alone, as packs were before the render numbered them.
    """
    try:
        blocks = blocks_at(history, commit, build_dir)
    except InputError:
        return _projected_numbers(chapters)
    return _numbered(blocks, chapters)


def _projected_numbers(chapters: list[tuple[str, str]]) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    for rel, text in chapters:
        projection = projected(text)
        section: str | None = None
        first = len(paragraphs)
        for block in projection.blocks:
            if block.kind == "heading":
                section = projection.text[block.start:block.end]
                continue
            if block.kind not in BODY_KINDS:
                continue
            paragraphs.append(Paragraph(
                number=len(paragraphs) + 1, chapter=rel, index=len(paragraphs) - first + 1,
                text=projection.text[block.start:block.end], start=block.source_start,
                end=block.source_end, line=projection.line_of(block.source_start),
                section=section, kind=block.kind))
    return paragraphs
