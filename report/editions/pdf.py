"""The one place WeasyPrint is called, for both PDF editions and the reviewer pack.

Every tagged PDF (``pdf_variant="pdf/ua-1"``: the digital edition's parts, the release's
executive summary) goes through the corrections of ``report.editions.tagged``, without
which WeasyPrint's tagging is not PDF/UA-1.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import hashlib
import io
import multiprocessing.util
import os
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

import pikepdf
from weasyprint import CSS
from weasyprint.text.fonts import FontConfiguration

from report.editions.html_tree import weasyprint_html
from report.editions.leaders import joined_leaders
from report.outputs import atomic_path
from report.render.fetcher import make_fetcher

STYLES = Path(__file__).resolve().parent.parent / "styles"
_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")
_RDF_END = b"</rdf:RDF>"


def finish_metadata(document, pdf) -> None:
    """A WeasyPrint finisher for the XMP metadata WeasyPrint writes itself.

    - PDF/X-4's ``xmpMM:DocumentID``: WeasyPrint draws it with ``uuid4()``, so two builds
      of one commit would differ; a UUID derived from the title, dates and page count
      keeps the PDF reproducible.
    - ``dc:identifier`` from ``<meta name="dcterms.identifier">`` (the edition's ISBN as
      ``urn:isbn:…``): WeasyPrint keeps unknown meta names out of the XMP.
    """
    reference = pdf.catalog.get("Metadata")
    if reference is None:
        return
    stream = pdf.objects[int(bytes(reference).split()[0])]
    metadata = document.metadata
    seed = "|".join(str(value) for value in (metadata.title, metadata.created,
                                             metadata.modified, len(document.pages)))
    stable = f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}".encode()
    parts = [_DOCUMENT_ID.sub(stable, part if isinstance(part, bytes) else str(part).encode())
             for part in stream.stream]
    identifier = metadata.custom.get("dcterms.identifier")
    if identifier:
        description = ('<rdf:Description rdf:about="" '
                       'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier>'
                       f"{escape(identifier)}</dc:identifier></rdf:Description>").encode()
        parts = [part.replace(_RDF_END, description + _RDF_END, 1) for part in parts]
    stream.stream = parts


_PROFILES_COMPRESSED: dict[bytes, bytes] = {}


def _output_profile_fast(document, pdf) -> None:
    """A PDF/X-4's output profile written compressed at zlib level 1, not WeasyPrint's 9.

    WeasyPrint embeds the profile as Pillow serialises it again (FOGRA39: 409 kB from a
    155 kB file) and pydyf compresses a stream at level 9 each time its data is asked
    for, twice in a write (the file identifier hashes every object's data): 0.3 s each,
    in every layout (each part of the print edition, its cover), more than the rest of
    the cover's writing. Every PDF/X-4 laid out here is the print edition's, whose
    ``finish_sheets`` puts the profile's own file in place of that stream
    (``report.editions.printed._embed_as_written``): what it was compressed with never
    reaches the printer's file, which stays byte for byte the same. Compressed once per
    process (3.6 ms a part, 0.4 s of CPU over the corpus's 111 chapters)."""
    import zlib

    import pydyf

    profile = document.color_profiles.get("device-cmyk")
    reference = getattr(profile, "pdf_reference", None)
    if reference is None:
        return
    stream = pdf.objects[int(bytes(reference).split()[0])]
    if not (isinstance(stream, pydyf.Stream) and stream.compress):
        return
    data = b"\n".join(part if isinstance(part, bytes) else str(part).encode()
                      for part in stream.stream)
    key = hashlib.sha1(data).digest()
    if key not in _PROFILES_COMPRESSED:  # once per process: every part has the same
        _PROFILES_COMPRESSED[key] = zlib.compress(data, 1)
    stream.stream = [_PROFILES_COMPRESSED[key]]
    stream.extra["Filter"] = "/FlateDecode"
    stream.compress = False


def _finish_pdfx(document, pdf) -> None:
    """The finisher of a PDF/X-4: :func:`finish_metadata`, the profile written fast."""
    finish_metadata(document, pdf)
    _output_profile_fast(document, pdf)


# Parsed stylesheets and their fonts, per process: parsing the CSS and loading its
# @font-face fonts cost about 0.15 s a layout, paid once per part (over a hundred parts in
# a long book) before, and a new FontConfiguration starts Pango's font cache cold;
# WeasyPrint's FontConfiguration is meant to be shared between documents. One font
# configuration per set of stylesheet files (the parts' extra CSS adds no fonts), the
# parsed CSS per extra CSS as well. Keyed by the process: a FontConfiguration deletes its
# font folder when dropped, so one inherited through fork is kept, never used nor dropped
# here.
_STYLES_KEPT = 8
_fonts: dict[tuple, FontConfiguration] = {}
_styles: dict[tuple, tuple[FontConfiguration, list[CSS], dict]] = {}
_styles_pid = 0
_inherited: list[dict] = []


def _forget_styles(pid: int) -> None:
    """At the end of the process that made them: the font folders go (removed here, not
    left to the objects' deletion, which a process ending does not wait for)."""
    if os.getpid() != pid:
        return
    for fonts in _fonts.values():
        if fonts._folder is not None:
            shutil.rmtree(fonts._folder, ignore_errors=True)
    _styles.clear()
    _fonts.clear()


def _stylesheets(stylesheets: list[str], extra_css: str,
                 root: Path) -> tuple[FontConfiguration, list[CSS], dict]:
    """The parsed stylesheets, with the font configuration and colour profiles they
    filled, for ``stylesheets`` and ``extra_css``: parsed once per process while the
    files are unchanged."""
    global _styles_pid
    pid = os.getpid()
    if _styles_pid != pid:
        _inherited.extend([dict(_fonts), dict(_styles)])
        _fonts.clear()
        _styles.clear()
        _styles_pid = pid
        atexit.register(_forget_styles, pid)
        # A pool's worker ends with os._exit: multiprocessing runs its finalizers first.
        multiprocessing.util.Finalize(None, _forget_styles, args=(pid,), exitpriority=0)
    files = (tuple((name, (STYLES / name).stat().st_mtime_ns) for name in stylesheets),
             str(root))
    if files not in _fonts:
        while len(_fonts) >= _STYLES_KEPT:
            _fonts.pop(next(iter(_fonts)))
        _fonts[files] = FontConfiguration()
    fonts = _fonts[files]
    key = (files, extra_css)
    parsed_with, css, profiles = _styles.get(key, (None, [], {}))
    if parsed_with is not fonts:  # not parsed yet, or with a font configuration dropped
        # The colour profiles of these stylesheets alone: shared by every set parsed in
        # the process, a part's PDF carried a profile (an unused /device-cmyk colour
        # space) or not by which parts the worker had laid out before it, and a
        # rebuild's print PDF differed from a cold build's by that.
        profiles = {}
        fetcher = make_fetcher(root)
        css = [CSS(filename=str(STYLES / name), font_config=fonts, url_fetcher=fetcher,
                   color_profiles=profiles) for name in stylesheets]
        if extra_css:
            css.append(CSS(string=extra_css, font_config=fonts, base_url=str(STYLES) + "/",
                           url_fetcher=fetcher, color_profiles=profiles))
        while len(_styles) >= _STYLES_KEPT:
            _styles.pop(next(iter(_styles)))
        _styles[key] = (fonts, css, profiles)
    return fonts, css, profiles


_COLLECTING_IN = 0  # the process that collects its garbage after each layout, if any


def collect_after_each_layout() -> None:
    """Python's cyclic garbage collector off in this process, run once after each layout
    instead: for a process that does nothing else (a layout worker; it must call this
    first).

    WeasyPrint makes millions of short-lived objects a layout; the collector, run every
    700 allocations, scanned the worker's whole heap again and again: 9% of a worker's
    CPU on the corpus's chapters (40 chapters in one process, twice each way: 9.5–10.0 s
    with the collector as it is, 8.6–9.0 s with this), and the workers' time is most of a
    cold build's. The heap the process inherited from the build through fork is frozen
    (``gc.freeze``): never scanned, nor its pages copied by a scan. The resident set is
    no larger (157 MiB against 162): what the layout leaves in cycles goes at its end."""
    global _COLLECTING_IN
    gc.freeze()
    gc.disable()
    _COLLECTING_IN = os.getpid()


def layout(document: str, out: Path, base_url: Path, root: Path, stylesheets: list[str],
           extra_css: str = "", *, prepare: Callable | None = None,
           finish: Callable[[pikepdf.Pdf], bool | None] | None = None,
           descriptions: dict[str, str] | None = None, id_prefix: str | None = None,
           read: dict[str, str] | None = None, **options) -> tuple[int, dict[str, int]]:
    """Lay out ``document`` and write it atomically to ``out``.

    Returns the page count and the 0-based page of every anchor (id), which the
    chapter-level layout uses as its page map. ``prepare`` may change the laid-out
    document before it is written (take pages out, drop links), ``finish`` the written
    PDF (through pikepdf) before it takes its place; pages and anchors are counted
    before ``prepare`` (a ``finish`` that returns False changed nothing: the file is kept
    as written). ``descriptions`` says in words where internal links of a tagged
    PDF go (``report.editions.tagged.link_descriptions``); ``id_prefix`` makes a tagged
    part's element IDs unique in the book it will be merged into. ``read`` is given
    the files of the tree the layout read (its images), by their path from ``root``,
    with their SHA-256: a layout kept by its HTML is stale once one of them changes.
    """
    try:
        return _layout(document, out, base_url, root, stylesheets, extra_css, prepare=prepare,
                       finish=finish, descriptions=descriptions, id_prefix=id_prefix,
                       read=read, **options)
    finally:
        if _COLLECTING_IN == os.getpid():
            gc.collect()


def _layout(document: str, out: Path, base_url: Path, root: Path, stylesheets: list[str],
            extra_css: str, *, prepare: Callable | None,
            finish: Callable[[pikepdf.Pdf], bool | None] | None,
            descriptions: dict[str, str] | None, id_prefix: str | None,
            read: dict[str, str] | None, **options) -> tuple[int, dict[str, int]]:
    from report.editions import tagged

    is_tagged = str(options.get("pdf_variant", "")).startswith("pdf/ua")
    fonts, css, profiles = _stylesheets(stylesheets, extra_css, root)
    fetcher = make_fetcher(root)
    html = weasyprint_html(document, str(base_url) + "/", fetcher)
    with joined_leaders():
        rendered = html.render(stylesheets=css, font_config=fonts, color_profiles=profiles,
                               **options)
    anchors: dict[str, int] = {}
    for index, page in enumerate(rendered.pages):
        for anchor in page.anchors:
            anchors.setdefault(anchor, index)
    laid_out = len(rendered.pages)
    if prepare is not None:
        rendered = prepare(rendered)
    if is_tagged:
        tagged.single_links(rendered)
        tagged.footnote_links(rendered)
    with atomic_path(out) as tmp:
        with tagged.tagging(descriptions or {}) if is_tagged else contextlib.nullcontext():
            rendered.write_pdf(tmp, finisher=_finish_pdfx if options.get("pdf_variant")
                               == "pdf/x-4" else finish_metadata, **options)
        if finish is not None or is_tagged:
            with pikepdf.open(tmp) as pdf:
                if is_tagged:
                    tagged.finish(pdf, id_prefix)
                changed = finish(pdf) if finish is not None else None
                finished = pdf_bytes(pdf) if is_tagged or changed is not False else None
            if finished is not None:
                tmp.write_bytes(finished)
    if read is not None:
        read.update(fetcher.read_below(root))
    return laid_out, anchors


def pdf_bytes(pdf: pikepdf.Pdf) -> bytes:
    """The PDF as every edition saves it (object streams, streams compressed, an ID made
    from its content), in memory for the caller to write: QPDF aborts the process on a
    full disk, where Python raises an error the command reports in one line."""
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def folio(index: int, first_main: int) -> tuple[str, int]:
    """The number a book page prints, as a page-label style and value: the front matter
    counts from the cover in lower-roman numerals, the main matter from 1 in arabic."""
    return ("r", index + 1) if index < first_main else ("D", index - first_main + 1)


def set_page_labels(pdf: pikepdf.Pdf, folios: list[tuple[str, int]]) -> None:
    """``/PageLabels`` so that a viewer's page box shows the printed number: one range
    wherever the numbering style changes or a number is skipped (a page left out); a
    ``(text, 0)`` entry labels an unnumbered page with ``text`` alone."""
    nums: list = []
    previous: tuple[str, int] | None = None
    for index, (style, number) in enumerate(folios):
        if number == 0:  # an unnumbered page (the cover): a label of its own, no number
            nums += [index, pikepdf.Dictionary(P=pikepdf.String(style))]
        elif previous != (style, number - 1):
            nums += [index, pikepdf.Dictionary(S=pikepdf.Name(f"/{style}"), St=number)]
        previous = (style, number)
    pdf.Root.PageLabels = pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))


def write_pdf(document: str, out: Path, base_url: Path, root: Path, stylesheets: list[str],
              extra_css: str = "", **options) -> int:
    """Lay out ``document`` into ``out`` in one pass; return the page count."""
    return layout(document, out, base_url, root, stylesheets, extra_css, **options)[0]
