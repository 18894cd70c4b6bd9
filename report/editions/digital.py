"""The accessible digital PDF: tagged (PDF/UA-1), titled, with language and bookmarks.

It is laid out from the same chapter parts, with the same page map, as the print edition
(``report.editions.chaptered``), so every page both editions have prints the same folio;
each part is tagged and their structure trees are merged into one
(``report.editions.tagged``). The blank left-hand pages that only make a chapter start
on the right are left out of a file meant for screens, and its page labels keep the
printed numbers true. No bleed, no crop marks (digital.css).
"""

from __future__ import annotations

from report.editions import EditionResult
from report.editions.chaptered import build_chaptered
from report.editions.context import BuildContext
from report.editions.paged import running_heads_css
from report.editions.stamp import draft_css, sha256_of


def build(context: BuildContext) -> EditionResult:
    out = context.path(f"{context.manuscript.manifest.slug}.pdf")
    pages = build_chaptered(context, out, ["paged.css", "digital.css"],
                            running_heads_css(context.rendered), {"pdf_variant": "pdf/ua-1"},
                            layer_css=draft_css(context), edition="digital", tagged=True)
    return EditionResult("digital", out, pages=pages, sha256=sha256_of(out))
