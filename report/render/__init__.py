"""Render the manuscript: pandoc with the report's Lua filters, then HTML.

Every edition lays out what this produces, which is why they all show the same words,
recommendation numbers, citations and footnotes. The filtered pandoc document (JSON) is
kept too: the Word and EPUB editions are written from it by pandoc's own writers.

Each chapter is rendered on its own, from its cached parse and the whole-book index
(:mod:`report.render.index`: numbers, labels, recommendations, works cited), and cached,
so an edit re-renders the chapters it touches and no others. The result is the same,
element for element, as one pandoc run over the whole book, which stays here
(``render(..., whole_book=True)``) as the reference the tests compare against.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import json
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from lxml import etree

from report import __version__
from report.errors import InputError, Problem
from report.manuscript import Manuscript, tree
from report.manuscript.chapter import Chapter
from report.render import batches, diagnostics, highlighting, html, index, pandoc, parse, source
from report.render.cache import JsonCache, digest, forget_unused, made_once, remembering
from report.render.html import ChapterHTML
from report.render.source import Resources

FILTER_CHAIN = ("number.lua", "blocks.lua", "crossref.lua", "typography.lua")
# After citeproc, last before the HTML is written: the citable blocks with the words a
# reader sees (citations and cross-references written) and their pack numbers.
CITABLE_FILTER = "citable.lua"
DEFAULT_CSL = Path(__file__).resolve().parent.parent / "styles" / "harvard.csl"


@dataclass(frozen=True)
class Label:
    """Something a reader can be pointed at, with the number every edition prints."""

    id: str
    kind: str
    number: str
    text: str
    chapter: str


@dataclass(frozen=True)
class Recommendation:
    id: str
    number: int
    to: str
    chapter: str


@dataclass(frozen=True)
class Citable:
    """A block a reviewer can cite, as the render numbered it (``citable.lua``).

    ``number`` is the pack number (None for headings, which are not numbered); ``text``
    is what a reader sees; ``box`` the report box it stands in (``recommendation``,
    ``case-study``, ``key-findings``, ``quote``, ``draft``) or "".
    """

    id: str
    number: int | None
    kind: str
    text: str
    chapter: str
    box: str = ""
    level: int = 0


@dataclass(frozen=True)
class Blocks:
    """A run of the document's top-level blocks, as the compact JSON text they have in
    :attr:`Rendered.ast`, without the brackets: one chapter's in a chapter-wise render.
    ``key`` is a hash of all the text is made from, so a writer can keep what it makes
    of a chapter and, after an edit, make again only the edited one's
    (report.editions.pandoc_writer.kept_blocks): decoding and writing out the whole
    book's JSON was about 1.5 s of each such writer on the 470-page corpus."""

    key: str
    make: Callable[[], str]
    # A hash of what the text is made from but the numbers of its pack marks, which
    # numbering on through the book changes in every chapter after an added paragraph:
    # the key of the text without them (Rendered.without_pack_marks).
    unnumbered: str = ""


@dataclass
class Rendered:
    """The render. Its pandoc document (``ast``, for the Word and EPUB writers) and its
    citable blocks (``citable``, for the reviewer pack) are made when first asked for,
    from a function or as given: the web edition and ``report serve`` need neither, and
    on the bundled report they are about 1.5 MB of JSON to write and 0.5 MB to read."""

    manuscript: Manuscript
    _ast: bytes | Callable[[], bytes]
    _chapters: list[ChapterHTML] | Callable[[], list[ChapterHTML]]
    labels: dict[str, Label]
    recommendations: list[Recommendation]
    key: str
    warnings: list[str] = field(default_factory=list)
    resources: Resources = field(default_factory=Resources)
    _citable: list[Citable] | Callable[[], list[Citable]] = field(default_factory=list)
    # Code classes that name no syntax pandoc highlights, for the writers of the other
    # editions (filters/plaincode.lua, report.render.highlighting).
    plain_code: list[str] = field(default_factory=list)
    _plain: Rendered | None = field(default=None, repr=False, compare=False)
    # The chapters with their pack marks numbered from 1 in each (html.cut), when the
    # render made them so: the editions' view (without_pack_marks) is made from these,
    # so that in ``report serve`` a paragraph added, which moves the marks' numbers in
    # every later chapter and nothing else there, leaves those chapters as they were.
    _unnumbered: list[ChapterHTML] | None = field(default=None, repr=False, compare=False)
    # The blocks of ``ast`` run by run (see Blocks), when the render made them so.
    _blocks: Callable[[], list[Blocks]] | None = field(default=None, repr=False,
                                                        compare=False)
    _api: list | None = field(default=None, repr=False, compare=False)

    @property
    def chapters(self) -> list[ChapterHTML]:
        """Each chapter's HTML, pack marks numbered through the book."""
        if callable(self._chapters):
            self._chapters = self._chapters()
        return self._chapters

    @property
    def ast(self) -> bytes:
        if callable(self._ast):
            self._ast = self._ast()
        return self._ast

    @property
    def api(self) -> list:
        """The pandoc API version ``ast`` was written with: as the chapter-wise render
        gave it, else read from the start of ``ast`` (making a chapter-wise ``ast`` to read
        it was 0.16 s of each writer's process on the corpus)."""
        if self._api is None:
            self._api, _ = json.JSONDecoder().raw_decode(
                self.ast.decode("utf-8"), len('{"pandoc-api-version":'))
        return self._api

    def blocks(self) -> list[Blocks]:
        """The blocks of :attr:`ast`, run by run: joined by commas (empty runs left out),
        they are its ``blocks`` array, character for character. A whole-book render's
        are one run."""
        if self._blocks is None:
            ast = self.ast
            return [Blocks(digest("whole book", ast), partial(_blocks_text, ast))]
        return self._blocks()

    @property
    def citable(self) -> list[Citable]:
        if callable(self._citable):
            self._citable = self._citable()
        return self._citable

    def chapter_of(self, label: str) -> str | None:
        found = self.labels.get(label)
        return found.chapter if found else None

    def without_pack_marks(self) -> Rendered:
        """The render as the editions show it: without the marks of citable.lua, which
        only the reviewer pack shows (numbers in the margin, Word bookmarks). A mark's
        number counts every citable block before it, so left in, one added paragraph
        would change every later chapter's HTML and lay them all out again."""
        if self._plain is None:
            chapters = [made_once(digest("plain", chapter.key), partial(_unmarked, chapter))
                        if chapter.key else _unmarked(chapter)
                        for chapter in self._unnumbered or self.chapters]
            self._plain = replace(self, _chapters=chapters, _ast=self._plain_ast,
                                  _unnumbered=None, _blocks=self._plain_blocks)
            self._plain._plain = self._plain
        return self._plain

    def _plain_ast(self) -> bytes:
        return _unmarked_json(self.ast.decode("utf-8")).encode("utf-8")

    def _plain_blocks(self) -> list[Blocks]:
        """:meth:`blocks` as :meth:`_plain_ast` has them. A run is unmarked with the comma
        that follows it in the document (all but the last), so that an empty Plain
        ending it goes as it goes from the whole document."""
        runs = self.blocks()
        last = len(runs) - 1
        return [Blocks(digest("plain", run.unnumbered or run.key, str(n == last)),
                       partial(_unmarked_run, run, n == last)) for n, run in enumerate(runs)]


