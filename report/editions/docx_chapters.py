"""The Word file's chapters kept between builds: pandoc writes only the chapters that changed.

pandoc's Word writer puts the whole book in one part, ``word/document.xml``, and its
footnotes in ``word/footnotes.xml``. What a chapter's XML holds beyond its own blocks is
a handful of counters run through the book: footnote and bookmark ids (``w:id``),
relationship ids of links and images (``r:id``, ``r:embed``), list numbers
(``w:numId``) and drawing ids (``docPr``/``cNvPr``). Every one of them is made by a note,
an identifier, a list, a link or an image, never by a word.

So the document pandoc is given keeps every chapter whose XML is kept from an earlier
build as a *stub*: its blocks and inlines as they are, but each run of words (with inline
code and emphasis) one ``x`` and each code block empty. pandoc writes the stubs quickly
and counts as a whole run would; the stubs' XML, found between markers
(``<?report-part N?>``, a raw block between chapters, removed afterwards), is then
replaced by the kept XML, and each stub's footnotes by the kept ones. Where an edit
before a kept chapter moved the counters (a note or a link added), the kept XML's ids
are renumbered, in order, to those pandoc gave its stub. On the 470-page corpus this
took the Word writer's pandoc after a one-chapter edit from 1.9 s of CPU to 0.65 s, and
its peak from 328 to 213 MiB.

A kept chapter (``build/.cache/word-chapters``, keyed by its blocks, the writer's
options, metadata, reference document and verso, and the toolkit) is used only when it
is as it was written (a digest) and its stub was given the same kinds of id in the same
order; otherwise the book is written whole (and its chapters kept for the next build).
The other parts of the package (styles, numbering, relationships, media) are those
pandoc writes for the stubs, which keep every style, list, link and image.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from report.cache import prune_kept
from report.outputs import write_bytes

Node = dict[str, Any]
FOLDER = "word-chapters"
_WORDS = frozenset({"Str", "Space", "SoftBreak"})
_FORMATTING = frozenset({"Emph", "Strong", "Underline", "Strikeout", "Superscript",
                         "Subscript", "SmallCaps", "Quoted"})
_X = {"t": "Str", "c": "x"}
_MARK = re.compile(r"[ \t]*<\?report-part (\d+|end)\?>\n?")
# Every attribute that carries a counter run through the book (see the docstring).
_IDS = re.compile(r'(?<![\w:])(?:w:id|r:id|r:embed|r:link|id)="[^"]*"|<w:numId w:val="[^"]*"')
_NOTE = re.compile(r'<w:footnote(?: [^>]*)? w:id="(-?\d+)"[^>]*?(?:/>|>.*?</w:footnote>)',
                   re.DOTALL)
_NOTE_CALL = re.compile(r'<w:footnoteReference w:id="(-?\d+)"')
DOCUMENT, NOTES = "word/document.xml", "word/footnotes.xml"


def _wordy(node: Node) -> bool:
    """Words, inline code with no identifier, or formatting (emphasis, quotes...) of only
    those: what gives the Word file runs of text and nothing that is counted or styled."""
    kind = node.get("t")
    if kind in _WORDS:
        return True
    if kind == "Code":
        return not node["c"][0][0]
    if kind in _FORMATTING:
        inner = node["c"][1] if kind == "Quoted" else node["c"]
        return all(isinstance(item, dict) and _wordy(item) for item in inner)
    return False


def stub(node: Any) -> Any:
    """``node`` with each run of words (:func:`_wordy`) one ``x`` and each code block
    empty: what pandoc counts (notes, identifiers, lists, links, images) and what it adds
    styles for (a ``custom-style`` Span or Div) kept as it is."""
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            if isinstance(item, dict) and _wordy(item):
                if not (out and out[-1] == _X):
                    out.append(dict(_X))
            else:
                out.append(stub(item))
        return out
    if isinstance(node, dict):
        if node.get("t") == "CodeBlock":
            return {"t": "CodeBlock", "c": [node["c"][0], ""]}
        return {key: stub(value) for key, value in node.items()}
    return node


def facts(blocks: list[Node]) -> dict[str, Any]:
    """A chapter's stub as JSON text, kept with its blocks
    (``report.editions.pandoc_writer.kept_runs``): after an edit only the edited chapter
    is walked."""
    from report.editions.pandoc_writer import blocks_text

    return {"stub": blocks_text(stub(blocks))}


def valid(run: dict[str, Any]) -> bool:
    return isinstance(run.get("stub"), str)


def _marker(name: str) -> str:
    return json.dumps({"t": "RawBlock", "c": ["openxml", f"<?report-part {name}?>"]},
                      separators=(",", ":"))


@dataclass
class Plan:
    """Which chapters pandoc writes in full and which XML comes from the cache."""

    folder: Path | None  # None: one run (a whole-book render): written whole, no marks
    given: str  # the blocks pandoc is given (JSON text), marked, stubs where kept
    whole: str  # every chapter in full, marked, should the book be written whole
    plain: str  # every chapter in full, unmarked, should pandoc not keep the marks
    keys: list[str] = field(default_factory=list)  # one per chapter
    kept: dict[int, dict[str, Any]] = field(default_factory=dict)  # chapter: kept XML


def plan(head: str, runs: list[dict[str, Any]], key: list[Any], cache: Path,
         toolkit: str) -> Plan:
    """What pandoc is given: ``head`` (JSON text of the blocks before the chapters: the
    verso), then each run (a chapter, with its :func:`facts`) in full or as its stub.
    ``key``: the rest of what pandoc is given (options, metadata, API version, reference
    document's digest); ``toolkit`` keys the cache with it and the chapter's text."""
    from report.render.cache import digest

    def joined(texts: list[str]) -> str:
        return ",".join(text for text in [head, *texts, _marker("end")] if text)

    whole = [f"{_marker(str(i))},{run['blocks']}" if run["blocks"] else _marker(str(i))
             for i, run in enumerate(runs)]
    plain = ",".join(t for t in [head, *(run["blocks"] for run in runs)] if t)
    if len(runs) < 2:
        return Plan(None, plain, plain, plain)
    setting = digest(toolkit, json.dumps(key, sort_keys=True), head)
    folder = cache / FOLDER
    out = Plan(folder, "", joined(whole), plain)
    given: list[str] = []
    for index, run in enumerate(runs):
        out.keys.append(digest(setting, run["blocks"]))
        kept = _read(folder / f"{out.keys[-1]}.json")
        if kept is None:
            given.append(whole[index])
            continue
        out.kept[index] = kept
        given.append(f"{_marker(str(index))},{run['stub']}" if run["stub"]
                     else _marker(str(index)))
    out.given = joined(given)
    return out


def _read(path: Path) -> dict[str, Any] | None:
    """A kept chapter, or None when missing or not as :func:`_keep` writes it."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = (isinstance(kept, dict) and isinstance(kept.get("xml"), str)
          and isinstance(kept.get("ids"), list) and isinstance(kept.get("notes"), list)
          and all(isinstance(v, str) for v in kept["notes"] + kept["ids"])
          and kept.get("sha256") == _sealed(kept))
    return kept if ok else None


