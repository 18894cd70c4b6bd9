"""The accessible digital PDF: tagged (PDF/UA-1), titled, with language and bookmarks."""

from __future__ import annotations

from report.editions import EditionResult
from report.editions.context import BuildContext
from report.editions.paged import document, running_heads_css
from report.editions.pdf import write_pdf
from report.editions.stamp import draft_css, sha256_of


def build(context: BuildContext) -> EditionResult:
    manuscript = context.manuscript
    out = context.path(f"{manuscript.manifest.slug}.pdf")
    pages = write_pdf(
        document(context.rendered, context, "digital"),
        out,
        base_url=manuscript.root / manuscript.manifest.docs_dir,
        root=manuscript.root,
        stylesheets=["paged.css", "digital.css"],
        extra_css=running_heads_css(context.rendered) + draft_css(context),
        pdf_variant="pdf/ua-1",
    )
    return EditionResult("digital", out, pages=pages, sha256=sha256_of(out))