def _unmarked_json(text: str) -> str:
    return _EMPTY_PLAIN.sub("", _PACK_MARK_JSON.sub("", text))


def _unmarked_run(run: Blocks, last: bool) -> str:
    if last:
        return _unmarked_json(run.make())
    return _unmarked_json(run.make() + ",")[:-1]


def _blocks_text(ast: bytes) -> str:
    """The text inside the ``blocks`` array of a pandoc JSON document, which pandoc
    writes last."""
    text = ast.decode("utf-8")
    start = text.find('"blocks":[')
    end = text.rfind("]")
    if start < 0 or end < start:
        raise ValueError("not a pandoc JSON document")
    return text[start + len('"blocks":['):end]


def _unmarked(chapter: ChapterHTML) -> ChapterHTML:
    """A copy of ``chapter`` without citable.lua's marks (see
    :meth:`Rendered.without_pack_marks`)."""
    element = copy.deepcopy(chapter.element)
    for mark in element.xpath(html.PACK_MARKS):
        mark.drop_tree()  # its tail (text after it) stays
    return replace(chapter, element=element,
                   key=digest("plain", chapter.key) if chapter.key else "")


# citable.lua's mark in pandoc's JSON (always the first inline of its block), and the
# block that held only a code block's mark.
_PACK_MARK_JSON = re.compile(
    r'\{"t":"Span","c":\[\["p-\d+",\["pn"\],\[\["n","\d+"\]\]\],\[\]\]\},?')
_EMPTY_PLAIN = re.compile(r'\{"t":"Plain","c":\[\]\},')


def _contributors_markdown(manuscript: Manuscript) -> str:
    try:
        from report.manuscript.contributors import contributors_markdown
    except ImportError:  # pragma: no cover - the contributors module is optional early on
        return ""
    return contributors_markdown(manuscript)


def _csl_path(manuscript: Manuscript, line: int | None) -> tuple[Path, list[Problem]]:
    """The CSL style pandoc gets: the tree's (or the toolkit's), and for a dependent style
    its independent parent, which must be a file in the tree too (pandoc would otherwise
    fetch the parent's URL during the build)."""
    if not manuscript.manifest.csl:
        return DEFAULT_CSL, []
    name = str(manuscript.manifest.csl)
    try:
        path = tree.resolve(manuscript.root, name)
    except tree.Refused as exc:
        return DEFAULT_CSL, [Problem("mkdocs.yml", line, f"extra.csl: {exc}")]
    try:
        style = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True,
                                                       load_dtd=False))
    except (etree.XMLSyntaxError, OSError) as exc:
        return DEFAULT_CSL, [Problem("mkdocs.yml", line, f"extra.csl: not a CSL style: {exc}")]
    parent = style.find(".//{http://purl.org/net/xbiblio/csl}link[@rel='independent-parent']")
    if parent is None:
        return path, []
    href = parent.get("href", "")
    try:
        return tree.resolve(manuscript.root, href, path.parent), []
    except tree.Refused as exc:
        return DEFAULT_CSL, [Problem("mkdocs.yml", line,
                                     f"extra.csl: its independent parent style must be a "
                                     f"file in the tree ({exc})")]


_CSL = "{http://purl.org/net/xbiblio/csl}"


def _citations_order_free(bib_args: list[str]) -> bool:
    """Whether the CSL style renders a citation the same wherever in the book it
    stands, given every work the book cites: then each chapter can be cited on its own
    (with the book's works as ``nocite``). Not so for numbered styles (numbers follow
    the first citations), styles that test a citation's position (ibid., subsequent)
    or note styles, nor when year suffixes follow the order of citation (no sorted
    bibliography): those books are rendered in one run."""
    path = Path(bib_args[bib_args.index("--csl") + 1])
    try:
        style = etree.parse(str(path), etree.XMLParser(resolve_entities=False,
                                                       no_network=True, load_dtd=False))
    except (etree.XMLSyntaxError, OSError):
        return False
    root = style.getroot()
    if root.get("class") != "in-text":
        return False
    for element in root.iter(f"{_CSL}*"):
        if element.get("position") or "citation-number" in element.get("variable", ""):
            return False
    suffixes = root.find(f"{_CSL}citation[@disambiguate-add-year-suffix='true']")
    return suffixes is None or root.find(f"{_CSL}bibliography/{_CSL}sort") is not None


