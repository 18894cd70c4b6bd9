"""Editions that pandoc's own writers produce from the filtered document: Word and EPUB.

Both start from ``Rendered.ast``, the one filtered pandoc document every edition shares,
so their words, numbers, citations and footnotes are the render's. What they add is only
layout: document metadata, a few attributes for the writer (a paragraph style, a draft
stamp), the writer's options. The render's own bookkeeping metadata (labels, temporary
paths, the bibliography's absolute path) is dropped here: pandoc would otherwise copy
it into the Word file's custom properties, leaking paths and breaking reproducibility.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import mimetypes
import struct
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from report.editions.context import BuildContext
from report.errors import InputError, Problem
from report.render import pandoc
from report.render.media import stripped, unreadable

Node = dict[str, Any]


def inlines(text: str) -> list[Node]:
    """Plain words as pandoc inlines (no Markdown parsing)."""
    out: list[Node] = []
    for index, word in enumerate(text.split()):
        if index:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": word})
    return out


def meta_value(value: Any) -> Node:
    """A Python value as pandoc metadata.

    Strings become inlines, not ``MetaString``: some writers read a field through
    ``stringify``, which finds no text in a ``MetaString`` (the docx keywords did).
    """
    if isinstance(value, bool):
        return {"t": "MetaBool", "c": value}
    if isinstance(value, dict):
        return {"t": "MetaMap", "c": {k: meta_value(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"t": "MetaList", "c": [meta_value(v) for v in value]}
    return {"t": "MetaInlines", "c": inlines(str(value))}


def walk(node: Any, visit: Callable[[Node], None]) -> None:
    """Call ``visit`` on every element (a dict with ``t``) of a pandoc JSON tree."""
    if isinstance(node, dict):
        if "t" in node:
            visit(node)
        for value in node.values():
            walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            walk(value, visit)


def div_attr(div: Node) -> tuple[str, list[str], list[list[str]]]:
    identifier, classes, attributes = div["c"][0]
    return identifier, classes, attributes


def chapters(blocks: list[Node]) -> Iterator[Node]:
    """The top-level ``.chapter`` Divs the render wraps each chapter in."""
    for block in blocks:
        if block.get("t") == "Div" and "chapter" in div_attr(block)[1]:
            yield block


def para(text: str, emphasis: bool = False) -> Node:
    """A paragraph of plain words (no Markdown), optionally emphasised."""
    content = inlines(text)
    if emphasis:
        content = [{"t": "Emph", "c": content}]
    return {"t": "Para", "c": content}


def div(blocks: list[Node], classes: list[str], attributes: dict[str, str] | None = None) -> Node:
    return {"t": "Div", "c": [["", classes, [[k, v] for k, v in (attributes or {}).items()]],
                              blocks]}


def meta_nodes(meta: dict[str, Any]) -> dict[str, Node]:
    """``meta`` as pandoc's metadata values, without those that are None."""
    return {key: meta_value(value) for key, value in meta.items() if value is not None}


def source_text(context: BuildContext, meta: dict[str, Node], blocks: str) -> str:
    """The document a writer gives pandoc, as JSON text: the render's API version,
    ``meta`` (pandoc values; its code unlooked, :func:`unlooked_code`) and ``blocks``,
    JSON text without the brackets (made by :func:`kept_runs`)."""
    meta = json.loads(json.dumps(meta))
    unlooked_code(meta, frozenset(context.rendered.plain_code))
    return "".join(('{"pandoc-api-version":', json.dumps(context.rendered.api), ',"meta":',
                    json.dumps(meta), ',"blocks":[', blocks, "]}"))


def unlooked_code(node: Any, plain: frozenset[str]) -> None:
    """Code blocks and inline code whose classes all name no syntax pandoc highlights
    (``plain``: report.render.highlighting) given to the writer with no classes and the
    same names in a ``class`` attribute, in place: pandoc then looks nothing up (looking
    such a class up loads every syntax it has) and writes the same.

    What filters/plaincode.lua does for the render's HTML, done here on each chapter's
    blocks as they are kept (:func:`kept_runs`): run by pandoc over the whole book at
    every build, that filter was 0.5 s of the Word writer's CPU on the 470-page corpus
    (its document handed to Lua and walked there)."""
    if isinstance(node, list):
        for item in node:
            unlooked_code(item, plain)
    elif isinstance(node, dict):
        kind = node.get("t")
        if kind in ("CodeBlock", "Code"):
            attr = _unlooked(node["c"][0], plain, inline=kind == "Code")
            if attr is not None:
                node["c"][0] = attr
        elif kind is not None:
            unlooked_code(node.get("c"), plain)
        else:  # a MetaMap's entries
            for value in node.values():
                unlooked_code(value, plain)


