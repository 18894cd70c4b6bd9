"""Chapter-level, cached and parallel layout of a PDF edition.

WeasyPrint lays out a whole document in one pass, on one core, holding every page in
memory: a 470-page book takes about a minute and 600 MB, and a one-word edit costs all of
it again. Here each part of the book (the front matter, then each chapter) is laid out on
its own, in parallel, and cached by a hash of its HTML, the CSS, the fonts and the
toolkit version. The parts are then assembled with pikepdf.

What makes the cache sound is that a part's layout never depends on where it lands:

- every chapter starts on a right-hand page (a blank page is inserted where needed), so
  its left/right pages, running heads and margins are the same wherever it falls;
- footnotes are numbered from 1 in each chapter;
- folios, the only thing that depends on position, are laid out in separate one-line
  layers (one page per book page, blank pages included, in layers of 64 pages that
  depend on nothing but their numbers) and stamped onto the pages at assembly;
- the front matter, whose contents and summary of recommendations print the pages of
  labels in later parts, gets those numbers as literal text from the page map and is laid
  out last; its own length changes nothing after it, because the main matter restarts at
  page 1 on a right-hand page.

So the page map is stable after one pass, and a chapter is laid out again only when its
own HTML changes. In the print edition, cross-references between parts carry no links
(the printer's file needs none). The digital edition is laid out from the same parts with
the same page map, each part tagged (``tagged=True``): links to another part are laid out
as links to a placeholder address and become GoTo actions to named destinations when
``report.editions.tagged.merge_parts`` merges the parts' structure trees into one; its
blank versos are left out (its page labels keep the printed numbers), and the folios and
the draft stamp are stamped on as pagination artifacts.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import lxml.html
import pikepdf

from report import __version__
from report.editions import page_map
from report.editions import tagged as tagging
from report.editions.context import BuildContext
from report.editions.pdf import (
    STYLES,
    collect_after_each_layout,
    folio,
    layout,
    pdf_bytes,
    set_page_labels,
)
from report.outputs import (
    children_folder,
    die_with_parent,
    in_children_folder,
    signals_held,
    write_bytes,
    write_text,
)
from report.render.cache import file_digest

CACHE_VERSION = "7"  # 2: tagged parts record the pages they kept; 3: footnote links,
# joined Sects; 4: folio layers of FOLIO_CHUNK pages; 5: tagged parts carry their IDTree;
# 6: keyed by the part HTML's SHA-256; 7: parts record the files they read (images)
_NO_FOLIOS = ("@page :left { @bottom-left { content: none; } } "
              "@page :right { @bottom-right { content: none; } }")


@dataclass(frozen=True)
class LayoutJob:
    """One part of the book to lay out: everything the layout depends on is here."""

    key: str
    document: str
    out: str
    base_url: str
    root: str
    stylesheets: tuple[str, ...]
    extra_css: str
    options: tuple[tuple[str, str], ...]
    tagged: bool = False
    descriptions: tuple[tuple[str, str], ...] = ()
    cmyk: str | None = None  # PartsSpec.cmyk


@dataclass(frozen=True)
class LaidOut:
    """A part's page count and anchors as laid out (blank pages included: the page map
    counts them), for a tagged part the pages it kept (blank ones left out), and the
    files of the tree the layout read (its images: path from the root, SHA-256)."""

    pages: int
    anchors: dict[str, int]
    kept: list[int] | None = None
    read: dict[str, str] = field(default_factory=dict)


def _fingerprint(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in (CACHE_VERSION, __version__, *parts):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _styles_fingerprint(stylesheets: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for path in sorted((STYLES).rglob("*")):
        if path.is_file() and (path.suffix in (".css", ".ttf")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    digest.update("|".join(stylesheets).encode())
    return digest.hexdigest()


def _lay_out(job: LayoutJob) -> LaidOut:
    """Lay out one part into the cache (run in a worker process)."""
    kept: list[int] = []
    extra: dict = {}
    if job.tagged:
        def prepare(laid_out):
            """A screen edition has no blank versos."""
            blank = set(tagging.blank_pages(laid_out))
            kept.extend(i for i in range(len(laid_out.pages)) if i not in blank)
            return laid_out.copy([laid_out.pages[i] for i in kept])

        extra = {"prepare": prepare, "descriptions": dict(job.descriptions),
                 "id_prefix": f"{job.key}-"}
    if job.cmyk is not None:
        from report.editions.printed import convert_part

        extra["finish"] = functools.partial(convert_part,
                                            profile=Path(job.cmyk) if job.cmyk else None)
    read: dict[str, str] = {}
    pages, anchors = layout(job.document, Path(job.out), Path(job.base_url), Path(job.root),
                            list(job.stylesheets), job.extra_css, read=read, **extra,
                            **dict(job.options))
    result = LaidOut(pages, anchors, kept if job.tagged else None, read)
    write_text(Path(job.out).with_suffix(".json"), json.dumps(asdict(result)))
    return result


def _cached(job: LayoutJob) -> LaidOut | None:
    """The cached layout of ``job``, or None: a missing, truncated or damaged entry (a
    full disk, a killed build) is a miss and is laid out again, never an error. So is
    one that read a file which has changed since (an image replaced under the same
    name: the part's HTML, which keys the entry, is the same)."""
    pdf, meta = Path(job.out), Path(job.out).with_suffix(".json")
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        with pdf.open("rb") as part:
            head = part.read(5)
            part.seek(max(0, pdf.stat().st_size - 1024))
            tail = part.read()
    except (OSError, ValueError):
        return None
    pages, anchors, kept, read = ((data.get("pages"), data.get("anchors"), data.get("kept"),
                                   data.get("read"))
                                  if isinstance(data, dict) else (None, None, None, None))
    if (head != b"%PDF-" or b"%%EOF" not in tail or not isinstance(pages, int) or pages < 1
            or not isinstance(anchors, dict)
            or not all(isinstance(k, str) and isinstance(v, int) for k, v in anchors.items())
            or (kept is not None and not (isinstance(kept, list)
                                          and all(isinstance(i, int) for i in kept)))
            or not isinstance(read, dict) or not _unchanged(Path(job.root), read)):
        return None
    return LaidOut(pages, anchors, kept, read)


def _unchanged(root: Path, read: dict) -> bool:
    """Whether the tree's files a kept layout read are still as it read them. An entry
    naming a file outside the tree (not one the gate gives out: a planted entry) is a
    miss, and that file is not read."""
    root = root.resolve()
    for name, digest in read.items():
        path = (root / str(name)).resolve()
        if not isinstance(digest, str) or root not in path.parents \
                or file_digest(path) != digest:
            return False
    return True


class Workers:
    """The layout worker processes of one build, started when first needed and kept for
    its second round: the workers' parsed stylesheets and font caches
    (``report.editions.pdf``) serve both rounds, and the processes start once. A build
    of both PDFs shares one (``BuildContext.layout_workers``): the digital edition's
    chapters are handed to it while the print edition's front matter is laid out and
    its book assembled (:func:`lay_out_ahead`), so no core waits for the other's work.
    Jobs are known by their cache file, which names the edition and the part's content.

    The workers' temporary files (WeasyPrint's font folders) go in a folder of this
    process's, removed when the workers are closed or this process ends
    (``report.outputs.children_folder``)."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._submitted: dict[str, Future] = {}
        self._folder: weakref.finalize | None = None

    def submit(self, jobs: list[LayoutJob]) -> None:
        """Start laying out ``jobs`` (those not started already), in this order."""
        if self._pool is None:
            folder, self._folder = children_folder(self, "report-layout-")
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             initializer=_start_worker, initargs=(folder,))
        with signals_held():  # the pool forks its workers as jobs come
            for job in jobs:
                if job.out not in self._submitted:
                    self._submitted[job.out] = self._pool.submit(_lay_out, job)

    def started(self, job: LayoutJob) -> bool:
        return job.out in self._submitted

    @property
    def queued(self) -> int:
        """How many jobs handed to the workers are not laid out yet (running or queued)."""
        return sum(not future.done() for future in self._submitted.values())

    @property
    def busy(self) -> bool:
        """Whether jobs were handed to the workers whose results were not taken."""
        return bool(self._submitted)

    def result(self, job: LayoutJob) -> LaidOut:
        """``job``'s layout, waiting for it (a worker's error is raised here)."""
        return self._submitted.pop(job.out).result()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self.close(cancel=exc[0] is not None)

    def close(self, cancel: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=cancel)
            self._pool = None
            self._submitted.clear()
        if self._folder is not None:
            self._folder()  # the workers have ended: their temporary files go
            self._folder = None


def _start_worker(folder: str) -> None:
    """A layout worker's start: it dies with the build, keeps its temporary files in
    ``folder`` (the build's, see :class:`Workers`), and collects its garbage after each
    layout rather than during it."""
    die_with_parent()
    in_children_folder(folder)
    collect_after_each_layout()


def run_jobs(jobs: list[LayoutJob], workers: int,
             pool: Workers | None = None) -> dict[str, LaidOut]:
    """Lay out what the cache does not hold yet; in parallel when ``workers`` > 1 (in
    ``pool`` when given, where some may have been started already)."""
    results: dict[str, LaidOut] = {}
    todo, waiting = [], []
    for job in jobs:
        if pool is not None and pool.started(job):
            waiting.append(job)
            continue
        cached = _cached(job)
        if cached is None:
            todo.append(job)
        else:
            results[job.key] = cached
    if (len(todo) > 1 or waiting) and workers > 1:
        # Largest parts first, so one long chapter does not finish last on its own.
        todo.sort(key=lambda job: len(job.document), reverse=True)
        with contextlib.ExitStack() as stack:
            if pool is None:
                pool = stack.enter_context(Workers(min(workers, len(todo))))
            pool.submit(todo)
            for job in (*waiting, *todo):
                results[job.key] = pool.result(job)
    else:
        for job in waiting:
            results[job.key] = pool.result(job)
        for job in todo:
            results[job.key] = _lay_out(job)
    return results


FOLIO_CHUNK = 64
"""Folios are laid out in layers of this many pages (an even number, so each layer
starts on a right-hand page as its first folio does)."""


def _folio_layer(context: BuildContext, first: int, count: int) -> str:
    """Pages ``first`` to ``first + count - 1`` of the main matter, each carrying nothing
    but its arabic folio. Page n of the book is always layer page n (blank pages are
    numbered too; the assembly puts no folio on them), so a layer depends only on its
    numbers: it is laid out once, and a book that grows lays out only its new last layer.
    The draft stamp is a layer of its own, so a new commit does not lay out the folios
    again."""
    body = '<div class="folio-page"></div>' * count
    return (f'<!DOCTYPE html><html lang="{context.manuscript.manifest.language}"><head>'
            '<meta charset="utf-8"><title>folios</title><style>'
            ".folio-page { break-after: page; height: 1px; } "
            f"@page :first {{ counter-reset: page {first}; }} "
            "@page { marks: none; @top-left { content: none; } @top-right { content: none; } "
            "@bottom-center { content: none; } }"
            f"</style></head><body>{body}</body></html>")


def _folio(sources: dict[str, pikepdf.Pdf], number: int) -> pikepdf.Page:
    """The layer page that carries folio ``number``."""
    start = (number - 1) // FOLIO_CHUNK * FOLIO_CHUNK + 1
    return sources[f"folios-{start}"].pages[number - start]


@dataclass(frozen=True)
class PartsSpec:
    """How an edition's parts are laid out: its stylesheets, the CSS it adds (``layer_css``
    holds what depends on the commit rather than the text, the draft stamp: it goes on
    the folio layer and the front matter only, so committing does not invalidate the
    layout of every chapter), WeasyPrint's options, and whether each part is tagged and
    their structure merged (the digital edition)."""

    stylesheets: tuple[str, ...]
    extra_css: str
    options: tuple[tuple[str, str], ...]
    layer_css: str = ""
    edition: str = "print"
    tagged: bool = False
    # The print edition's parts are made CMYK as they are laid out, to the output profile
    # at this path ("": the plain conversion; report.editions.printed.convert_part).
    cmyk: str | None = None


def parts_spec(stylesheets: list[str], extra_css: str, options: dict, layer_css: str = "",
               *, edition: str = "print", tagged: bool = False,
               cmyk: str | None = None) -> PartsSpec:
    return PartsSpec(tuple(stylesheets), extra_css,
                     tuple(sorted((k, str(v)) for k, v in options.items())), layer_css,
                     edition, tagged, cmyk)


def build_chaptered(context: BuildContext, out: Path, spec: PartsSpec,
                    pages_known: Callable[[int], None] | None = None,
                    finish: Callable[[pikepdf.Pdf], None] | None = None) -> int:
    """Lay out the book part by part, assemble it into ``out``; return its page count.
    ``pages_known`` is told the page count as soon as it is known (the front matter laid
    out), before the assembly: the print edition's cover starts then. ``finish`` is
    given the assembled book before it is saved, once."""
    return lay_out_chaptered(context, spec, pages_known).write(out, finish)


def lay_out_chaptered(context: BuildContext, spec: PartsSpec,
                      pages_known: Callable[[int], None] | None = None) -> Assembly:
    """Lay out the book part by part (:func:`build_chaptered`), ready to be assembled:
    the digital edition assembles it in a process of its own while the build goes on."""
    plan = context.layout_plans.pop(spec, None) or _Plan(context, spec)
    if context.layout_workers is not None:
        return _lay_out_book(context, plan, context.layout_workers, shared=True,
                             pages_known=pages_known)
    with Workers(context.jobs) as workers:
        return _lay_out_book(context, plan, workers, shared=False, pages_known=pages_known)


def lay_out_ahead(context: BuildContext, spec: PartsSpec) -> None:
    """Hand an edition's chapters to the build's shared workers now, to be laid out while
    this process does other work (another edition's assembly); its build takes them up."""
    if context.layout_workers is None or spec in context.layout_plans:
        return
    plan = context.layout_plans[spec] = _Plan(context, spec)
    _round_two_ahead(context, plan)  # the longest part first, when the page map is known
    todo = [job for job in plan.round_one if _cached(job) is None]
    todo.sort(key=lambda job: len(job.document), reverse=True)
    context.layout_workers.submit(todo)


def _round_two_ahead(context: BuildContext, plan: _Plan) -> None:
    """Hand ``plan``'s round two (its front matter, its folio layers) to the shared
    workers from the page map of the edition laid out before it
    (``BuildContext.layout_page_map``), before its own chapters are laid out: both PDFs
    have one pagination (the same parts, the same page map), so the digital edition's
    front matter is laid out beside the print edition's rather than alone at the end of
    the build. A guess its build checks: it makes its round two from its own page map, and
    takes up these layouts only if that gives the same parts (the same cache files);
    otherwise they are laid out again, as without this."""
    if context.layout_page_map is None or plan.round_two_ahead:
        return
    plan.round_two_ahead = True
    jobs = plan.round_two(*context.layout_page_map)
    todo = [job for job in jobs if _cached(job) is None]
    todo.sort(key=lambda job: len(job.document), reverse=True)
    context.layout_workers.submit(todo)


class _Plan:
    """An edition's parts as jobs: the chapters and what depends on nothing else (the
    stamp, the blank page) for round one, and how to make the jobs that depend on the
    page map (the front matter, the folios) for round two."""

    def __init__(self, context: BuildContext, spec: PartsSpec):
        from report.editions.paged import document  # the HTML of each part

        self.context, self.spec = context, spec
        manuscript = context.manuscript
        rendered = context.rendered
        edition, tagged = spec.edition, spec.tagged
        cache = context.path(".cache") / "layout"
        if tagged:  # a cache of its own, so print and digital do not prune each other
            cache = cache / edition
        if context.pack:  # nor the edition and the reviewer pack
            cache = cache / "pack"
        cache.mkdir(parents=True, exist_ok=True)
        self.cache = cache
        # The toolkit's source too (as every other kept output is keyed): a fix in how
        # a part is laid out or tagged is not hidden behind layouts kept from before it.
        from report import fingerprint

        self.styles_key = _fingerprint(_styles_fingerprint(spec.stylesheets),
                                       fingerprint.toolkit(context.path(".")))
        # What the parts' colours are converted to (the profile's content: its path
        # stays when the printer sends a new one).
        self.cmyk_key = (("cmyk:" + (hashlib.sha256(Path(spec.cmyk).read_bytes()).hexdigest()
                                     if spec.cmyk else "plain"))
                         if spec.cmyk is not None else "")
        self.base_url = str(manuscript.root / manuscript.manifest.docs_dir)
        self.descriptions = tagging.link_descriptions(rendered) if tagged else {}
        self.every_id = ({i for c in rendered.chapters for i in c.element.xpath(".//@id")}
                         if tagged else None)
        self.front = [c for c in rendered.chapters if c.kind == "front"]
        self.main = [c for c in rendered.chapters if c.kind != "front"]
        self.part_css = spec.extra_css + _NO_FOLIOS
        self.parts = _PartMemo(cache, context, edition, self.every_id)

        def main_job(chapter) -> LayoutJob:
            """A chapter's job; its paged HTML is made only when the layout is not kept."""
            memo = self.parts.key(chapter, chapter is self.main[0])
            found = self.parts.get(memo)
            if found is not None:
                laid = self.keyed(chapter.label, "", *found, self.part_css)
                if _cached(laid) is not None:
                    return laid
            html, targets = _part_document(document(rendered, context, edition,
                                                    chapters=[chapter], front_pages=False),
                                           False, self.every_id)
            made = (_sha256(html), sorted(targets))
            self.parts.put(memo, made)
            return self.keyed(chapter.label, html, *made, self.part_css)

        self.main_jobs = [main_job(c) for c in self.main]
        self.layers = []
        if spec.layer_css:  # one page, the same on every page: the draft stamp
            self.layers.append(self.job(
                "stamp", '<!DOCTYPE html><html><head><meta charset="utf-8"><style>'
                "@page { marks: none; @top-left { content: none; } @top-right "
                "{ content: none; } @bottom-left { content: none; } @bottom-right"
                " { content: none; } }</style></head><body></body></html>",
                spec.layer_css, layer=True))
        if not tagged:
            self.layers.append(self.job(
                "blank", '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
                '<body></body></html>', self.part_css, layer=True))
        self.round_one = [*self.main_jobs, *self.layers]
        self.round_two_ahead = False  # handed to the workers from another edition's map

    def page_map(self, laid: dict[str, LaidOut]
                 ) -> tuple[list[tuple[str, int]], dict[str, str], list[str]]:
        """From round one's layouts: the book's plan (each chapter's job key, or "" for a
        blank page, and its page count), the printed page of every anchor, and the kind
        of every page from page 1 ("page" or "blank"). Every main chapter starts on a
        right-hand (odd) page."""
        plan: list[tuple[str, int]] = []
        page_numbers: dict[str, str] = {}
        next_page = 1
        for main_job in self.main_jobs:
            if next_page % 2 == 0:
                plan.append(("", 1))
                next_page += 1
            result = laid[main_job.key]
            for anchor, index in result.anchors.items():
                page_numbers.setdefault(anchor, str(next_page + index))
            plan.append((main_job.key, result.pages))
            next_page += result.pages
        kinds = ["blank" if key == "" else "page" for key, count in plan for _ in range(count)]
        return plan, page_numbers, kinds

    def round_two(self, page_numbers: dict[str, str], kinds: list[str]) -> list[LayoutJob]:
        """What depends only on the page map: the front matter (its contents and summary
        of recommendations print the pages), and the folio layers."""
        from report.editions.paged import document  # the HTML of each part

        spec = self.spec
        front_job = self.job("front", document(self.context.rendered, self.context,
                                               spec.edition, chapters=self.front,
                                               page_numbers=page_numbers),
                             spec.extra_css + spec.layer_css, metadata=True)
        folio_jobs = [self.job(f"folios-{first}", _folio_layer(
            self.context, first, min(FOLIO_CHUNK, len(kinds) - first + 1)), "", layer=True)
            for first in range(1, len(kinds) + 1, FOLIO_CHUNK)]
        return [front_job, *folio_jobs]

    def keyed(self, name: str, html: str, digest: str, targets: list[str], css: str,
              layer: bool = False) -> LayoutJob:
        """The job of a part whose HTML (``html``, or "" when not made: it is laid out
        already) has the SHA-256 ``digest`` and links to ``targets``."""
        spec = self.spec
        tag = spec.tagged and not layer  # layers are stamped on as artifacts, untagged
        used = tuple(sorted((t, self.descriptions[t]) for t in targets
                            if t in self.descriptions))
        job_options = () if spec.tagged and layer else spec.options
        key = _fingerprint(self.styles_key, css, repr(job_options), digest,
                           repr(used) if tag else "", "tagged" if tag else "",
                           *([self.cmyk_key] if self.cmyk_key else []))
        return LayoutJob(name, html, str(self.cache / f"{key}.pdf"), self.base_url,
                         str(self.context.manuscript.root), spec.stylesheets, css,
                         job_options, tag, used if tag else (), spec.cmyk)

    def job(self, name: str, html: str, css: str, metadata: bool = False,
            layer: bool = False) -> LayoutJob:
        html, targets = _part_document(html, metadata, self.every_id
                                       if self.spec.tagged and not layer else None)
        return self.keyed(name, html, _sha256(html), sorted(targets), css, layer)


def _submit(context: BuildContext, workers: Workers, jobs: list[LayoutJob],
            last: bool) -> None:
    """Start ``jobs`` in the build's shared workers, largest first; then, once this
    edition no longer keeps every worker busy (its last round, or a round of fewer parts
    than workers: after an edit), the other editions' chapters
    (``BuildContext.layout_ahead``)."""
    todo = [job for job in jobs if not workers.started(job) and _cached(job) is None]
    todo.sort(key=lambda job: len(job.document), reverse=True)
    workers.submit(todo)
    if last or len(todo) < context.jobs:
        ahead, context.layout_ahead[:] = list(context.layout_ahead), []
        for start in ahead:  # what they add waits for the next edition's turn
            start()


def _lay_out_book(context: BuildContext, layout_plan: _Plan, workers: Workers, shared: bool,
                  pages_known: Callable[[int], None] | None = None) -> Assembly:
    # The chapters and what depends on nothing else (the stamp, the blank page): round one.
    if shared:
        _submit(context, workers, layout_plan.round_one, last=False)
    laid = run_jobs(layout_plan.round_one, context.jobs, workers)

    plan, page_numbers, kinds = layout_plan.page_map(laid)
    page_map.save(context, page_numbers)  # for the Word edition's contents
    # The front matter and the folios depend only on the page map: round two.
    extra_jobs = layout_plan.round_two(page_numbers, kinds)
    if shared:
        if context.layout_page_map is None:  # the first edition's, for the others
            context.layout_page_map = (page_numbers, kinds)
        _submit(context, workers, extra_jobs, last=True)
        for other in list(context.layout_plans.values()):  # those laid out ahead
            _round_two_ahead(context, other)
    laid.update(run_jobs(extra_jobs, context.jobs, workers))
    # The front matter, padded to even, then the main matter.
    pages = laid["front"].pages + laid["front"].pages % 2 + len(kinds)
    if pages_known is not None:
        pages_known(pages)
    if not (shared and (workers.busy or context.layout_plans or context.layout_ahead)):
        workers.close()  # nothing more for them (assembly runs in this process): let go
    every_job = (*layout_plan.main_jobs, *layout_plan.layers, *extra_jobs)
    layout_plan.parts.save()
    if shared:
        early, context.before_assembly[:] = list(context.before_assembly), []
        for start in early:
            start()
    return Assembly(context.rendered, layout_plan.spec.tagged, layout_plan.cache,
                    {j.key: Path(j.out) for j in every_job}, laid, plan, kinds, pages)


@dataclass
class Assembly:
    """A book laid out part by part, each part a PDF in the layout cache, to be assembled
    into one file (:meth:`write`). ``pages``: its page count with blank pages (the print
    edition's; the digital edition drops them)."""

    rendered: object
    tagged: bool
    cache: Path
    paths: dict[str, Path]
    laid: dict[str, LaidOut]
    plan: list[tuple[str, int]]
    kinds: list[str]
    pages: int

    def write(self, out: Path, finish: Callable[[pikepdf.Pdf], None] | None = None) -> int:
        """Assemble the book into ``out`` (``finish`` given it before it is saved); its
        page count. Parts no longer used are then pruned from the cache."""
        if self.tagged:
            total = _assemble_tagged(out, self.paths, self.laid, self.plan, self.rendered,
                                     finish)
        else:
            total = _assemble_print(out, self.paths, self.laid, self.plan, self.kinds,
                                    self.rendered, finish)
        _prune(self.cache, {path.stem for path in self.paths.values()})
        return total


def _assemble_print(out: Path, paths: dict[str, Path], laid: dict[str, LaidOut],
                    plan: list[tuple[str, int]], kinds: list[str], rendered,
                    finish: Callable[[pikepdf.Pdf], None] | None = None) -> int:
    """The print edition: the front matter (padded to even), then every page of the
    plan; folios and stamp overlaid; blank pages unnumbered, as in a single pass."""
    with pikepdf.open(paths["front"]) as book:
        sources = {key: pikepdf.open(path) for key, path in paths.items() if key != "front"}
        stamp = sources.get("stamp")
        try:
            if len(book.pages) % 2 == 1:  # a blank left page before page 1, unnumbered
                book.pages.append(sources["blank"].pages[0])
                if stamp is not None:
                    _overlay(book.pages[-1], stamp.pages[0], "StampLead")
            first_part = len(book.pages)
            for key, count in plan:
                source = sources[key or "blank"]
                for index in range(count):
                    book.pages.append(source.pages[index if key else 0])
            for index, kind in enumerate(kinds):
                page = book.pages[first_part + index]
                if kind != "blank":  # no folio on a blank page, as in a single pass
                    _overlay(page, _folio(sources, index + 1), f"Folio{index + 1}")
                if stamp is not None:
                    _overlay(page, stamp.pages[0], f"Stamp{index + 1}")
            _outline(book, rendered, _print_pages(laid, plan, first_part))
            set_page_labels(book, [folio(index, first_part) for index in range(len(book.pages))])
            if finish is not None:
                finish(book)
            _save(book, out)
            return len(book.pages)
        finally:
            for source in sources.values():
                source.close()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _PartMemo:
    """Each chapter part's HTML, as the layout's key knows it (its SHA-256 and the
    anchors it links to), by what makes it: the chapter's rendered HTML, its kind,
    whether it opens the main matter, the edition, draft or final, the book's title and
    language, the anchors of other parts it links to, and the toolkit (the templates and
    the paged transforms). Making every chapter's paged HTML to hash it was about 0.6 s
    of every corpus build; now only an edited chapter's is made. Kept beside the
    layouts (``parts/``); a damaged entry is a miss."""

    def __init__(self, cache: Path, context: BuildContext, edition: str,
                 every_id: set[str] | None):
        from report import fingerprint
        from report.render.cache import JsonCache

        manifest = context.manuscript.manifest
        self.every_id = every_id
        self.kept = JsonCache(cache / "parts")
        self.setting = _fingerprint(fingerprint.toolkit(context.path(".")), edition,
                                    str(context.draft), manifest.language,
                                    manifest.full_title, str(every_id is not None))

    def key(self, chapter, first_main: bool) -> str:
        linked = ""
        if self.every_id is not None:
            linked = " ".join(sorted({href[1:] for href in chapter.element.xpath(
                ".//a[starts-with(@href, '#')]/@href")} & self.every_id))
        return _fingerprint(self.setting, chapter.kind, str(first_main), linked,
                            chapter.to_string())

    def get(self, key: str) -> tuple[str, list[str]] | None:
        found = self.kept.get(key)
        if not (isinstance(found, dict) and isinstance(found.get("html"), str)
                and isinstance(found.get("targets"), list)
                and all(isinstance(t, str) for t in found["targets"])):
            return None
        return found["html"], found["targets"]

    def put(self, key: str, made: tuple[str, list[str]]) -> None:
        self.kept.put(key, {"html": made[0], "targets": made[1]})

    def save(self) -> None:
        self.kept.save()
        self.kept.prune()


def _part_document(document: str, metadata: bool,
                   every_id: set[str] | None = None) -> tuple[str, set[str]]:
    """A part as laid out on its own, and the anchors its links point at.

    Links to anchors in another part cannot work in the part. The printer's file needs
    none (its page numbers come from the page map): they are dropped. With ``every_id``
    (the digital edition), a link to an anchor the book has points at a placeholder
    address that the assembly makes a GoTo (``report.editions.tagged.CROSS_PART``).
    Without ``metadata``, the document metadata (commit, date, stamp) is dropped too: only
    the front matter's PDF, the base of the book, carries it."""
    tree = lxml.html.document_fromstring(document)
    if not metadata:
        for meta in tree.xpath("//head/meta[@name]"):
            meta.getparent().remove(meta)
    ids = set(tree.xpath("//@id"))
    targets: set[str] = set()
    for link in tree.xpath("//a[starts-with(@href, '#')]"):
        anchor = link.get("href")[1:]
        if anchor in ids:
            targets.add(anchor)
        elif every_id is not None and anchor in every_id:
            link.set("href", tagging.CROSS_PART + anchor)
            targets.add(anchor)
        else:
            del link.attrib["href"]
    return lxml.html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>"), targets


def _overlay(page: pikepdf.Page, layer: pikepdf.Page, name: str,
             artifact: bool = False) -> None:
    """Draw a layer's page over a book page, as ``Page.add_overlay`` does, but under a
    fixed resource name: add_overlay draws a random one, and the same commit must give
    the same bytes. Names are unique per page (``Folio12``) because blank pages appended
    from one source share their resources. In a tagged PDF the layer (folio, stamp) is a
    pagination artifact."""
    name = pikepdf.Name(f"/{name}")
    form = layer.as_form_xobject()
    page.add_resource(form, pikepdf.Name.XObject, name=name)
    placement = page.calc_form_xobject_placement(form, name, pikepdf.Rectangle(page.trimbox))
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"Q\n")
    if artifact:
        placement = (b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n" + placement
                     + b"\nEMC\n")
    page.contents_add(placement)
    page.contents_coalesce()