def _bibliography_args(manuscript: Manuscript) -> tuple[list[str], list[Problem]]:
    """pandoc's bibliography and CSL arguments, every file through the tree's gate."""
    args: list[str] = []
    problems: list[Problem] = []
    extra = manuscript.manifest.config.get("extra") or {}

    def line(key: str) -> int | None:
        return extra.line_of(key) if hasattr(extra, "line_of") else None

    for name in manuscript.manifest.bibliography:
        try:
            path = tree.resolve(manuscript.root, name)
        except tree.Refused as exc:
            message = (f"bibliography not found: {name}" if str(exc).startswith("not found")
                       else f"extra.bibliography: {exc}")
            problems.append(Problem("mkdocs.yml", line("bibliography"), message))
        else:
            args += ["--bibliography", str(path)]
    csl, csl_problems = _csl_path(manuscript, line("csl"))
    problems += csl_problems
    args += ["--csl", str(csl)]
    return args, problems


def _cache_key(text: str, contributors: str, args: list[str]) -> str:
    digest = hashlib.sha256()
    for part in (text, contributors, __version__, pandoc.version(), *args):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    for name in FILTER_CHAIN + ("diagnostics.lua", CITABLE_FILTER, "emit.lua", "plaincode.lua"):
        digest.update((pandoc.FILTERS / name).read_bytes())
    for arg in args:
        path = Path(arg)
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _labels_from(meta: dict) -> tuple[dict[str, Label], list[Recommendation]]:
    def text(value) -> str:
        if value.get("t") == "MetaString":
            return value["c"]
        if value.get("t") in ("MetaInlines",):
            return "".join(_inline_text(i) for i in value["c"])
        return ""

    labels: dict[str, Label] = {}
    for key, value in meta.get("report-labels", {}).get("c", {}).items():
        fields = {k: text(v) for k, v in value["c"].items()}
        labels[key] = Label(key, fields.get("kind", ""), fields.get("number", ""),
                            fields.get("text", ""), fields.get("chapter", ""))
    recs = []
    for value in meta.get("report-recommendations", {}).get("c", []):
        fields = value["c"]
        recs.append(Recommendation(text(fields["id"]), int(text(fields["number"])),
                                   text(fields["to"]), text(fields["chapter"])))
    return labels, recs


def citable_read(path: Path) -> list[dict]:
    """The citable blocks filters/citable.lua wrote to ``path`` (its
    ``report-citable-out``), as the metadata entries (MetaMap) the render keeps, the
    book's document carries and :func:`citable_of` reads."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        entries = []
    if not isinstance(entries, list):  # Lua writes an empty table as {}
        entries = []
    return [{"t": "MetaMap", "c": {key: {"t": "MetaString", "c": value}
                                   for key, value in sorted(entry.items())}}
            for entry in entries]


def citable_of(entries: list[dict]) -> list[Citable]:
    """Citable blocks from their metadata entries (:func:`citable_read`)."""
    out = []
    for value in entries:
        fields = {k: v["c"] if v.get("t") == "MetaString" else "" for k, v in value["c"].items()}
        out.append(Citable(fields["id"], int(fields["number"]) if fields["number"] else None,
                           fields["kind"], fields["text"], fields["chapter"], fields["box"],
                           int(fields["level"]) if fields["level"] else 0))
    return out


def _meta_of(ast: bytes) -> dict:
    """The metadata of a pandoc JSON document without decoding its (large) body: pandoc
    writes ``meta`` before ``blocks``, so decoding stops where the metadata ends."""
    text = ast.decode("utf-8")
    start = text.find('"meta":')
    if start < 0:
        return json.loads(text)["meta"]
    meta, _ = json.JSONDecoder().raw_decode(text, start + len('"meta":'))
    return meta


def _inline_text(node: dict) -> str:
    kind = node.get("t")
    if kind == "Str":
        return node["c"]
    if kind in ("Space", "SoftBreak"):
        return " "
    return ""


_memo: dict[str, Rendered] = {}
_RENDERING = threading.Lock()
_SCHEMA = "chapter render 4"  # bump when a cached chapter changes shape


@dataclass
class _Output:
    """One pandoc run of the filter chain: the document, its HTML and what it reported."""

    ast: bytes
    html: str
    warnings: list[str]
    problems: list[Problem]
    citable: list[dict]  # its citable blocks (citable_read)


def _run_chain(manuscript: Manuscript, document: dict, meta: dict, bib_args: list[str] | None,
               source: str | None = None) -> _Output:
    """The report's filters, citeproc and the HTML writer over ``document`` (JSON).

    ``meta`` goes in as a metadata file, so pandoc reads its strings as Markdown (the
    contributors list); the whole book and a single chapter take the same route.
    ``bib_args`` None: no citeproc (a chapter that cites nothing and lists nothing).
    """
    with tempfile.TemporaryDirectory(prefix="report-render-") as tmp:
        tmpdir = Path(tmp)
        diag_path = tmpdir / "diagnostics.jsonl"
        meta_path = tmpdir / "meta.yaml"
        meta_path.write_text(json.dumps(meta), encoding="utf-8")
        args = ["-f", "json", "-t", "json", "--metadata-file", str(meta_path),
                "-M", f"report-diagnostics={diag_path}",
                "--resource-path", str(manuscript.root / manuscript.manifest.docs_dir)]
        for name in FILTER_CHAIN:
            args += ["--lua-filter", pandoc.filter_path(name)]
        html_path = tmpdir / "document.html"
        citable_path = tmpdir / "citable.json"
        if bib_args is not None:
            args += ["--citeproc", *bib_args]
        args += ["-M", f"report-html-out={html_path}", "-M",
                 f"report-citable-out={citable_path}",
                 "--lua-filter", pandoc.filter_path(CITABLE_FILTER),
                 "--lua-filter", pandoc.filter_path("emit.lua")]
        result = pandoc.run(args, stdin=json.dumps(document).encode("utf-8"))
        html_out = html_path.read_text(encoding="utf-8") if html_path.exists() else ""
        problems = diagnostics.from_filters(manuscript, diag_path, source)
        problems += diagnostics.from_pandoc(manuscript, result.warnings)
        citable = citable_read(citable_path)
    return _Output(result.stdout, html_out, result.warnings, problems, citable)


def _book_meta(manuscript: Manuscript, contributors: str) -> dict:
    return {"lang": manuscript.manifest.language, "link-citations": True,
            "report-contributors": contributors or ""}


def _render_whole_book(manuscript: Manuscript, document: dict, contributors: str,
                       bib_args: list[str], highlight_cache: JsonCache
                       ) -> tuple[bytes, list[ChapterHTML], list[str], list[Problem], list[str],
                                  list[dict]]:
    """The whole book in one pandoc run: the reference the chapter-wise render equals."""
    plain = highlighting.plain_classes(
        highlighting.code_classes(source.elements(document["blocks"])), highlight_cache,
        document["pandoc-api-version"])
    # In the document's own metadata (pandoc JSON), not the metadata file, whose strings
    # pandoc would read as Markdown ("*x*" would become "x").
    document = {**document, "meta": {**document.get("meta", {}), **highlighting.meta(plain)}}
    out = _run_chain(manuscript, document, _book_meta(manuscript, contributors), bib_args)
    return out.ast, html.split([out.html]), out.warnings, out.problems, plain, out.citable


def _files_key(args: list[str]) -> str:
    """The bibliography and CSL files' content, as the render reads them."""
    return digest(*args, *(Path(a).read_bytes() for a in args if Path(a).is_file()))


