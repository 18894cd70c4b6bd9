"""The accessible digital PDF: tagged (PDF/UA-1), titled, with language and bookmarks.

It is laid out from the same chapter parts, with the same page map, as the print edition
(``report.editions.chaptered``), so every page both editions have prints the same folio;
each part is tagged and their structure trees are merged into one
(``report.editions.tagged``). The blank left-hand pages that only make a chapter start
on the right are left out of a file meant for screens, and its page labels keep the
printed numbers true. No bleed, no crop marks (digital.css).
"""

from __future__ import annotations

from pathlib import Path

from report.editions import EditionResult
from report.editions.chaptered import build_chaptered
from report.editions.context import BuildContext
from report.editions.paged import running_heads_css
from report.editions.stamp import draft_css, sha256_of

# The reviewer pack: each citable block's number (citable.lua's empty ``.pn`` span, which
# carries it as ``data-n``) in the margin, left of the block's first line; in a table,
# left of its row. A float (not an absolutely positioned box: WeasyPrint loses those
# after the first page of a chapter) takes no room from the text, so the lines break as
# in the digital edition.
PACK_CSS = """
.pn::before { content: attr(data-n); }
.pn { float: left; margin-left: -13mm; width: 10mm; text-align: right;
      font: 600 7.5pt/1.9 "Report Sans", sans-serif; color: #5c5c5c; font-style: normal;
      text-indent: 0; }
/* out of the boxes and indents of paged.css: the box's padding and border, a list's or
   a quotation's indent (10.6 mm, WeasyPrint's 40px) added to the 13 mm */
.recommendation .pn { margin-left: -18.1mm; }
.case-study .pn, .key-findings .pn { margin-left: -17.3mm; }
.draft .pn { margin-left: -16.3mm; }
li .pn, blockquote .pn { margin-left: -23.6mm; }
.quote blockquote .pn { margin-left: -21mm; }
.case-study li .pn, .key-findings li .pn { margin-left: -27.9mm; }
.recommendation li .pn { margin-left: -28.7mm; }
.draft li .pn { margin-left: -26.9mm; }
/* where a float cannot go (a table cell, a caption, a footnote, a hanging reference):
   a zero-width box whose number runs out to its left */
td .pn, th .pn, caption .pn, figcaption .pn, .footnote .pn, .csl-entry .pn {
      float: none; display: inline-block; width: 0; margin: 0; direction: rtl;
      white-space: nowrap; position: relative; left: -3mm; }
.footnote .pn { left: -7mm; }  /* left of the note's own number */
"""


def lay_out(context: BuildContext, out: Path) -> int:
    """The digital edition's layout into ``out``; as the pack when ``context.pack``."""
    extra_css = running_heads_css(context.rendered) + (PACK_CSS if context.pack else "")
    return build_chaptered(context, out, ["paged.css", "digital.css"], extra_css,
                           {"pdf_variant": "pdf/ua-1"}, layer_css=draft_css(context),
                           edition="digital", tagged=True)


def build(context: BuildContext) -> EditionResult:
    out = context.path(f"{context.manuscript.manifest.slug}.pdf")
    pages = lay_out(context, out)
    return EditionResult("digital", out, pages=pages, sha256=sha256_of(out))