def _unlooked(attr: list, plain: frozenset[str], inline: bool) -> list | None:
    """``attr`` with its classes moved into a ``class`` attribute, or None when that
    would not write the same: a class that may highlight, no class at all, a ``class``
    attribute already there, or an inline code that the HTML writer turns into <samp> or
    <var> by its class (filters/plaincode.lua's rule, kept in step)."""
    identifier, classes, attributes = attr
    names: list[str] = []
    for name in classes:
        if name not in plain or (inline and name in ("sample", "variable")):
            return None
        if name and name not in names:  # as the HTML writer: no empties, no repeats
            names.append(name)
    if not names or any(key == "class" for key, _ in attributes):
        return None
    return [identifier, [], [["class", " ".join(names)], *attributes]]


def blocks_text(blocks: list[Node]) -> str:
    return json.dumps(blocks, separators=(",", ":"))[1:-1]


def kept_blocks(context: BuildContext, kind: str, setting: str,
                change: Callable[[list[Node], int], int]) -> str:
    """The render's blocks as a writer gives them to pandoc: :func:`kept_runs`' runs
    joined."""
    return ",".join(run["blocks"] for run in kept_runs(context, kind, setting, change)
                    if run["blocks"])


Facts = Callable[[list[Node]], dict[str, Any]]


