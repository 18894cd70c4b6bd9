"""The one place WeasyPrint is called, for both PDF editions and the reviewer pack."""

from __future__ import annotations

from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from report.outputs import atomic_path
from report.render.fetcher import make_fetcher

STYLES = Path(__file__).resolve().parent.parent / "styles"


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
        rendered.write_pdf(tmp, **options)
    anchors: dict[str, int] = {}
    for index, page in enumerate(rendered.pages):
        for anchor in page.anchors:
            anchors.setdefault(anchor, index)
    return len(rendered.pages), anchors


def write_pdf(document: str, out: Path, base_url: Path, root: Path, stylesheets: list[str],
              extra_css: str = "", **options) -> int:
    """Lay out ``document`` into ``out`` in one pass; return the page count."""
    return layout(document, out, base_url, root, stylesheets, extra_css, **options)[0]