def _chain_key() -> str:
    """What makes a chapter's cached render: the filters, pandoc, and this code."""
    names = dict.fromkeys((*FILTER_CHAIN, "diagnostics.lua", CITABLE_FILTER, "emit.lua",
                           "plaincode.lua",
                           "chapterwise.lua"))
    here = Path(__file__).resolve().parent
    return digest(_SCHEMA, __version__, pandoc.version(),
                  *((pandoc.FILTERS / name).read_bytes() for name in names),
                  (here / "__init__.py").read_bytes(), (here / "html.py").read_bytes())


@dataclass
class _Job:
    """A chapter to render alone: its cache key, wrapper Div and metadata."""

    key: str  # digest(index.chapter_key(chapter), context)
    context: str  # all else the key covers: where it stands in the book, what it uses
    chapter: Chapter
    position: int  # in the book
    meta: dict  # pandoc JSON metadata: starting counters and the index entries it uses
    lists_refs: bool  # keeps the references list citeproc writes after it
    cites: bool  # runs citeproc
    summary: bool  # holds the summary of recommendations
    filters: tuple[str, ...] = FILTER_CHAIN  # the chain it needs (see _chain_for)
    cites_key: str | None = None  # where its Cites as citeproc wrote them are kept
    cite_renders: list | None = None  # those of its last run (see _citations_kept)


def _chain_for(facts: index.Facts) -> tuple[str, ...]:
    """The filters a chapter needs: crossref.lua changes nothing in one that
    cross-references nothing and holds neither the summary of recommendations nor the
    list of contributors (most chapters of a long book), so its two walks of the chapter
    are skipped there. The facts come from the parse, and the filters before it add no
    citations (their text from attributes is plain, not Markdown)."""
    if facts.xrefs or facts.summary or facts.contributors:
        return FILTER_CHAIN
    return tuple(name for name in FILTER_CHAIN if name != "crossref.lua")


def _string(value: str) -> dict:
    return {"t": "MetaString", "c": value}


def _batch_item(job: _Job, tmpdir: Path, n: int) -> dict:
    """The chapter's item of ``report-batch`` for filters/chapterwise.lua's render."""
    return {"t": "MetaMap", "c": {
        "meta": {"t": "MetaMap", "c": {
            **job.meta, "report-diagnostics": _string(str(tmpdir / f"{n}.jsonl")),
            "report-html-out": _string(str(tmpdir / f"{n}.html")),
            "report-citable-out": _string(str(tmpdir / f"{n}.citable.json"))}},
        "filters": {"t": "MetaList", "c": [_string(pandoc.filter_path(name))
                                           for name in job.filters]},
        "citeproc": {"t": "MetaBool", "c": job.cites},
        "keep-recs": {"t": "MetaBool", "c": job.summary},
        "collect-cites": {"t": "MetaBool", "c": job.cites_key is not None},
        **({"cite-renders": {"t": "MetaList", "c": job.cite_renders}}
           if job.cite_renders is not None else {}),
        "lists-refs": {"t": "MetaBool", "c": job.lists_refs},
        "citable": _string(pandoc.filter_path(CITABLE_FILTER)),
        "emit": _string(pandoc.filter_path("emit.lua"))}}


def _batch_output(manuscript: Manuscript, job: _Job, block: dict, back: dict, tmpdir: Path,
                  n: int, warnings: list[str]) -> dict:
    """What the render of the chapter of item ``n`` gave: its blocks (JSON text, not
    decoded on the next build: the book's document is joined from these texts), HTML,
    citable blocks, recommendations, Cites, warnings and problems."""
    blocks = json.dumps(block["c"][1], separators=(",", ":"))
    html_path = tmpdir / f"{n}.html"
    problems = diagnostics.from_filters(manuscript, tmpdir / f"{n}.jsonl", job.chapter.rel)
    problems += diagnostics.from_pandoc(manuscript, warnings)
    return {"blocks": blocks[1:-1],
            "code": html.code_blocks(blocks), "recs": back["c"].get("recs"),
            "citable": citable_read(tmpdir / f"{n}.citable.json"),
            "cites": back["c"].get("cites", {}).get("c"),
            "html": html_path.read_text(encoding="utf-8") if html_path.exists() else "",
            "warnings": warnings, "problems": problems}