def kept_runs(context: BuildContext, kind: str, setting: str,
              change: Callable[[list[Node], int], int], facts: Facts | None = None,
              valid: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
    """The render's blocks as a writer gives them to pandoc, run by run (a chapter each:
    ``Rendered.blocks``): ``{"blocks": JSON text without the brackets, "count": ...}``,
    with what ``facts`` says of the changed blocks (checked by ``valid`` when read back).

    A run is decoded, changed in place by ``change`` and written out again only when
    ``build/.cache/<kind>`` does not hold it already. ``change`` is given the count
    carried from the runs before (Word's boxes are numbered through the book) and
    returns it carried on; an entry is kept by the run's key, ``setting``, the toolkit
    and that count. After a one-chapter edit the edited chapter is made again (and any
    after it whose carried count moved): decoding, changing and writing out the whole
    book was about 1.8 s of the Word writer's work on the 470-page corpus, and as much
    of the EPUB writer's. A damaged entry is a miss: one whose text is not the one its
    hash was made from too (a text pandoc could not read would stop the build)."""
    from report import fingerprint
    from report.render.cache import JsonCache, digest

    cache = JsonCache(context.path(".cache") / kind)
    toolkit = fingerprint.toolkit(context.path("."))
    plain = frozenset(context.rendered.plain_code)
    runs: list[dict[str, Any]] = []
    count = 0
    for run in context.rendered.blocks():
        key = digest(kind, toolkit, setting, run.key, str(count), *sorted(plain))
        kept = cache.get(key)
        if not (isinstance(kept, dict) and isinstance(kept.get("blocks"), str)
                and type(kept.get("count")) is int
                and kept.get("sha256") == digest(kept["blocks"])
                and (valid is None or valid(kept))):
            blocks = json.loads(f"[{run.make()}]")
            count = change(blocks, count)
            unlooked_code(blocks, plain)
            text = blocks_text(blocks)
            kept = {"blocks": text, "sha256": digest(text), "count": count,
                    **(facts(blocks) if facts else {})}
            cache.put(key, kept)
        count = kept["count"]
        runs.append(kept)
    cache.save()
    cache.prune()
    return runs


def common_meta(context: BuildContext) -> dict[str, Any]:
    """Title, authors, date and language, as both writers name them."""
    m = context.manuscript.manifest
    return {
        "title": m.title,
        "subtitle": m.subtitle,
        "author": list(m.authors) or None,
        "date": m.date or context.provenance.date.date().isoformat(),
        "lang": m.language,
    }


def source_date_epoch(context: BuildContext) -> str:
    """The build's date for pandoc's timestamps (zip entries, core properties, OPF)."""
    return str(int(context.provenance.date.timestamp()))


# What pandoc writes for "now" when sandboxed: it may not read SOURCE_DATE_EPOCH then.
_SANDBOX_EPOCH = b"1970-01-01T00:00:00Z"
_DATED_PARTS = frozenset({"docProps/core.xml", "EPUB/content.opf"})


def repack(package: bytes, date: dt.datetime | None = None,
           changed: dict[str, bytes] | None = None,
           added: dict[str, list[tuple[str, bytes]]] | None = None) -> bytes:
    """A Word or EPUB package rewritten member by member, in the same order.

    ``changed`` replaces members' contents; ``added`` puts new members after the one
    named; ``date`` dates every member and the package's own "created/modified"
    metadata (the sandboxed writer leaves them at the epoch). A member whose content
    stays is copied as it is compressed (:func:`_copy_compressed`): inflating and
    deflating every member again was 0.2 s a pass over the corpus's EPUB, three passes
    a build.
    """
    changed, added = changed or {}, added or {}
    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    stamp = date.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode() \
        if date else None
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = changed.get(info.filename, None)
            dated = bool(stamp and info.filename in _DATED_PARTS)
            if date:
                info.date_time = max(date.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
            if data is None and not dated:
                _copy_compressed(target, info, package)
            else:
                if data is None:
                    data = source.read(info)
                if stamp and dated:
                    data = data.replace(_SANDBOX_EPOCH, stamp)
                target.writestr(info, data)
            for name, extra in added.get(info.filename, []):
                member = zipfile.ZipInfo(name, info.date_time)
                member.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(member, extra)
    return out.getvalue()


def _copy_compressed(target: zipfile.ZipFile, info: zipfile.ZipInfo, package: bytes) -> None:
    """Member ``info`` of ``package`` written to ``target`` (open for writing) with its
    data as compressed there, under a new local header (sizes in it, no data
    descriptor). zipfile has no call for this: its own writing is followed here (the
    header's offset, the member listed, the central directory's start moved on)."""
    at = info.header_offset
    if package[at:at + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"{info.filename}: no local header where the directory says")
    name_length, extra_length = struct.unpack("<HH", package[at + 26:at + 30])
    start = at + 30 + name_length + extra_length
    data = package[start:start + info.compress_size]
    if len(data) != info.compress_size:
        raise zipfile.BadZipFile(f"{info.filename}: cut short")
    info.flag_bits &= ~0x08  # the sizes go in the local header
    info.header_offset = target.fp.tell()
    target.fp.write(info.FileHeader())
    target.fp.write(data)
    target.filelist.append(info)
    target.NameToInfo[info.filename] = info
    target.start_dir = target.fp.tell()


def media_list(context: BuildContext, folder: Path) -> Path:
    """The media bag's list for ``filters/mediabag.lua``: the images the resource gate
    allowed, copied into ``folder`` without their metadata."""
    lines = []
    problems = []
    for number, (reference, path) in enumerate(sorted(context.rendered.resources.media.items())):
        if "\t" in reference or "\n" in reference:
            continue
        data = stripped(path.read_bytes(), path.name)
        reason = unreadable(data, path.name)
        if reason:
            problems.append(Problem(context.manuscript.rel(path), None, reason))
            continue
        copy = folder / f"{number}{path.suffix.lower()}"
        copy.write_bytes(data)
        mime = mimetypes.guess_type(path.name)[0] or ""
        lines.append(f"{mime}\t{copy}\t{reference}\n")
    if problems:
        raise InputError(problems)
    listing = folder / "media.tsv"
    listing.write_text("".join(lines), encoding="utf-8")
    return listing


# What :meth:`Writing.finish` replaces: members by name, or how to make them from all.
Changed = dict[str, bytes] | Callable[[dict[str, bytes]], dict[str, bytes]]


class Writing:
    """pandoc's ``writer`` at work on ``doc``, started now and finished by :meth:`finish`.

    The writer runs sandboxed in an empty folder: it reads only the files on its command
    line (``files``, written into that folder first: a reference document) and the media
    bag, which holds the images the resource gate allowed (stripped of their metadata).
    Starting is separate from finishing so that a build can start the Word and EPUB
    writers before it lays out the PDFs: pandoc then works on the other core (about 0.5 s
    each on the bundled report) while the PDFs are laid out. Either :meth:`finish` or
    :meth:`stop` must be called: both remove the folder.
    """

    def __init__(self, context: BuildContext, source_json: str, writer: str,
                 args: list[str], files: dict[str, bytes] | None = None,
                 keep: Any = None) -> None:
        self.keep = keep  # what the edition needs again to finish (the EPUB's plan)
        self._date = context.provenance.date
        self._folder = tempfile.TemporaryDirectory(prefix="report-writer-")
        try:
            folder = Path(self._folder.name)
            for name, data in (files or {}).items():
                (folder / name).write_bytes(data)
            source = folder / "document.json"
            source.write_text(source_json, encoding="utf-8")
            media = folder / "media"
            media.mkdir()
            listing = media_list(context, media)
            self._out = folder / f"written.{writer}"
            self._run = pandoc.Started(
                ["-f", "json", "-t", writer, "--resource-path", str(media),
                 "--lua-filter", pandoc.filter_path("mediabag.lua"),
                 *[arg.replace(FOLDER, str(folder)) for arg in args],
                 "-o", str(self._out), str(source)], cwd=media, log=folder / "warnings.txt",
                env={"SOURCE_DATE_EPOCH": source_date_epoch(context),
                     "REPORT_MEDIA": str(listing)})
        except BaseException:
            self._folder.cleanup()
            raise

    def finish(self, context: BuildContext, changed: Changed | None = None) -> bytes:
        """The package pandoc wrote, dated, with the members ``changed`` replaced (or
        those ``changed`` returns, given every member by name); its warnings go to the
        build's warnings (the build reports them per edition), not the terminal."""
        try:
            result = self._run.wait()
            written = self._out.read_bytes()
            if callable(changed):
                with zipfile.ZipFile(io.BytesIO(written)) as package:
                    changed = changed({name: package.read(name)
                                       for name in package.namelist()})
            dated = repack(written, self._date, changed=changed)
        finally:
            self._folder.cleanup()
        context.warnings.extend(result.warnings)
        return dated

    def stop(self) -> None:
        """Not needed after all (the build stopped): end pandoc, remove the folder."""
        try:
            self._run.stop()
        finally:
            self._folder.cleanup()


# In a Writing's arguments: the folder its ``files`` were written to.
FOLDER = "{writer-folder}"


# How long a writer forked ahead may take to start pandoc (its Python work on the document,
# about 2 s on the 470-page corpus) before the build stops it and writes in its own
# process; once pandoc runs, WRITE_WAIT bounds the rest.
START_WAIT = 120
WRITE_WAIT = 1800

Start = Callable[[BuildContext], Writing]
Written = Callable[[BuildContext, Writing], bytes]


class WrittenAhead:
    """An edition's pandoc package made start to finish in a forked process
    (:class:`report.editions.forked.Forked`): the document made from the render, pandoc
    run on it, its package dated (and for the EPUB, the kept chapter files put in).

    Started in a thread, a writer's Python work (the whole book's document parsed,
    changed and serialised: about 2.4 s on the 470-page corpus, 0.6 s on the bundled
    report) held the interpreter lock the PDFs' layout and assembly needed; in a
    process of its own it runs on the other core. A process that fails, or has not
    started pandoc within START_WAIT, gives no package: the edition then writes in its
    own process, and meets the error itself."""

    def __init__(self, context: BuildContext, start: Start, written: Written) -> None:
        from report.editions.forked import STARTED, Forked

        def work(folder: Path) -> None:
            before = len(context.warnings)
            writing = start(context)
            (folder / STARTED).touch()
            data = written(context, writing)
            (folder / "warnings.json").write_text(json.dumps(context.warnings[before:]))
            (folder / "package").write_bytes(data)

        self._forked = Forked(work)

    def result(self, context: BuildContext) -> bytes | None:
        """The package, its warnings added to the build's; None when the process gave
        none."""
        try:
            folder = self._forked.wait(WRITE_WAIT, started_within=START_WAIT)
            if folder is None:
                return None
            data = (folder / "package").read_bytes()
            warnings = json.loads((folder / "warnings.json").read_text())
        except (OSError, ValueError):
            return None
        finally:
            self._forked.close()
        context.warnings.extend(str(w) for w in warnings)
        return data

    def stop(self) -> None:
        """Not needed after all (the build stopped): end the process (its pandoc dies
        with it), remove the folder."""
        self._forked.close()


def taken(context: BuildContext, name: str, start: Start, written: Written) -> bytes:
    """Edition ``name``'s pandoc package: made ahead in a process of its own
    (:class:`WrittenAhead`), started ahead in this one (a :class:`Writing`), or made now."""
    ahead = context.writers.pop(name, None)
    if isinstance(ahead, WrittenAhead):
        data = ahead.result(context)
        if data is not None:
            return data
        ahead = None
    return written(context, ahead or start(context))
