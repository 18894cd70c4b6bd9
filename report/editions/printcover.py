"""The printed cover as its own file: back, spine and front on one sheet, with bleed.

A printer wants the cover apart from the inside pages: it is printed on other stock, and
its width depends on the book's thickness. The spine is sized from the page count and the
paper's thickness per leaf (``extra.print``: ``paper``, ``caliper`` in mm, ``binding``);
the back carries the partners, the licence, the web address and the ISBN as an EAN-13
barcode (drawn by python-barcode, not by hand). Laid out by WeasyPrint with the same
fonts and CMYK palette as the book (print.css), through the one layout call in pdf.py.
"""

from __future__ import annotations

import io
import json
import math
import multiprocessing
import os
import re
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

from barcode import EAN13
from barcode.writer import SVGWriter
from markupsafe import Markup

from report.cache import cached
from report.editions.context import BuildContext
from report.editions.frontmatter import licence
from report.editions.paged import _env
from report.editions.pdf import collect_after_each_layout, write_pdf
from report.errors import InputError, Problem
from report.outputs import (
    children_folder,
    die_with_parent,
    in_children_folder,
    signals_held,
    write_bytes,
)

TRIM_WIDTH, TRIM_HEIGHT = 210.0, 297.0  # A4, mm
DEFAULT_CALIPER = 0.1                    # mm per leaf: a common 90-100 gsm uncoated
BINDING_ALLOWANCE = {"perfect": 1.0, "pur": 1.0, "case": 4.0, "saddle-stitch": 0.0}
SPINE_TEXT_MIN = 6.0                     # mm: below this a spine carries no text
COVER_WAIT = 120.0                       # s: the longest a cover laid out ahead is waited for


def spine_width(pages: int, caliper: float, binding: str = "perfect") -> float:
    """The spine in mm: leaves × caliper, plus the binding's allowance (glue, boards)."""
    leaves = math.ceil(pages / 2)
    return round(leaves * caliper + BINDING_ALLOWANCE.get(binding, 1.0), 1)


def print_settings(context: BuildContext) -> tuple[float, str, str | None, str | None]:
    """``extra.print``: caliper (mm per leaf), binding, paper, and the cover's paper."""
    manifest = context.manuscript.manifest
    settings = manifest.extra.get("print") or {}
    if not isinstance(settings, dict):
        raise InputError(Problem("mkdocs.yml", manifest.config["extra"].line_of("print"),
                                 "print must map paper, caliper and binding"))
    caliper = settings.get("caliper", DEFAULT_CALIPER)
    if isinstance(caliper, bool) or not isinstance(caliper, int | float) or not 0 < caliper < 1:
        raise InputError(Problem("mkdocs.yml", settings.line_of("caliper"),
                                 f"print caliper is the paper's thickness in mm per leaf "
                                 f"(e.g. 0.1), not {caliper!r}"))
    binding = str(settings.get("binding") or "perfect")
    if binding not in BINDING_ALLOWANCE:
        raise InputError(Problem("mkdocs.yml", settings.line_of("binding"),
                                 f"print binding {binding!r} is not one of "
                                 + ", ".join(BINDING_ALLOWANCE)))
    return float(caliper), binding, settings.get("paper"), settings.get("cover_paper")


def barcode_svg(isbn: str) -> Markup:
    """The ISBN as an EAN-13 barcode, inline SVG with its bars in black ink only."""
    buffer = io.BytesIO()
    EAN13(re.sub(r"\D", "", isbn)[:12], writer=SVGWriter()).write(
        buffer, options={"module_width": 0.33, "module_height": 18.0, "font_size": 9,
                         "text_distance": 4.0, "quiet_zone": 3.0, "font_path": None,
                         "background": "white", "foreground": "black"})
    svg = buffer.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg"):]
    # black ink only for the bars, paper for the ground (SVG knows no CSS variables)
    svg = svg.replace("fill:black", "fill:device-cmyk(0 0 0 1)").replace(
        "fill:white", "fill:device-cmyk(0 0 0 0)")
    return Markup(svg)


def _whole_pdf(data: bytes) -> bool:
    """Whether kept bytes are a whole PDF: a cover entry cut short or damaged is a miss."""
    return data[:5] == b"%PDF-" and b"%%EOF" in data[-1024:]