def _print_pages(laid: dict[str, LaidOut], plan: list[tuple[str, int]],
                 first_part: int) -> dict[str, int]:
    """The page index of every anchor in the print edition's book."""
    page_of: dict[str, int] = dict(laid["front"].anchors)
    index = first_part
    for key, count in plan:
        if key in laid:  # a chapter; not a blank page
            for anchor, offset in laid[key].anchors.items():
                page_of.setdefault(anchor, index + offset)
        index += count
    return page_of


def _assemble_tagged(out: Path, paths: dict[str, Path], laid: dict[str, LaidOut],
                     plan: list[tuple[str, int]], rendered,
                     finish: Callable[[pikepdf.Pdf], None] | None = None) -> int:
    """The digital edition: the front matter, then every chapter, without blank pages;
    one structure tree; folios and stamp as artifacts; labels with the printed numbers."""
    with pikepdf.open(paths["front"]) as book:
        sources = {key: pikepdf.open(path) for key, path in paths.items() if key != "front"}
        try:
            front = laid["front"]
            kept = front.kept or []
            # The digital front opens with the cover, which is not counted (paged.css):
            # it is labelled "Cover", and the title page is i as in print.
            title = kept[1] if len(kept) > 1 else 1
            folios = [("Cover", 0) if index == 0 else ("r", index - title + 1)
                      for index in kept]
            page_of = {anchor: kept.index(index) for anchor, index in front.anchors.items()
                       if index in kept}
            parts, stamped = [], []  # stamped: (book page, printed main page number)
            printed = 1
            for key, count in plan:
                if key:
                    result = laid[key]
                    part_kept = result.kept or []
                    start = len(folios)
                    for position, index in enumerate(part_kept):
                        stamped.append((start + position, printed + index))
                        folios.append(("D", printed + index))
                    for anchor, index in result.anchors.items():
                        if index in part_kept:
                            page_of.setdefault(anchor, start + part_kept.index(index))
                    parts.append((key, sources[key]))
                printed += count
            tagging.merge_parts(book, "front", parts)
            stamp = sources.get("stamp")
            for page_index, number in stamped:
                page = book.pages[page_index]
                _overlay(page, _folio(sources, number), f"Folio{number}",
                         artifact=True)
                if stamp is not None:
                    _overlay(page, stamp.pages[0], f"Stamp{number}", artifact=True)
            _outline(book, rendered, page_of)
            set_page_labels(book, folios)
            if finish is not None:
                finish(book)
            _save(book, out)
            return len(book.pages)
        finally:
            for source in sources.values():
                source.close()


def _save(book: pikepdf.Pdf, out: Path) -> None:
    write_bytes(out, pdf_bytes(book))


def _outline(book: pikepdf.Pdf, rendered, page_of: dict[str, int]) -> None:
    """Bookmarks for every chapter and numbered section, from the parts' anchors."""
    from report.editions.paged import contents

    with book.open_outline() as outline:
        outline.root.clear()
        current = None
        for entry in contents(rendered):
            if entry.id not in page_of:
                continue
            title = f"{entry.number} {entry.title}" if entry.number else entry.title
            item = pikepdf.OutlineItem(title, page_of[entry.id])
            if entry.level == 1 or current is None:
                outline.root.append(item)
                current = item
            else:
                current.children.append(item)


def _prune(cache: Path, keep: set[str]) -> None:
    """Keep the cache to what the latest build used, plus a little history."""
    entries = sorted(cache.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[len(keep) * 3:]:
        if stale.stem not in keep:
            stale.unlink(missing_ok=True)
            stale.with_suffix(".json").unlink(missing_ok=True)
    for path in cache.glob(f"*{os.extsep}tmp"):
        path.unlink(missing_ok=True)
