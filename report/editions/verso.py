"""The title verso (copyright page) as lines of text, for the editions pandoc writes.

The PDFs print the same lines from ``templates/paged.html``; Word and EPUB get them here
as paragraphs, so a reader of any edition finds who holds the copyright, under which
licence it may be reused, who published it, its ISBNs and which version it is.
"""

from __future__ import annotations

from report.editions.context import BuildContext

# How each edition's ISBN is labelled, in the order editions are listed.
ISBN_LABELS = {"print": "print", "digital": "PDF", "epub": "EPUB"}


def lines(context: BuildContext) -> list[str]:
    """The verso's paragraphs, in the order the PDFs print them."""
    m = context.manuscript.manifest
    out: list[str] = []
    holder = m.copyright or (f"© {m.publisher or ' and '.join(m.partners)}"
                             if m.publisher or m.partners else None)
    if holder:
        out.append(holder)
    if m.licence:
        out.append(f"This publication is licensed under the {m.licence}.")
    if m.publisher:
        out.append(f"Published by {m.publisher}" + (f", {m.place}" if m.place else "") + ".")
    for edition, label in ISBN_LABELS.items():
        isbn = m.isbn.get(edition)
        if isbn:
            out.append(f"ISBN {isbn} ({label})")
    version = f"Version {m.version}"
    if context.final:
        version += f" · {context.provenance.short}"
    out.append(version)
    out.append("This report is available in print, as an accessible PDF, on the web, in Word "
               "and as an EPUB. To ask for another format, see the accessibility statement.")
    if context.draft:
        out.append(context.stamp)
    return out