def _chapterwise(manuscript: Manuscript, api: list, blocks: list[dict], items: list[dict],
                 meta: dict, bib_args: list[str], tmpdir: Path, mode: str = "render",
                 plain: list[str] = ()) -> dict:
    """One run of filters/chapterwise.lua: the document it gives back, and pandoc's
    warnings in it as ``warnings``. ``plain``: the code classes that name no syntax, for
    filters/emit.lua."""
    meta_path = tmpdir / "meta.yaml"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    document = {"pandoc-api-version": api,
                "meta": {"report-batch": {"t": "MetaList", "c": items},
                         "report-batch-mode": _string(mode),
                         "report-diagnostics": _string(str(tmpdir / "ignored.jsonl")),
                         **highlighting.meta(plain)},
                "blocks": blocks}
    args = ["-f", "json", "-t", "json", "--metadata-file", str(meta_path),
            "--resource-path", str(manuscript.root / manuscript.manifest.docs_dir),
            *bib_args, "--lua-filter", pandoc.filter_path("chapterwise.lua")]
    result = pandoc.run(args, stdin=json.dumps(document).encode("utf-8"))
    out = json.loads(result.stdout)
    out["warnings"] = result.warnings
    return out


def _render_batch(manuscript: Manuscript, api: list, jobs: list[_Job], wrappers: list[dict],
                  meta: dict, bib_args: list[str], plain: list[str]) -> list[dict]:
    """The chapters of ``jobs``, each alone through the filter chain, in one pandoc
    process (filters/chapterwise.lua): blocks, HTML, warnings and problems of each.
    ``plain``: the code classes that name no syntax, for filters/emit.lua."""
    with tempfile.TemporaryDirectory(prefix="report-render-") as tmp:
        tmpdir = Path(tmp)
        items = [_batch_item(job, tmpdir, n) for n, job in enumerate(jobs)]
        document = _chapterwise(manuscript, api, wrappers, items, meta, bib_args, tmpdir,
                                plain=plain)
        return [_batch_output(manuscript, job, block, back, tmpdir, n, document["warnings"])
                for n, (job, block, back) in enumerate(zip(
                    jobs, document["blocks"], document["meta"]["report-batch"]["c"],
                    strict=True))]


# citable.lua's marks in a chapter's blocks (compact JSON): the empty ``.pn`` Span with
# its number.
_CITABLE_JSON = re.compile(r'(\["p-)(\d+)(",\["pn"\],\[\["n",")(\d+)("\]\]\])')


def _numbered_on(blocks: str, by: int) -> str:
    """A chapter's blocks (its marks numbered from 1) numbered on by ``by``."""
    return _CITABLE_JSON.sub(lambda m: _shifted(m, by), blocks) if by else blocks


def _shifted(match: re.Match, by: int) -> str:
    return (f"{match.group(1)}{int(match.group(2)) + by}{match.group(3)}"
            f"{int(match.group(4)) + by}{match.group(5)}")


def _meta_field(entry: dict, name: str) -> str:
    value = entry["c"].get(name, {})
    return value.get("c", "") if value.get("t") == "MetaString" else ""


def _shift_citable(entries: list[dict], by: int) -> list[dict]:
    """A chapter's citable entries (numbered from 1) numbered on by ``by``, as one run
    over the whole book numbers them; ids ``p-N`` follow their number."""
    if not by:
        return entries
    shifted = []
    for entry in entries:
        number = _meta_field(entry, "number")
        if number:
            fields = dict(entry["c"])
            fields["number"] = {"t": "MetaString", "c": str(int(number) + by)}
            if _meta_field(entry, "id") == f"p-{number}":
                fields["id"] = {"t": "MetaString", "c": f"p-{int(number) + by}"}
            entry = {"t": "MetaMap", "c": fields}
        shifted.append(entry)
    return shifted


def _citations_kept(jobs: list[_Job], misses: list[_Job], cache: JsonCache,
                    book: str) -> None:
    """Give each chapter to render that cites but lists no references the Cites its last
    run wrote (``cite-renders``), so that filters/chapterwise.lua can put them back
    instead of running citeproc, which formats every work the book cites on every run
    (most of a one-chapter render after an edit that leaves its citations alone). The
    style is order-free (:func:`_citations_order_free`: a citation is written the same
    wherever it stands), so a Cite's writing depends only on its citations and ``book``
    (the bibliography and CSL files, the works the book cites, the book's metadata) and
    the chapter's own metadata, which key the kept Cites. The summary's chapter is left
    out (citeproc also writes the recommendations in its metadata), and so is a run with
    warnings (a missing work must be reported on every build)."""
    missed = {job.key for job in misses}
    for job in jobs:
        if not job.cites or job.lists_refs or job.summary:
            continue
        job.cites_key = digest(book, job.chapter.rel,
                               json.dumps(job.meta.get("report-labels"), sort_keys=True))
        if job.key not in missed:
            cache.keep(job.cites_key)
            continue
        kept = cache.get(job.cites_key)
        job.cite_renders = kept if isinstance(kept, list) else None


def _keep_render(job: _Job, out: dict, cache: JsonCache, cites_cache: JsonCache) -> None:
    """Keep a chapter's render by its key, and its Cites as citeproc wrote them."""
    cache.put(job.key, {k: v for k, v in out.items() if k not in ("problems", "cites")})
    if job.cites_key and out["cites"] is not None and not out["warnings"]:
        cites_cache.put(job.cites_key, out["cites"])


