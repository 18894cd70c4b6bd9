"""The accessible digital PDF: tagged (PDF/UA-1), titled, with language and bookmarks.

It is laid out with the print edition's CSS page by page, so every page both editions
have prints the same folio; the blank left-hand pages that only make a chapter start on
the right are left out of a file meant for screens, and its page labels keep the printed
numbers true. The tagged structure is WeasyPrint's, corrected in
``report.editions.tagged``.
"""

from __future__ import annotations

import pikepdf

from report.editions import EditionResult
from report.editions.context import BuildContext
from report.editions.paged import document, running_heads_css
from report.editions.pdf import folio, set_page_labels, write_pdf
from report.editions.stamp import draft_css, sha256_of
from report.editions.tagged import blank_pages, finish, link_descriptions, single_links, tagging


def build(context: BuildContext) -> EditionResult:
    manuscript = context.manuscript
    rendered = context.rendered
    out = context.path(f"{manuscript.manifest.slug}.pdf")
    first_main = next((c.label for c in rendered.chapters if c.kind != "front"), None)
    folios: list[tuple[str, int]] = []

    def prepare(laid_out):
        """Take out the blank versos; remember what the kept pages print."""
        start = next((index for index, page in enumerate(laid_out.pages)
                      if first_main in page.anchors), len(laid_out.pages))
        blank = set(blank_pages(laid_out))
        kept = [index for index in range(len(laid_out.pages)) if index not in blank]
        folios.extend(folio(index, start) for index in kept)
        screen = laid_out.copy([laid_out.pages[index] for index in kept])
        single_links(screen)
        return screen

    def finished(pdf: pikepdf.Pdf) -> None:
        finish(pdf)
        set_page_labels(pdf, folios)

    with tagging(link_descriptions(rendered)):
        write_pdf(
            document(rendered, context, "digital"),
            out,
            base_url=manuscript.root / manuscript.manifest.docs_dir,
            root=manuscript.root,
            stylesheets=["paged.css", "digital.css"],
            extra_css=running_heads_css(rendered) + draft_css(context),
            pdf_variant="pdf/ua-1",
            prepare=prepare,
            finish=finished,
        )
    return EditionResult("digital", out, pages=len(folios), sha256=sha256_of(out))
