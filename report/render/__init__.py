"""Render the manuscript once: pandoc with the report's Lua filters, then HTML.

Every edition lays out what this produces, which is why they all show the same words,
recommendation numbers, citations and footnotes. The filtered pandoc document (JSON) is
kept too: the Word and EPUB editions are written from it by pandoc's own writers.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from report import __version__
from report.errors import InputError, Problem
from report.manuscript import Manuscript, tree
from report.render import diagnostics, html, pandoc, parse, source
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


@dataclass
class Rendered:
    manuscript: Manuscript
    ast: bytes
    chapters: list[ChapterHTML]
    labels: dict[str, Label]
    recommendations: list[Recommendation]
    key: str
    warnings: list[str] = field(default_factory=list)
    resources: Resources = field(default_factory=Resources)
    citable: list[Citable] = field(default_factory=list)

    def chapter_of(self, label: str) -> str | None:
        found = self.labels.get(label)
        return found.chapter if found else None


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
    for name in FILTER_CHAIN + ("diagnostics.lua", CITABLE_FILTER, "emit.lua"):
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


def _citable_from(meta: dict) -> list[Citable]:
    out = []
    for value in meta.get("report-citable", {}).get("c", []):
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


def render(manuscript: Manuscript) -> Rendered:
    """Render the manuscript; raise :class:`InputError` with every problem found."""
    problems: list[Problem] = []
    text = "\0".join(f"{c.rel}\0{c.kind}\0{c.label}\0{c.title}\0{c.draft}\0{c.body}"
                     for c in manuscript.chapters)
    contributors = _contributors_markdown(manuscript)
    bib_args, bib_problems = _bibliography_args(manuscript)
    problems += bib_problems
    if problems:
        raise InputError(problems)
    key = _cache_key(text, contributors, bib_args)
    if key in _memo and _memo[key].manuscript.root == manuscript.root:
        return _memo[key]
    cache = parse.ParseCache(manuscript.build_dir / ".cache" / "parse")
    document, parse_problems = parse.parse_document(manuscript, cache)
    resources, gate_problems = source.gate(manuscript, document)
    if parse_problems or gate_problems:
        raise InputError(parse_problems + gate_problems)
    with tempfile.TemporaryDirectory(prefix="report-render-") as tmp:
        tmpdir = Path(tmp)
        diag_path = tmpdir / "diagnostics.jsonl"
        meta_path = tmpdir / "meta.yaml"
        meta = {"lang": manuscript.manifest.language, "link-citations": True,
                "report-contributors": contributors or ""}
        meta_path.write_text(json.dumps(meta), encoding="utf-8")
        args = ["-f", "json", "-t", "json", "--metadata-file", str(meta_path),
                "-M", f"report-diagnostics={diag_path}",
                "--resource-path", str(manuscript.root / manuscript.manifest.docs_dir)]
        for name in FILTER_CHAIN:
            args += ["--lua-filter", pandoc.filter_path(name)]
        html_path = tmpdir / "document.html"
        args += ["--citeproc", *bib_args, "-M", f"report-html-out={html_path}",
                 "--lua-filter", pandoc.filter_path(CITABLE_FILTER),
                 "--lua-filter", pandoc.filter_path("emit.lua")]
        result = pandoc.run(args, stdin=json.dumps(document).encode("utf-8"))
        html_out = html_path.read_text(encoding="utf-8") if html_path.exists() else ""
        problems += diagnostics.from_filters(manuscript, diag_path)
        problems += diagnostics.from_pandoc(manuscript, result.warnings)
    if problems:
        raise InputError(problems)
    cache.save()
    ast = result.stdout
    meta_json = _meta_of(ast)
    labels, recs = _labels_from(meta_json)
    chapters = html.split(html_out)
    rendered = Rendered(manuscript, ast, chapters, labels, recs, key, result.warnings, resources,
                        _citable_from(meta_json))
    _memo.clear()
    _memo[key] = rendered
    return rendered
