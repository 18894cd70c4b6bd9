"""The EPUB's chapter files kept between builds: pandoc writes only the chapters that changed.

pandoc's EPUB writer (``--split-level=1``) writes one XHTML file per level-1 part of the
document: the copyright page, then each chapter (``text/ch001.xhtml``, ...). A chapter's
file depends on its own blocks and, beyond them, only on what the rest of the book shows
it: where every identifier lives (a link to another chapter names that chapter's file),
the order of the images (pandoc numbers the media files through the book), the headings
(the navigation) and the metadata. Footnotes are numbered per file.

So the document pandoc is given keeps every chapter whose file is kept from an earlier
build as a *stub*: its headings and divisions as they are, every identifier as an empty
span, every image, and nothing else. pandoc writes the changed chapters in full, the
stubs in a moment, and the navigation, package and media as a whole run would (they are
made from the headings, identifiers, images and metadata the stubs keep); the stubs'
files are then replaced by the kept ones. A kept file is used only when the *skeleton*
(the whole book as stubs, with the writer's options) is the same as when it was written,
so any change to a heading, an identifier or an image anywhere has every chapter written
again. Raw HTML stays in the stubs as it is (pandoc takes the media it names into the
package, numbered through the book). A document holding maths, or raw markup that holds
``<math`` or ``<svg``, is always written whole: pandoc marks the files that hold them in
the package (its ``mathml`` and ``svg`` properties, found by those words in each file).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from report.cache import prune_kept
from report.outputs import write_bytes

Node = dict[str, Any]
FOLDER = "epub-chapters"
_RAW = frozenset({"RawBlock", "RawInline"})
# What, in a file pandoc writes, gives it a property in the package (EPUB writer, 3.9).
_MARKED = ("<math", "<svg")


@dataclass
class Plan:
    """Which parts pandoc writes in full and which files come from the cache."""

    folder: Path | None  # None: written whole, nothing kept
    given: str  # the blocks pandoc is given (JSON text): stubs where a kept file will do
    whole: str  # every block in full (JSON text), should the book be written whole
    keys: list[str] = field(default_factory=list)  # one per part, in file order
    kept: dict[int, bytes] = field(default_factory=dict)  # part index: its file


@dataclass(frozen=True)
class Segment:
    """A top-level block of the document as the plan sees it: whether it opens a part
    (a file), its JSON text, and its stub's (empty when the stub has nothing)."""

    opens: bool
    text: str
    stub: str


# The elements whose identifiers pandoc's EPUB writer (3.9) files under the chapter file
# that holds them, so that a link from another chapter names that file (an image's stays
# on the image, which a stub keeps). A figure's, a code block's and inline code's are not:
# links to them are left as "#id" by a whole run too, and so are left out of a stub.
_FILED = frozenset({"Span", "Div", "Header", "Table", "Link"})
# Elements with nothing of the above inside them (most of a book's nodes are words).
_LEAVES = frozenset({"Str", "Space", "SoftBreak", "LineBreak", "Code", "CodeBlock",
                     "HorizontalRule"})


def _ids_and_images(node: Any, ids: list[str], images: list[Node]) -> None:
    """Every identifier pandoc files (``_FILED``), and every image and raw passage (as
    an inline) under ``node``, in document order."""
    if isinstance(node, dict):
        kind = node.get("t")
        if kind in _LEAVES:
            return
        if kind == "Image":
            images.append(node)
        elif kind in _RAW:
            images.append({"t": "RawInline", "c": node["c"]})
        content = node.get("c")
        if kind in _FILED and isinstance(content, list):
            attr = content[1] if kind == "Header" else content[0]
            if isinstance(attr, list) and attr and isinstance(attr[0], str) and attr[0]:
                ids.append(attr[0])
        for value in node.values():
            _ids_and_images(value, ids, images)
    elif isinstance(node, list):
        for value in node:
            _ids_and_images(value, ids, images)