@dataclass
class _Book:
    """What the last chapter-wise render in this process planned: a long-lived process
    (``report serve``) renders the next save of one chapter from it (:func:`_render_saved`)."""

    root: Path
    keys: list[str]  # index.chapter_key of each chapter
    rels: list[str]
    jobs: list[_Job]
    entries: list[index.Entry]
    book_key: str  # the bibliography, contributors and language it was rendered with
    api: list
    base_meta: dict
    plain: list[str]  # the code classes that name no syntax (report.render.highlighting)


_last_book: _Book | None = None


def _saved_chapter(manuscript: Manuscript, parse_cache: parse.ParseCache, book_key: str
                   ) -> tuple[_Book, int] | None:
    """The last render's plan and the position of the one chapter whose text changed
    since, if that is all that changed (the same chapters, in the same order, with the
    same bibliography, contributors and language) and the chapter's new text was never
    parsed: the case of a preview save."""
    last = _last_book
    chapters = manuscript.chapters
    if last is None or last.root != manuscript.root or last.book_key != book_key \
            or last.rels != [c.rel for c in chapters]:
        return None
    changed = [i for i, (chapter, key) in enumerate(zip(chapters, last.keys, strict=True))
               if index.chapter_key(chapter) != key]
    if len(changed) != 1 or parse_cache.cached(chapters[changed[0]]) is not None:
        return None
    return last, changed[0]


def _render_saved(manuscript: Manuscript, saved: tuple[_Book, int],
                  parse_cache: parse.ParseCache, index_cache: index.IndexCache,
                  cache: JsonCache, cites_cache: JsonCache, bib_args: list[str],
                  files: str) -> None:
    """A saved chapter parsed, numbered and rendered in ONE pandoc process (mode "save"
    of filters/chapterwise.lua), on the guess that the save left its index entry (labels,
    numbers, recommendations) and its facts (citations, cross-references, resources)
    as they were: the usual path costs three processes (parse, index, render) and the
    Python between them. Its parse, facts, entry and render are only put in the caches,
    each under the key the usual path looks it up by, which then runs and finds them:
    when the guess holds, it renders nothing; when the entry changed, chapterwise.lua
    did not render, and when the facts changed the render's key differs, so the usual
    path renders what the change touches, from the parse kept here. The output is the
    usual path's by construction. A render that reported a problem or a warning is not
    kept: the usual path renders again and reports it."""
    last, position = saved
    chapter = manuscript.chapters[position]
    old = last.jobs[position]
    job = replace(old, key=digest(index.chapter_key(chapter), old.context), chapter=chapter,
                  cites_key=None, cite_renders=None)
    _citations_kept([job], [job], cites_cache, digest(files, json.dumps(last.base_meta)))
    expected = last.entries[position]
    wrapper = parse.wrapper(chapter, [])
    with tempfile.TemporaryDirectory(prefix="report-render-") as tmp:
        tmpdir = Path(tmp)
        item = _batch_item(job, tmpdir, 0)
        item["c"].update({"text": _string(parse.reader_input(chapter.body)),
                          "format": _string(pandoc.MARKDOWN),
                          "number": _string(pandoc.filter_path("number.lua")),
                          "expect": expected.meta()})
        document = _chapterwise(manuscript, last.api, [wrapper], [item], last.base_meta,
                                bib_args, tmpdir, mode="save", plain=last.plain)
        parsed_div, *rendered = document["blocks"]
        back = document["meta"]["report-batch"]["c"][0]
        out = _batch_output(manuscript, job, rendered[0], back, tmpdir, 0,
                            document["warnings"]) if rendered else None
    (_, _, attributes), blocks = parsed_div["c"]
    parsed = {"api": document["pandoc-api-version"], "blocks": blocks,
              "warnings": json.loads(dict(attributes)["warnings"]) or []}
    parse_cache.put(parse.text_key(chapter), parsed)
    wrapper = parse.wrapper(chapter, blocks)
    facts = index.learn_facts(chapter, wrapper, parsed["api"], index_cache)
    index.keep_entry(chapter, facts, index.entry_of(back["c"]["entry"]), index_cache)
    if out is not None and not out["problems"] and not out["warnings"]:
        _keep_render(job, out, cache, cites_cache)


