"""Numbered paragraphs: the locator reviewers use ("para 12") in the pack and template.

The numbers are the render's (``citable.lua``): 1..N across the whole report in reading
order, over every block a reviewer can cite (paragraphs, list items, quotes, table rows,
captions, footnotes, the paragraphs of boxes, the summary of recommendations); headings
are not numbered, so adding a heading does not renumber the text. The pack prints these
numbers, so the same numbering, rendered from the round's commit, maps a spreadsheet's
"paragraph 12", a Word bookmark ``p-12`` or a PDF's margin number back to the text the
reviewer read, however the chapters have changed since.

Each numbered block is placed in its chapter file (source offsets and line) by the
chapter's :class:`~report.review.reading.Reading`, which aligns the render's text with
the Markdown token by token; text only the render writes (a recommendation's heading
line, a quotation's attribution, the summary of recommendations) is kept with an empty
span where it stands. On the bundled report 513 of the 679 numbered blocks are placed
(a recommendation's label on its ``to=`` attribute, a quotation's attribution on its
``by=``); the other 166 are the render's own text (the summary of recommendations, the
contributors, the references, draft notices). A tree that does not render (an author
mid-edit) is read from the same parse, its blocks stringified by the same filter
(``citable.lua``) without the numbering, citation and cross-reference filters before it.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from dataclasses import asdict, astuple, dataclass
from functools import lru_cache
from pathlib import Path

from report.errors import InputError
from report.manuscript.chapter import body_offset
from report.outputs import write_text
from report.render.cache import digest
from report.review import reading as reading_module
from report.review.history import History
from report.review.reading import Reading, read

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


_READING_CODE = digest(Path(reading_module.__file__).read_bytes())


@lru_cache(maxsize=512)
def reading_of(source: str, blocks: tuple[_Block, ...], folder: Path | None = None
               ) -> Reading:
    """:func:`~report.review.reading.read`, cached in memory (status and import read the
    same chapters many times) and, given a ``folder``, on disk: the round's chapters are
    read again by every import and status, and a commit's text never changes."""
    if folder is None:
        return read(source, blocks)
    key = digest(_READING_CODE, source, json.dumps([astuple(b) for b in blocks]))
    path = folder / f"{key}.json"
    try:
        return Reading.from_json(source, json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    made = read(source, blocks)
    write_text(path, json.dumps(made.to_json()))
    return made


def readings_cache(history: History) -> Path:
    """Where the Readings of commits are kept: the repository's git folder, beside the
    render's blocks of each commit (nothing is written in the working tree)."""
    return Path(history.repo.git_dir) / "report-cache" / "reading"


def by_chapter(blocks: list[_Block]) -> dict[str, tuple[_Block, ...]]:
    """The render's blocks of each chapter, in reading order."""
    out: dict[str, list[_Block]] = {}
    for block in blocks:
        out.setdefault(block.chapter, []).append(block)
    return {rel: tuple(found) for rel, found in out.items()}


def _place(blocks: tuple[_Block, ...], rel: str, source: str, folder: Path | None
           ) -> list[Paragraph]:
    """Number and place one chapter's blocks in its source (see the module's note)."""
    reading = reading_of(source, blocks, folder)
    placed = {block.order: block for block in reading.blocks}
    at = body_offset(source)
    section: str | None = None
    out: list[Paragraph] = []
    for order, rendered in enumerate(blocks):
        found = placed.get(order)
        start, end = (found.source_start, found.source_end) if found else (at, at)
        at = end
        if rendered.number is None:
            section = rendered.text
            continue
        out.append(Paragraph(number=rendered.number, chapter=rel, index=len(out) + 1,
                             text=rendered.text, start=start, end=end,
                             line=reading.line_of(start), section=section,
                             kind=rendered.kind, box=rendered.box))
    return out


def numbered(blocks: list[_Block], chapters: list[tuple[str, str]],
             folder: Path | None = None) -> list[Paragraph]:
    """The numbered paragraphs of ``chapters`` (rel, text) whose render gave ``blocks``
    (their Readings kept in ``folder``, if given: see :func:`reading_of`)."""
    found = by_chapter(blocks)
    paragraphs: list[Paragraph] = []
    for rel, text in chapters:
        paragraphs.extend(_place(found.get(rel, ()), rel, text, folder))
    return paragraphs


def rendered_blocks(manuscript) -> list[_Block]:
    """The citable blocks of the manuscript on disk, rendered now."""
    from report.render import render

    return [_Block(c.number, c.kind, c.text, c.chapter, c.box)
            for c in render(manuscript).citable]


def number_paragraphs(manuscript) -> list[Paragraph]:
    """Numbered paragraphs of the manuscript as it is on disk now (the render's).

    A manuscript that does not render now (an author mid-edit: a citation not yet in the
    bibliography) is numbered from its parse alone, so status and export still work.
    """
    chapters = [(c.rel, c.path.read_text(encoding="utf-8")) for c in manuscript.chapters]
    try:
        blocks = rendered_blocks(manuscript)
    except InputError:
        blocks = parsed_blocks(chapters, manuscript.build_dir)
    return numbered(blocks, chapters)


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
    blocks = rendered_blocks(manuscript)
    write_text(_cache_path(history, history.resolve(commit)),
               json.dumps([asdict(b) for b in blocks]))
    return numbered(blocks, [(c.rel, c.path.read_text(encoding="utf-8"))
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
        blocks = rendered_blocks(load(tree))
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
    """:func:`number_paragraphs_at` for chapters already read from ``history``."""
    return numbered(round_blocks(history, commit, chapters, build_dir), chapters,
                    readings_cache(history))


def round_blocks(history: History, commit: str, chapters: list[tuple[str, str]],
                 build_dir: Path) -> list[_Block]:
    """The render's blocks at ``commit`` (:func:`blocks_at`); for a tree that does not
    render at that commit (it never could be a round's pack), its parse's."""
    try:
        return blocks_at(history, commit, build_dir)
    except InputError:
        return parsed_blocks(chapters, build_dir)


def parsed_blocks(chapters: list[tuple[str, str]], build_dir: Path | None = None
                  ) -> list[_Block]:
    """The citable blocks of chapters that do not render: each chapter's parse (pandoc's
    AST, from the render's parse cache) through ``citable.lua`` alone, in pandoc runs of
    a bounded size (:func:`report.render.batches.runs`). The words are the Markdown's
    (``@sec-x``, ``[@key]`` as written), numbered in order across the chapters given.

    Bounded, because a Lua filter's time in one pandoc process grows with the square of
    the document (each of the runtime's minor collections scans every value Lua holds):
    the 470-page corpus's 111 chapters took 11.3 s in one citable.lua run, and take 4.7 s
    in runs of the render's size, their parse included."""
    from report.manuscript.chapter import Chapter
    from report.render import batches, citable_of, citable_read, pandoc, parse

    if not chapters:
        return []
    folder = (build_dir / ".cache" / "parse") if build_dir is not None \
        else Path(tempfile.gettempdir()) / "report-unsaved-parse"
    cache = parse.ParseCache(folder)  # read from; new parses are not saved
    loaded = [Chapter(path=Path(rel), rel=rel, nav_title=None, meta={},
                      body=text[body_offset(text):], body_line=1, source=text)
              for rel, text in chapters]
    wrappers, parsed, _ = parse.parse_chapters(loaded, cache)
    out: list[_Block] = []
    numbered = 0  # the numbered blocks of the runs before: each run numbers from 1
    for run in batches.runs([len(text) for _, text in chapters]):
        document = {"pandoc-api-version": parsed[0]["api"], "meta": {},
                    "blocks": [wrappers[i] for i in run]}
        with tempfile.TemporaryDirectory(prefix="report-citable-") as tmp:
            table = Path(tmp) / "citable.json"
            pandoc.run(["-f", "json", "-t", "json", "-M", f"report-citable-out={table}",
                        "--lua-filter", pandoc.filter_path("citable.lua")],
                       stdin=json.dumps(document).encode("utf-8"))
            entries = citable_of(citable_read(table))
        out += [_Block(c.number + numbered if c.number is not None else None, c.kind,
                       c.text, c.chapter, c.box) for c in entries]
        numbered += sum(1 for c in entries if c.number is not None)
    return out
