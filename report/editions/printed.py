"""The print edition: what goes to the printer (A4, 3 mm bleed, crop marks, PDF/X-4).

Named ``printed`` because ``print`` is a Python built-in.
"""

from __future__ import annotations

from report.editions import EditionResult
from report.editions.context import BuildContext
from report.editions.pdf import write_pdf
from report.editions.paged import document
from report.editions.stamp import draft_css, sha256_of


def build(context: BuildContext) -> EditionResult:
    manuscript = context.manuscript
    out = context.path(f"{manuscript.manifest.slug}-print.pdf")
    pages = write_pdf(
        document(context.rendered, context, "print"),
        out,
        base_url=manuscript.root / manuscript.manifest.docs_dir,
        root=manuscript.root,
        stylesheets=["paged.css", "print.css"],
        extra_css=draft_css(context),
        pdf_variant="pdf/x-4",
    )
    return EditionResult("print", out, pages=pages, sha256=sha256_of(out))