def _render_chapters(manuscript: Manuscript, parse_cache: parse.ParseCache, contributors: str,
                     bib_args: list[str], build_cache: Path, highlight_cache: JsonCache):
    """Each chapter on its own through the same filter chain, numbered from the index.

    A chapter is parsed, indexed and rendered again only when its key changes: its
    text, its starting counters, the index entries it uses (the labels it defines and
    cross-references; all of them and the recommendations for the summary; the
    contributors for their list; the works cited in the book and the bibliography when
    it cites or lists them), the toolkit, filters and pandoc. A chapter whose work is all
    cached is not even read back from its parse. Footnotes and code blocks are numbered
    across the book afterwards (:func:`report.render.html.split`), as one HTML document
    would number them. Returns what :func:`render` keeps, or raises InputError.
    """
    chapters = manuscript.chapters
    index_cache = index.IndexCache(build_cache / "index")
    cache = JsonCache(build_cache / "render")
    cites_cache = JsonCache(build_cache / "cites")
    chain, files = _chain_key(), _files_key(bib_args)
    book_key = digest(files, contributors, manuscript.manifest.language)
    saved = _saved_chapter(manuscript, parse_cache, book_key)
    if saved is not None:
        _render_saved(manuscript, saved, parse_cache, index_cache, cache, cites_cache,
                      bib_args, files)
    facts = index.cached_facts(chapters, index_cache)
    unseen = [i for i, found in enumerate(facts) if found is None]
    wrappers, parsed, problems = parse.parse_chapters([chapters[i] for i in unseen],
                                                      parse_cache)
    if problems:
        raise InputError(problems)
    wrapper_at = dict(zip(unseen, wrappers, strict=True))
    for i, wrapper, result in zip(unseen, wrappers, parsed, strict=True):
        facts[i] = index.learn_facts(chapters[i], wrapper, result["api"], index_cache)
    book_facts = [f for f in facts if f is not None]
    api = book_facts[0].api if book_facts else [1, 23, 1]
    # Which code classes name no syntax, for filters/emit.lua: asked of pandoc (a class not
    # seen before, once per binary) on the side, while the index runs its pandoc processes
    # one at a time; every class of the book, so that a later edit finds them known.
    asking = ThreadPoolExecutor(max_workers=1)
    plain_asked = asking.submit(highlighting.plain_classes,
                                [c for f in book_facts for c in f.code_classes],
                                highlight_cache, api)
    asking.shutdown(wait=False)
    resources, problems = source.check(manuscript, [
        (c, f.references) for c, f in zip(chapters, book_facts, strict=True)])
    if problems:
        raise InputError(problems)

    def wrapper_of(i: int) -> dict:
        if i not in wrapper_at:
            wrapper_at[i] = parse.parse_chapters([chapters[i]], parse_cache)[0][0]
        return wrapper_at[i]

    book = index.build(chapters, book_facts, wrapper_of, index_cache)
    book_meta = book.meta()
    # The whole index, for the key of a chapter that holds the summary: written once.
    book_meta_key = functools.cache(lambda: json.dumps(book_meta, sort_keys=True))
    refs_anywhere = any(f.refs for f in book.facts)
    nocite = " ".join(f"@{{{key}}}" for key in book.cites)
    jobs = []
    for i, (chapter, entry, facts) in enumerate(
            zip(chapters, book.chapters, book.facts, strict=True)):
        # citeproc puts the references list where the book has a "refs" Div, else after
        # the last chapter; in another chapter's run it lands after the chapter, and is
        # dropped there (filters/chapterwise.lua; not suppressed: citations then would
        # not link to it).
        lists_refs = facts.refs or (not refs_anywhere and i == len(chapters) - 1)
        cites = bool(facts.cites) or lists_refs or facts.summary
        # Only the index entries the chapter uses: a smaller document renders faster.
        used = {label: book.labels.get(label) for label in (*entry.order, *facts.xrefs)}
        chapter_meta = dict(book_meta) if facts.summary else {"report-labels": {
            "t": "MetaMap", "c": {k: v for k, v in used.items() if v is not None}}}
        # Everything the render is made from but the chapter's text, the filters it
        # runs included (chosen from its facts): a save renders the new text with the
        # old context (_render_saved), which is right only where the context is equal.
        filters = _chain_for(facts)
        context = digest(chain, json.dumps(entry.start, sort_keys=True),
                         manuscript.manifest.language, json.dumps(used, sort_keys=True),
                         book_meta_key() if facts.summary else "",
                         contributors if facts.contributors else "",
                         f"{files}\0{nocite}\0{lists_refs}" if cites else "",
                         json.dumps([filters, cites, lists_refs, facts.summary]))
        chapter_meta["report-start"] = index.meta_counters(entry.start)
        jobs.append(_Job(digest(index.chapter_key(chapter), context), context, chapter, i,
                         chapter_meta, lists_refs, cites, facts.summary, filters))
    results: list[dict | None] = []
    for job in jobs:
        cached = cache.get(job.key)
        ok = isinstance(cached, dict) and isinstance(cached.get("blocks"), str) \
            and {"html", "warnings", "code", "citable"} <= set(cached)
        results.append({**cached, "problems": []} if ok else None)
    misses = [job for job, result in zip(jobs, results, strict=True) if result is None]
    base_meta = {**_book_meta(manuscript, contributors), "nocite": nocite}
    _citations_kept(jobs, misses, cites_cache, digest(files, json.dumps(base_meta)))
    plain = plain_asked.result()
    # A few chapters a pandoc process, one process a core at a time (report.render.batches)
    groups = [[misses[n] for n in group]
              for group in batches.dealt([len(job.chapter.body) for job in misses])]
    inputs = [[wrapper_of(job.position) for job in group] for group in groups]
    with ThreadPoolExecutor(max_workers=max(1, min(len(groups), batches.cores()))) as pool:
        done = pool.map(lambda group, wrappers: _render_batch(
            manuscript, api, group, wrappers, base_meta, bib_args, plain), groups, inputs)
        rendered = {job.key: out for group, outs in zip(groups, done, strict=True)
                    for job, out in zip(group, outs, strict=True)}
    for i, job in enumerate(jobs):
        if results[i] is None:
            out = rendered[job.key]
            results[i] = out
            _keep_render(job, out, cache, cites_cache)
    problems = list(dict.fromkeys(p for r in results for p in r["problems"]))
    warnings = list(dict.fromkeys(w for r in results for w in r["warnings"]))
    # As pandoc writes a document, "meta" before "blocks": see _meta_of.
    cited_recs = next((r["recs"] for r in results if r.get("recs")), None)
    if cited_recs:
        book_meta = {**book_meta, "report-recommendations": cited_recs}
    offsets = []
    numbered = 0  # citable blocks with a number in the chapters so far
    for result in results:
        offsets.append(numbered)
        numbered += sum(1 for entry in result["citable"] if _meta_field(entry, "number"))

    def citable() -> list[dict]:
        return [entry for result, by in zip(results, offsets, strict=True)
                for entry in _shift_citable(result["citable"], by)]

    def blocks() -> list[Blocks]:
        return [Blocks(digest("chapter", result["blocks"], str(by)),
                       partial(_numbered_on, result["blocks"], by),
                       digest("chapter", result["blocks"]))
                for result, by in zip(results, offsets, strict=True)]

    def document() -> bytes:
        runs = (run.make() for run in blocks())
        return "".join(('{"pandoc-api-version":', json.dumps(api), ',"meta":',
                        json.dumps(book_meta, separators=(",", ":")), ',"blocks":[',
                        ",".join(run for run in runs if run), "]}")).encode("utf-8")

    if problems:
        raise InputError(problems)
    global _last_book
    _last_book = _Book(manuscript.root, [index.chapter_key(c) for c in chapters],
                       [c.rel for c in chapters], jobs, book.chapters, book_key, api, base_meta,
                       plain)
    cuts = html.cut([r["html"] for r in results], [r["code"] for r in results])
    chapters_html = (lambda: html.numbered_on(cuts, offsets),
                     [chapter for cut in cuts for chapter in cut])
    return (document, blocks, api, book_meta, citable, chapters_html, warnings, resources,
            [cache, index_cache, cites_cache], plain)