def _stub_blocks(blocks: list[Node]) -> list[Node]:
    """Headings and divisions as they are; of every other block, its identifiers (as empty
    spans) and images only."""
    out: list[Node] = []
    for block in blocks:
        kind = block.get("t")
        if kind == "Header":
            out.append(block)
        elif kind == "Div":
            attr, content = block["c"]
            out.append({"t": "Div", "c": [attr, _stub_blocks(content)]})
        else:
            ids: list[str] = []
            images: list[Node] = []
            _ids_and_images(block, ids, images)
            inlines = [{"t": "Span", "c": [[i, [], []], []]} for i in ids] + images
            if inlines:
                out.append({"t": "Plain", "c": inlines})
    return out


def _is_h1(block: Node) -> bool:
    return block.get("t") == "Header" and block["c"][0] == 1


def _opens_part(block: Node) -> bool:
    """A level-1 heading, or a division holding one among its own blocks: pandoc starts
    a file there, with what comes before the heading in the division (a chapter opening
    with an HTML comment, as the corpus's do), and keeps the division's later level-1
    headings in that file."""
    if block.get("t") == "Div":
        return any(_is_h1(child) for child in block["c"][1])
    return _is_h1(block)


def _h1_deeper(node: Any, depth: int = 0) -> bool:
    """A level-1 heading anywhere but at the top or among a top-level division's own
    blocks (in a nested division, a quotation, a list): where pandoc would split the
    book then is not modelled, and it is written whole."""
    if isinstance(node, dict):
        if _is_h1(node):
            return depth > 1
        kind, content = node.get("t"), node.get("c")
        if kind == "Div":
            return any(_h1_deeper(child, depth + 1) for child in content[1])
        return any(_h1_deeper(value, depth + 2) for value in node.values())
    if isinstance(node, list):
        return any(_h1_deeper(value, depth) for value in node)
    return False


def _whole_only(node: Any) -> bool:
    """Maths, or raw markup that would give its file a property in the package."""
    if isinstance(node, dict):
        kind = node.get("t")
        if kind == "Math" or (kind in _RAW and any(
                word in str(node["c"][1]).lower() for word in _MARKED)):
            return True
        return any(_whole_only(v) for v in node.values())
    if isinstance(node, list):
        return any(_whole_only(v) for v in node)
    return False


def _needs_whole(blocks: list[Node]) -> bool:
    """:func:`_whole_only` or :func:`_h1_deeper`, read first from the blocks' JSON: a
    book with no maths, no ``<math``/``<svg`` anywhere and each of its level-1 headings
    at the top or in a top-level division is not walked node by node (1 s of Python on
    the corpus)."""
    text = json.dumps(blocks)
    lowered = text.lower()
    if '"t": "Math"' in text or "<math" in lowered or "<svg" in lowered:
        if _whole_only(blocks):
            return True
    shallow = sum(_is_h1(block) or (block.get("t") == "Div" and sum(
        _is_h1(child) for child in block["c"][1])) for block in blocks)
    return text.count('{"t": "Header", "c": [1, ') != shallow and _h1_deeper(blocks)


def facts(blocks: list[Node]) -> dict[str, Any]:
    """What the plan needs of a run of top-level blocks (a chapter, as the writer is given
    it), kept with the run (``report.editions.pandoc_writer.kept_runs``) so that after an
    edit only the edited chapter is walked: whether it has the book written whole, and of
    each block whether it opens a part, its stub's JSON text and its own text's length
    (the run's text is its blocks' texts joined by commas)."""
    from report.editions.pandoc_writer import blocks_text

    return {"whole": _needs_whole(blocks),
            "segments": [[_opens_part(block), blocks_text(_stub_blocks([block])),
                          len(blocks_text([block]))] for block in blocks]}


