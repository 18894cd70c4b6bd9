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
- folios, the only thing that depends on position, are laid out in a separate one-line
  layer (one page per book page) and stamped onto the pages at assembly;
- the front matter, whose contents and summary of recommendations print the pages of
  labels in later parts, gets those numbers as literal text from the page map and is laid
  out last; its own length changes nothing after it, because the main matter restarts at
  page 1 on a right-hand page.

So the page map is stable after one pass, and a chapter is laid out again only when its
own HTML changes. Cross-references between parts carry no page numbers and no links (the
printer's file needs neither); the digital edition, which needs working links and one
structure tree, stays single-pass.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import lxml.html
import pikepdf

from report import __version__
from report.editions import page_map
from report.editions.context import BuildContext
from report.editions.pdf import STYLES, layout
from report.outputs import die_with_parent, write_bytes, write_text

CACHE_VERSION = "1"
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


@dataclass(frozen=True)
class LaidOut:
    pages: int
    anchors: dict[str, int]


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
    pages, anchors = layout(job.document, Path(job.out), Path(job.base_url), Path(job.root),
                            list(job.stylesheets), job.extra_css, **dict(job.options))
    result = LaidOut(pages, anchors)
    write_text(Path(job.out).with_suffix(".json"), json.dumps(asdict(result)))
    return result


def _cached(job: LayoutJob) -> LaidOut | None:
    """The cached layout of ``job``, or None: a missing, truncated or damaged entry (a
    full disk, a killed build) is a miss and is laid out again, never an error."""
    pdf, meta = Path(job.out), Path(job.out).with_suffix(".json")
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        with pdf.open("rb") as part:
            head = part.read(5)
            part.seek(max(0, pdf.stat().st_size - 1024))
            tail = part.read()
    except (OSError, ValueError):
        return None
    pages, anchors = (data.get("pages"), data.get("anchors")) if isinstance(data, dict) \
        else (None, None)
    if (head != b"%PDF-" or b"%%EOF" not in tail or not isinstance(pages, int) or pages < 1
            or not isinstance(anchors, dict)
            or not all(isinstance(k, str) and isinstance(v, int) for k, v in anchors.items())):
        return None
    return LaidOut(pages, anchors)


def run_jobs(jobs: list[LayoutJob], workers: int) -> dict[str, LaidOut]:
    """Lay out what the cache does not hold yet; in parallel when ``workers`` > 1."""
    results: dict[str, LaidOut] = {}
    todo = []
    for job in jobs:
        cached = _cached(job)
        if cached is None:
            todo.append(job)
        else:
            results[job.key] = cached
    if len(todo) > 1 and workers > 1:
        # Largest parts first, so one long chapter does not finish last on its own.
        todo.sort(key=lambda job: len(job.document), reverse=True)
        with ProcessPoolExecutor(max_workers=min(workers, len(todo)),
                                 initializer=die_with_parent) as pool:
            for job, result in zip(todo, pool.map(_lay_out, todo), strict=True):
                results[job.key] = result
    else:
        for job in todo:
            results[job.key] = _lay_out(job)
    return results


def _folio_layer(context: BuildContext, kinds: list[str]) -> str:
    """One page per page of the main matter, carrying nothing but its arabic folio (none
    on a blank page, as in a single-pass layout). The draft stamp is a layer of its own,
    so a new commit does not lay out the folios again."""
    body = "".join(f'<div class="folio-page {kind}"></div>' for kind in kinds)
    return (f'<!DOCTYPE html><html lang="{context.manuscript.manifest.language}"><head>'
            '<meta charset="utf-8"><title>folios</title><style>'
            ".folio-page { break-after: page; height: 1px; } .blank { page: blank; } "
            "@page blank { @bottom-left { content: none; } @bottom-right { content: none; } } "
            "@page { marks: none; @top-left { content: none; } @top-right { content: none; } "
            "@bottom-center { content: none; } }"
            f"</style></head><body>{body}</body></html>")


def build_chaptered(context: BuildContext, out: Path, stylesheets: list[str],
                    extra_css: str, options: dict, layer_css: str = "") -> int:
    """Lay out the book part by part, assemble it into ``out``; return its page count.

    ``layer_css`` holds what depends on the commit rather than the text (the draft
    stamp): it goes on the folio layer and the front matter only, so committing does not
    invalidate the layout of every chapter.
    """
    from report.editions.paged import document  # the HTML of each part

    manuscript = context.manuscript
    rendered = context.rendered
    cache = context.path(".cache") / "layout"
    cache.mkdir(parents=True, exist_ok=True)
    styles = tuple(stylesheets)
    styles_key = _styles_fingerprint(styles)
    option_items = tuple(sorted((k, str(v)) for k, v in options.items()))
    base_url = str(manuscript.root / manuscript.manifest.docs_dir)
    root = str(manuscript.root)

    def job(name: str, html: str, css: str, metadata: bool = False) -> LayoutJob:
        html = _part_document(html, metadata)
        key = _fingerprint(styles_key, css, repr(option_items), html)
        return LayoutJob(name, html, str(cache / f"{key}.pdf"), base_url, root, styles, css,
                         option_items)

    front = [c for c in rendered.chapters if c.kind == "front"]
    main = [c for c in rendered.chapters if c.kind != "front"]
    part_css = extra_css + _NO_FOLIOS
    main_jobs = [job(c.label, document(rendered, context, "print", chapters=[c],
                                       front_pages=False), part_css) for c in main]
    laid = run_jobs(main_jobs, context.jobs)

    # The page map: every main chapter starts on a right-hand (odd) page.
    plan: list[tuple[str, int]] = []  # (chapter job key, or "" for a blank page; pages)
    page_numbers: dict[str, str] = {}
    next_page = 1
    for main_job in main_jobs:
        if next_page % 2 == 0:
            plan.append(("", 1))
            next_page += 1
        result = laid[main_job.key]
        for anchor, index in result.anchors.items():
            page_numbers.setdefault(anchor, str(next_page + index))
        plan.append((main_job.key, result.pages))
        next_page += result.pages
    page_map.save(context, page_numbers)  # for the Word edition's contents

    front_job = job("front", document(rendered, context, "print", chapters=front,
                                      page_numbers=page_numbers), extra_css + layer_css,
                    metadata=True)
    blank_job = job("blank", '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
                    '<body></body></html>', part_css)
    kinds = ["blank" if key == "" else "page" for key, count in plan for _ in range(count)]
    layers = [job("folios", _folio_layer(context, kinds), "")]
    if layer_css:  # one page, the same on every page: the draft stamp
        layers.append(job("stamp", '<!DOCTYPE html><html><head><meta charset="utf-8"><style>'
                          "@page { marks: none; @top-left { content: none; } @top-right "
                          "{ content: none; } @bottom-left { content: none; } @bottom-right"
                          " { content: none; } }</style></head><body></body></html>",
                          layer_css))
    # The front matter and the layers depend only on the page map: one parallel round.
    laid.update(run_jobs([front_job, blank_job, *layers], context.jobs))
    paths = {j.key: Path(j.out) for j in (*main_jobs, front_job, blank_job, *layers)}

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
            folios = sources["folios"]
            for index in range(len(kinds)):
                page = book.pages[first_part + index]
                _overlay(page, folios.pages[index], f"Folio{index + 1}")
                if stamp is not None:
                    _overlay(page, stamp.pages[0], f"Stamp{index + 1}")
            _outline(book, rendered, laid, plan, first_part)
            # Saved in memory, then written by Python: QPDF aborts the process on a full
            # disk, where Python raises an error the command reports in one line.
            assembled = io.BytesIO()
            book.save(assembled, deterministic_id=True, compress_streams=True,
                      object_stream_mode=pikepdf.ObjectStreamMode.generate)
            write_bytes(out, assembled.getvalue())
            total = len(book.pages)
        finally:
            for source in sources.values():
                source.close()
    _prune(cache, {Path(j.out).stem for j in (*main_jobs, front_job, blank_job, *layers)})
    return total


def _part_document(document: str, metadata: bool) -> str:
    """A part as laid out on its own: links to anchors in another part are dropped (they
    cannot work in the part, and the printer's file needs none: its page numbers come
    from the page map); without ``metadata``, so is the document metadata (commit, date,
    stamp), which only the front matter's PDF, the base of the book, carries."""
    tree = lxml.html.document_fromstring(document)
    if not metadata:
        for meta in tree.xpath("//head/meta[@name]"):
            meta.getparent().remove(meta)
    ids = set(tree.xpath("//@id"))
    for link in tree.xpath("//a[starts-with(@href, '#')]"):
        if link.get("href")[1:] not in ids:
            del link.attrib["href"]
    return lxml.html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")


def _overlay(page: pikepdf.Page, layer: pikepdf.Page, name: str) -> None:
    """Draw a layer's page over a book page, as ``Page.add_overlay`` does, but under a
    fixed resource name: add_overlay draws a random one, and the same commit must give
    the same bytes. Names are unique per page (``Folio12``) because blank pages appended
    from one source share their resources."""
    name = pikepdf.Name(f"/{name}")
    form = layer.as_form_xobject()
    page.add_resource(form, pikepdf.Name.XObject, name=name)
    placement = page.calc_form_xobject_placement(form, name, pikepdf.Rectangle(page.trimbox))
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"Q\n")
    page.contents_add(placement)
    page.contents_coalesce()


def _outline(book: pikepdf.Pdf, rendered, laid: dict[str, LaidOut],
             plan: list[tuple[str, int]], first_part: int) -> None:
    """Bookmarks for every chapter and numbered section, from the parts' anchors."""
    from report.editions.paged import contents

    page_of: dict[str, int] = dict(laid["front"].anchors)
    index = first_part
    for key, count in plan:
        if key in laid:  # a chapter; not a blank page
            for anchor, offset in laid[key].anchors.items():
                page_of.setdefault(anchor, index + offset)
        index += count
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
