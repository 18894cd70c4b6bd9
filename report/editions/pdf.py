"""The one place WeasyPrint is called, for both PDF editions and the reviewer pack.

Every tagged PDF (``pdf_variant="pdf/ua-1"``: the digital edition's parts, the release's
executive summary) goes through the corrections of ``report.editions.tagged``, without
which WeasyPrint's tagging is not PDF/UA-1.
"""

from __future__ import annotations

import contextlib
import io
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

import pikepdf
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

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


def layout(document: str, out: Path, base_url: Path, root: Path, stylesheets: list[str],
           extra_css: str = "", *, prepare: Callable | None = None,
           finish: Callable[[pikepdf.Pdf], None] | None = None,
           descriptions: dict[str, str] | None = None,
           **options) -> tuple[int, dict[str, int]]:
    """Lay out ``document`` and write it atomically to ``out``.

    Returns the page count and the 0-based page of every anchor (id), which the
    chapter-level layout uses as its page map. ``prepare`` may change the laid-out
    document before it is written (take pages out, drop links), ``finish`` the written
    PDF (through pikepdf) before it takes its place; pages and anchors are counted
    before ``prepare``. ``descriptions`` says in words where internal links of a tagged
    PDF go (``report.editions.tagged.link_descriptions``).
    """
    from report.editions import tagged

    is_tagged = str(options.get("pdf_variant", "")).startswith("pdf/ua")
    fonts = FontConfiguration()
    profiles: dict = {}  # shared, so an @color-profile in any stylesheet reaches the PDF
    fetcher = make_fetcher(root)
    css = [CSS(filename=str(STYLES / name), font_config=fonts, url_fetcher=fetcher,
               color_profiles=profiles) for name in stylesheets]
    if extra_css:
        css.append(CSS(string=extra_css, font_config=fonts, base_url=str(STYLES) + "/",
                       url_fetcher=fetcher, color_profiles=profiles))
    html = HTML(string=document, base_url=str(base_url) + "/", url_fetcher=fetcher)
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
            rendered.write_pdf(tmp, finisher=finish_metadata, **options)
        if finish is not None or is_tagged:
            finished = io.BytesIO()  # QPDF aborts on a full disk; Python raises
            with pikepdf.open(tmp) as pdf:
                if is_tagged:
                    tagged.finish(pdf)
                if finish is not None:
                    finish(pdf)
                pdf.save(finished, deterministic_id=True, compress_streams=True,
                         object_stream_mode=pikepdf.ObjectStreamMode.generate)
            tmp.write_bytes(finished.getvalue())
    return laid_out, anchors


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