def valid(run: dict[str, Any]) -> bool:
    """Whether a kept run's facts are as :func:`facts` makes them and fit its text."""
    segments = run.get("segments")
    if not (isinstance(run.get("whole"), bool) and isinstance(segments, list)
            and all(isinstance(s, list) and len(s) == 3 and isinstance(s[0], bool)
                    and isinstance(s[1], str) and type(s[2]) is int and s[2] > 0
                    for s in segments)):
        return False
    return sum(s[2] for s in segments) + max(len(segments) - 1, 0) == len(run["blocks"])


def segments(run: dict[str, Any]) -> list[Segment]:
    """A run's blocks (:func:`facts` kept with its text) as segments."""
    out, at = [], 0
    for opens, stub, length in run["segments"]:
        out.append(Segment(opens, run["blocks"][at:at + length], stub))
        at += length + 1  # the comma between two blocks
    return out


def plan(runs: list[dict[str, Any]], head: list[Any], cache: Path, toolkit: str) -> Plan:
    """Which parts pandoc is given in full and which as stubs, whose files are kept.
    ``runs``: the document's blocks, run by run, each with its :func:`facts`; ``head``:
    the rest of what pandoc is given (its options, the metadata, the API version);
    ``toolkit`` (the toolkit's and tools' fingerprint) keys the cache with the rest."""
    from report.render.cache import digest

    blocks = [segment for run in runs for segment in segments(run)]
    whole = ",".join(segment.text for segment in blocks)
    if any(run["whole"] for run in runs):
        return Plan(None, whole, whole)
    parts: list[list[Segment]] = []
    for segment in blocks:
        if segment.opens or not parts:
            parts.append([segment])
        else:
            parts[-1].append(segment)
    skeleton = digest(toolkit, json.dumps(head, sort_keys=True),
                      *[f"{int(segment.opens)}{segment.stub}" for segment in blocks])
    folder = cache / FOLDER
    out = Plan(folder, "", whole)
    given: list[str] = []
    for index, part in enumerate(parts):
        key = digest(skeleton, *[segment.text for segment in part])
        out.keys.append(key)
        try:
            out.kept[index] = (folder / f"{key}.xhtml").read_bytes()
        except OSError:
            given.extend(segment.text for segment in part)
            continue
        given.extend(segment.stub for segment in part if segment.stub)
    out.given = ",".join(given)
    return out


def chapter_file(index: int) -> str:
    """The package member pandoc writes part ``index`` (from 0) to."""
    return f"EPUB/text/ch{index + 1:03d}.xhtml"


def kept_members(chosen: Plan) -> dict[str, bytes]:
    """The kept files, by the package member each replaces (a stub's)."""
    return {chapter_file(index): data for index, data in chosen.kept.items()}


def remember(package: bytes, chosen: Plan) -> None:
    """Keep the chapter files pandoc wrote in full for the next build; ValueError when
    pandoc split the book otherwise than :func:`plan` did (the kept files are then in
    the wrong places: the caller writes the book whole)."""
    import io
    import zipfile

    if chosen.folder is None:
        return
    with zipfile.ZipFile(io.BytesIO(package)) as written:
        members = set(written.namelist())
        if any(chapter_file(i) not in members for i in range(len(chosen.keys))) \
                or chapter_file(len(chosen.keys)) in members:
            raise ValueError("pandoc split the book otherwise than expected")
        fresh = {i: written.read(chapter_file(i)) for i in range(len(chosen.keys))
                 if i not in chosen.kept}
    for index, data in fresh.items():
        try:
            write_bytes(chosen.folder / f"{chosen.keys[index]}.xhtml", data)
        except OSError:
            pass  # a cache: the next build writes the chapter again
    _prune(chosen)


def _prune(chosen: Plan) -> None:
    """Keep the files this build used, and a few more (an undone edit finds its file)."""
    assert chosen.folder is not None
    prune_kept(chosen.folder, {f"{key}.xhtml" for key in chosen.keys}, "*.xhtml")