def _sealed(entry: dict[str, Any]) -> str:
    """The digest a kept chapter is written with: one damaged inside is a miss."""
    from report.render.cache import digest

    return digest(entry["xml"], *entry["notes"], *entry["ids"])


def _regions(document: str, count: int) -> list[str]:
    """``document`` cut at its marks: the text before the first chapter, each chapter's,
    the text after the last; ValueError when the marks are not chapter 0 to ``count`` - 1,
    then ``end``."""
    pieces = _MARK.split(document)
    if pieces[1::2] != [*map(str, range(count)), "end"]:
        raise ValueError("the Word writer did not keep the chapters' marks in order")
    return pieces[0::2]


def _kind(found: str) -> str:
    return found.partition("=")[0]


def _renumbered(kept: dict[str, Any], ids: list[str]) -> tuple[str, list[str]]:
    """The kept chapter's XML and notes with its counters, in order, made ``ids`` (its
    stub's in this build: the chapters before it may have more or fewer notes, links,
    lists...); ValueError when the stub does not have the same counters in the same order
    (then it was not written as its text was)."""
    if [_kind(i) for i in kept["ids"]] != [_kind(i) for i in ids]:
        raise ValueError("a chapter's stub was not counted as its text")
    if kept["ids"] == ids:
        return kept["xml"], kept["notes"]
    given = iter(ids)
    texts = [_IDS.sub(lambda _match: next(given), text) for text in [kept["xml"], *kept["notes"]]]
    return texts[0], texts[1:]


def splice(chosen: Plan, document: bytes, notes: bytes) -> tuple[bytes, bytes]:
    """The document and footnotes parts with the kept chapters put in place of their
    stubs (renumbered where the book's counters moved) and the marks removed; the
    chapters pandoc wrote in full kept for the next build. ValueError when anything is not
    as planned (the caller then writes the book whole)."""
    if chosen.folder is None:
        return document, notes
    texts = _regions(document.decode("utf-8"), len(chosen.keys))
    notes_text = notes.decode("utf-8")
    by_id = {m.group(1): m.group(0) for m in _NOTE.finditer(notes_text)}
    replaced: dict[str, str] = {}
    fresh: dict[int, dict[str, Any]] = {}
    for index in range(len(chosen.keys)):
        xml = texts[index + 1]
        calls = list(dict.fromkeys(_NOTE_CALL.findall(xml)))
        if any(call not in by_id for call in calls):
            raise ValueError("a footnote called in the Word file is not in its notes")
        own = [by_id[call] for call in calls]
        ids = _IDS.findall(xml) + [found for note in own for found in _IDS.findall(note)]
        kept = chosen.kept.get(index)
        if kept is None:
            fresh[index] = {"xml": xml, "notes": own, "ids": ids}
            continue
        if len(kept["notes"]) != len(calls):
            raise ValueError("a chapter's stub was not given its notes")
        texts[index + 1], kept_notes = _renumbered(kept, ids)
        replaced.update(zip(calls, kept_notes, strict=True))
    for index, entry in fresh.items():
        _keep(chosen.folder / f"{chosen.keys[index]}.json", entry)
    _prune(chosen)
    if replaced:
        notes_text = _NOTE.sub(lambda m: replaced.get(m.group(1), m.group(0)), notes_text)
    return "".join(texts).encode("utf-8"), notes_text.encode("utf-8")


def _keep(path: Path, entry: dict[str, Any]) -> None:
    entry["sha256"] = _sealed(entry)
    try:
        write_bytes(path, json.dumps(entry, ensure_ascii=False).encode("utf-8"))
    except OSError:
        pass  # a cache: the next build writes the chapter again


def _prune(chosen: Plan) -> None:
    """Keep the chapters this build used, and a few more (an undone edit finds its XML)."""
    assert chosen.folder is not None
    prune_kept(chosen.folder, {f"{key}.json" for key in chosen.keys}, "*.json")
