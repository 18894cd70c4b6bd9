"""The one place WeasyPrint is called, for both PDF editions and the reviewer pack."""

from __future__ import annotations

import logging
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from report.outputs import atomic_path
from report.render.fetcher import make_fetcher

STYLES = Path(__file__).resolve().parent.parent / "styles"


class _RefusedFetches(logging.Handler):
    """Collects the URLs the fetcher refused, so the build can report them."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "refused" in message:
            self.messages.append(message)


def write_pdf(document: str, out: Path, base_url: Path, root: Path, stylesheets: list[str],
              extra_css: str = "", **options) -> int:
    """Lay out ``document`` and write it atomically to ``out``; return the page count."""
    fonts = FontConfiguration()
    profiles: dict = {}  # shared, so an @color-profile in any stylesheet reaches the PDF
    fetcher = make_fetcher(root)
    css = [CSS(filename=str(STYLES / name), font_config=fonts, url_fetcher=fetcher,
               color_profiles=profiles) for name in stylesheets]
    if extra_css:
        css.append(CSS(string=extra_css, font_config=fonts, base_url=str(STYLES) + "/",
                       url_fetcher=fetcher, color_profiles=profiles))
    logger = logging.getLogger("weasyprint")
    refused = _RefusedFetches()
    logger.addHandler(refused)
    try:
        html = HTML(string=document, base_url=str(base_url) + "/", url_fetcher=fetcher)
        rendered = html.render(stylesheets=css, font_config=fonts, color_profiles=profiles,
                               **options)
        with atomic_path(out) as tmp:
            rendered.write_pdf(tmp, **options)
    finally:
        logger.removeHandler(refused)
    return len(rendered.pages)