class PrintCover:
    """The cover laid out and ``finish``-ed (put on its sheet) into ``build/``.

    Kept by content (:mod:`report.cache`): its HTML (the manifest, the stamp, the spine
    from the page count), its CSS and options, and what ``finish`` reads
    (``finish_inputs``) are all it depends on, so an edit that leaves the page count as it
    was does not lay it out again (about half a second).

    It needs nothing of the book but its page count, known as soon as the front matter is
    laid out: :meth:`start` lays it out then in a process of its own (with more than one
    job), beside the book's assembly and :func:`~report.editions.printed.finish_sheets`,
    which kept both cores idle and the cover on the critical path (about 1 s of a cold
    print build). That process only fills the cache; :meth:`build` takes the entry up
    (or, when the process failed or the entry is damaged, lays the cover out here, where
    an error is reported as any other)."""

    KIND = "print-cover"

    def __init__(self, context: BuildContext, profile_css: str, options: dict,
                 finish: Callable[[Path], None], finish_inputs: list[bytes | str]) -> None:
        self.context, self.profile_css, self.options = context, profile_css, options
        self.finish, self.finish_inputs = finish, finish_inputs
        self._started: dict[int, multiprocessing.process.BaseProcess] = {}
        # The folder of its processes' temporary files, and what removes it.
        self._children: tuple[str, Callable[[], object]] | None = None

    def _made(self, pages: int) -> tuple[Path, list[bytes | str], Callable[[], bytes]]:
        """Where the cover of a ``pages``-page book goes, what it is kept by, and how it
        is laid out."""
        context = self.context
        manuscript = context.manuscript
        m = manuscript.manifest
        caliper, binding, paper, _ = print_settings(context)
        spine = spine_width(pages, caliper, binding)
        out = context.path(f"{m.slug}-cover.pdf")
        isbn = m.isbn.get("print")
        html = _env.get_template("cover.html").render(
            m=m, draft=context.draft, stamp=context.stamp, spine=spine,
            created=context.provenance.date.isoformat(),
            spine_text=spine >= SPINE_TEXT_MIN, paper=paper, binding=binding, pages=pages,
            isbn=isbn, isbn_placeholder="print" in m.isbn_placeholders,
            barcode=barcode_svg(isbn) if isbn else None, licence=licence(m.licence),
            web=m.extra.get("web"), summary=m.config.get("site_description"))
        size = (f"@page {{ size: {2 * TRIM_WIDTH + spine}mm {TRIM_HEIGHT}mm; }} "
                f":root {{ --spine: {spine}mm; }}")
        stylesheets = ["cover.css", "print.css"]

        def lay_out() -> bytes:
            with TemporaryDirectory(prefix="report-cover-") as tmp:
                laid_out = Path(tmp) / out.name
                write_pdf(html, laid_out, base_url=manuscript.root / m.docs_dir,
                          root=manuscript.root, stylesheets=stylesheets,
                          extra_css=self.profile_css + size, **self.options)
                self.finish(laid_out)
                return laid_out.read_bytes()

        inputs = [html, "\0".join(stylesheets), self.profile_css + size,
                  json.dumps(self.options, sort_keys=True), *self.finish_inputs]
        return out, inputs, lay_out

    def _kept(self, pages: int) -> tuple[Path, bytes]:
        out, inputs, lay_out = self._made(pages)
        return out, cached(self.context.path(".cache"), self.KIND, inputs, lay_out, _whole_pdf)

    def start(self, pages: int) -> None:
        """Lay out the cover of a ``pages``-page book in a process of its own (forked: it
        has the manuscript and the build's context as they are), when the build has more
        than one job; it ends having written the cache entry :meth:`build` reads."""
        if (self.context.jobs < 2 or pages in self._started
                or "fork" not in multiprocessing.get_all_start_methods()):
            return  # laid out by build(), in this process

        if self._children is None:
            self._children = children_folder(self, "report-cover-process-")
        folder = self._children[0]

        def run() -> None:
            die_with_parent()
            in_children_folder(folder)
            collect_after_each_layout()
            try:
                self._kept(pages)
            except BaseException:  # build() lays it out again and reports the error
                os._exit(1)

        process = multiprocessing.get_context("fork").Process(target=run, daemon=True)
        with signals_held():
            process.start()
        self._started[pages] = process

    def stop(self) -> None:
        """Stop what :meth:`start` started: the build failed or was interrupted."""
        for started in self._started.values():
            started.kill()
            started.join()
        self._started.clear()
        if self._children is not None:
            self._children[1]()
            self._children = None

    def build(self, pages: int) -> Path:
        """The cover of a ``pages``-page book in ``build/``: what :meth:`start` laid out
        (waited for), else laid out here."""
        for started in self._started.values():
            # One started for another page count ends too: no stray writer. A process
            # forked from a build with threads could in principle hang on a lock one of
            # them held: after COVER_WAIT it is stopped and the cover laid out here.
            started.join(COVER_WAIT)
            if started.is_alive():
                started.kill()
                started.join()
        self._started.clear()
        out, data = self._kept(pages)
        write_bytes(out, data)
        return out