def render(manuscript: Manuscript, whole_book: bool = False) -> Rendered:
    """Render the manuscript; raise :class:`InputError` with every problem found.

    Chapter by chapter from the cached parses and the whole-book index, unless
    ``whole_book`` asks for the single pandoc run over the book it is tested against, or
    the citation style needs it (:func:`_citations_order_free`).
    """
    problems: list[Problem] = []
    text = "\0".join(f"{c.rel}\0{c.kind}\0{c.label}\0{c.title}\0{c.draft}\0{c.body}"
                     for c in manuscript.chapters)
    contributors = _contributors_markdown(manuscript)
    bib_args, bib_problems = _bibliography_args(manuscript)
    problems += bib_problems
    if problems:
        raise InputError(problems)
    key = _cache_key(text, contributors, bib_args + (["whole-book"] if whole_book else []))
    # One render at a time: a second asking for the same one (``report serve`` renders a
    # saved chapter ahead, while MkDocs loads its configuration) waits and finds it.
    with _RENDERING:
        if key in _memo and _memo[key].manuscript.root == manuscript.root:
            return _memo[key]
        caches_saved()
        forget_unused()
        return _render(manuscript, whole_book, key, contributors, bib_args)


# A long-lived process's caches of the last render, not yet written, and the thread that
# writes them (see _render).
_pending: list | None = None
_saving: threading.Thread | None = None
# Whether a render keeps its caches unwritten for its caller (caches_held).
_holding = False


@contextlib.contextmanager
def caches_held() -> Iterator[None]:
    """Within, a render keeps its caches unwritten, as ``report serve``'s renders do: the
    caller writes them (:func:`caches_saved`) or drops them (:func:`caches_dropped`).

    A build renders beside its checks (``report.build.checked_render``). The render itself
    finds nothing wrong with a name without consent; the checks refuse the build for it.
    Written as the render ended, its parse and render entries, the name in them, would
    stay in ``build/.cache`` after the refusal."""
    global _holding
    saved, _holding = _holding, True
    try:
        yield
    finally:
        _holding = saved


def caches_dropped() -> None:
    """Forget the last render's caches unwritten: the build that held them was refused."""
    global _pending
    _pending = None


def _save(caches: list) -> None:
    from report.manuscript.contributors import keep_unkept

    for each in caches:
        each.save()
    keep_unkept()  # a first render's register, read before there was a build/
    for each in caches[1:]:  # the parses are kept: a reverted edit finds its parse again
        each.prune()


def caches_saving() -> None:
    """Start writing the last render's caches in a thread: ``report serve`` calls this
    once the site is written, so the writing does not take turns with the page's layout."""
    global _pending, _saving
    if _pending is not None and _saving is None:
        caches, _pending = _pending, None
        _saving = threading.Thread(target=_save, args=(caches,), name="report-caches-save")
        _saving.start()


def caches_saved() -> None:
    """Wait until the last render's caches are written, writing them if no thread has
    started to (the next render and the end of ``report serve`` call this)."""
    global _pending, _saving
    if _saving is not None:
        _saving.join()
        _saving = None
    if _pending is not None:
        caches, _pending = _pending, None
        _save(caches)


def _render(manuscript: Manuscript, whole_book: bool, key: str, contributors: str,
            bib_args: list[str]) -> Rendered:
    """The work of :func:`render`, under its lock."""
    build_cache = manuscript.build_dir / ".cache"
    cache = parse.ParseCache(build_cache / "parse")
    highlight_cache = JsonCache(build_cache / "highlight")
    caches: list = [cache, highlight_cache]
    if whole_book or not _citations_order_free(bib_args):
        document, parse_problems = parse.parse_document(manuscript, cache)
        resources, gate_problems = source.gate(manuscript, document)
        if parse_problems or gate_problems:
            raise InputError(parse_problems + gate_problems)
        unnumbered = blocks = api = None
        ast, chapters, warnings, problems, plain, entries = _render_whole_book(
            manuscript, document, contributors, bib_args, highlight_cache)
        if problems:
            raise InputError(problems)
        meta = _meta_of(ast)
        citable = lambda: citable_of(entries)  # noqa: E731
    else:
        # The document and its citable blocks are made when asked for (see Rendered),
        # the metadata handed over as built, not decoded from the document again.
        (document, blocks, api, meta, entries, (chapters, unnumbered), warnings,
         resources, more, plain) = _render_chapters(manuscript, cache, contributors, bib_args,
                                                    build_cache, highlight_cache)
        ast = document
        citable = lambda: citable_of(entries())  # noqa: E731
        caches += more
    if remembering() or _holding:
        # A long-lived process (report serve) writes them once the page is out
        # (caches_saving); the next render, and the end of the process, wait for it. A
        # build writes them once its checks have passed (caches_held).
        global _pending
        _pending = caches
    else:
        _save(caches)
    labels, recs = _labels_from(meta)
    rendered = Rendered(manuscript, ast, chapters, labels, recs, key, warnings, resources,
                        citable, plain, _unnumbered=unnumbered, _blocks=blocks,
                        _api=api)
    _memo.clear()
    _memo[key] = rendered
    return rendered
