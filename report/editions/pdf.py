"""The one place WeasyPrint is called, for both PDF editions and the reviewer pack."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from report.outputs import atomic_path
from report.render.fetcher import make_fetcher

STYLES = Path(__file__).resolve().parent.parent / "styles"
_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")


def stable_document_id(document, pdf) -> None:
    """A WeasyPrint finisher: PDF/X-4's ``xmpMM:DocumentID`` from the document, not random.

    WeasyPrint draws it with ``uuid4()``, so two builds of one commit would differ; a
    UUID derived from the title, dates and page count keeps the PDF reproducible.
    """
    reference = pdf.catalog.get("Metadata")
    if reference is None:
        return
    stream = pdf.objects[int(bytes(reference).split()[0])]
    metadata = document.metadata
    seed = "|".join(str(value) for value in (metadata.title, metadata.created,
                                             metadata.modified, len(document.pages)))
    stable = f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}".encode()
    stream.stream = [_DOCUMENT_ID.sub(stable, part if isinstance(part, bytes)
                                      else str(part).encode()) for part in stream.stream]


def layout(document: str, out: Path, base_url: Path, root: Path, stylesheets: list[str],
           extra_css: str = "", **options) -> tuple[int, dict[str, int]]:
    """Lay out ``document`` and write it atomically to ``out``.

    Returns the page count and the 0-based page of every anchor (id), which the
    chapter-level layout uses as its page map.
    """
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
    with atomic_path(out) as tmp:
        rendered.write_pdf(tmp, finisher=stable_document_id, **options)
    anchors: dict[str, int] = {}
    for index, page in enumerate(rendered.pages):
        for anchor in page.anchors:
            anchors.setdefault(anchor, index)
    return len(rendered.pages), anchors


def write_pdf(document: str, out: Path, base_url: Path, root: Path, stylesheets: list[str],
              extra_css: str = "", **options) -> int:
    """Lay out ``document`` into ``out`` in one pass; return the page count."""
    return layout(document, out, base_url, root, stylesheets, extra_css, **options)[0]
