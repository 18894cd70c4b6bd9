"""The accessible digital PDF: tagged (PDF/UA-1), titled, with language and bookmarks.

It is laid out from the same chapter parts, with the same page map, as the print edition
(``report.editions.chaptered``), so every page both editions have prints the same folio;
each part is tagged and their structure trees are merged into one
(``report.editions.tagged``). The blank left-hand pages that only make a chapter start
on the right are left out of a file meant for screens, and its page labels keep the
printed numbers true. No bleed, no crop marks (digital.css).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pikepdf

from report.editions import EditionResult, Pending
from report.editions.chaptered import PartsSpec, build_chaptered, lay_out_chaptered, parts_spec
from report.editions.context import BuildContext
from report.editions.forked import Apart
from report.editions.paged import running_heads_css
from report.editions.stamp import draft_css, sha256_of

# The reviewer pack: each citable block's number (citable.lua's empty ``.pn`` span, which
# carries it as ``data-n``) in the margin, left of the block's first line; in a table,
# left of its row. A zero-width inline box whose number runs out to its left takes no
# room from the text (the lines break as in the digital edition) and stays on its
# block's first line, whatever page that falls on (a float, or an absolutely positioned
# box, can be left behind on the page before). Its offset takes it out of the boxes and
# indents of paged.css: a box's padding and border, a list's or quotation's indent
# (10.6 mm, WeasyPrint's 40px), so that the numbers stand in one column, 3 mm from the text.
PACK_CSS = """
.pn::before { content: attr(data-n); }
.pn { display: inline-block; width: 0; direction: rtl; white-space: nowrap;
      position: relative; left: -3mm; text-indent: 0; font: 600 7.5pt/1 "Report Sans",
      sans-serif; color: #5c5c5c; font-style: normal; }
.recommendation .pn { left: -8.1mm; }
.case-study .pn, .key-findings .pn { left: -7.3mm; }
.draft .pn { left: -6.3mm; }
li .pn, blockquote .pn { left: -13.6mm; }
.quote blockquote .pn { left: -11mm; }
.case-study li .pn, .key-findings li .pn { left: -17.9mm; }
.recommendation li .pn { left: -18.7mm; }
.draft li .pn { left: -16.9mm; }
td .pn, th .pn { left: -5mm; }  /* and the cell's padding */
dd .pn { left: -9mm; }
.draft-chapter .pn { left: -3mm; }  /* a lone draft note: no border, no padding */
.draft .key-findings .pn { left: -11.4mm; }
.draft .key-findings li .pn { left: -22mm; }
.draft .quote blockquote .pn { left: -14.3mm; }
.footnote .pn { left: -7mm; }  /* left of the note's own number */
/* a right-aligned line (a quotation's attribution): floated to the left edge */
.quote blockquote p:last-child .pn { float: left; width: 10mm; margin-left: -21mm;
      direction: ltr; text-align: right; position: static; }
.draft .quote blockquote p:last-child .pn { margin-left: -24.3mm; }
"""


def parts(context: BuildContext) -> PartsSpec:
    """How the digital edition's parts are laid out; as the pack when ``context.pack``."""
    extra_css = running_heads_css(context.rendered) + (PACK_CSS if context.pack else "")
    return parts_spec(["paged.css", "digital.css"], extra_css, {"pdf_variant": "pdf/ua-1"},
                      layer_css=draft_css(context), edition="digital", tagged=True)


def lay_out(context: BuildContext, out: Path) -> int:
    """The digital edition's layout into ``out``; as the pack when ``context.pack``."""
    return build_chaptered(context, out, parts(context))


def build(context: BuildContext) -> EditionResult:
    out = context.path(f"{context.manuscript.manifest.slug}.pdf")
    if not context.assemble_apart:
        pages = lay_out(context, out)
        return EditionResult("digital", out, pages=pages, sha256=sha256_of(out))
    # The structure trees' merge and the save (2 s of a corpus edit) in a process of its
    # own, which ends without freeing the merged book (0.4 s more), while this one goes
    # on with the next edition.
    book = lay_out_chaptered(context, parts(context))
    apart = Apart(functools.partial(book.write, out))

    def finished() -> EditionResult:
        apart.done()
        with pikepdf.open(out) as pdf:
            pages = len(pdf.pages)
        return EditionResult("digital", out, pages=pages, sha256=sha256_of(out))

    return EditionResult("digital", out, pending=Pending(finished, apart.stop))
