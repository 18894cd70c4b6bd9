"""The standalone executive summary: the PDF that goes out with the press release.

Journalists and busy readers take the summary first; it is the same text as the
report's (laid out from the shared render, with the paged CSS of the digital PDF, tagged
PDF/UA-1), headed with what it summarises: the report's title, partners, version and the
ISBN of the full PDF.

Which chapters: ``extra.executive_summary`` in ``mkdocs.yml`` (a chapter file in
``docs_dir``, or a list of them), else the front-matter chapter(s) labelled
``ch-executive-summary``. Links to labels outside the summary (a recommendation, a
section of a chapter) are kept as plain text: their targets are not in this file.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from lxml import html

from report import __version__
from report.editions.context import BuildContext
from report.editions.paged import chapters_html
from report.editions.pdf import write_pdf
from report.errors import InputError, Problem
from report.manuscript import MANIFEST

SUMMARY_LABEL = "ch-executive-summary"
MANIFEST_KEY = "executive_summary"
SUMMARY_CSS = """
body.summary section.chapter { break-before: auto; }
body.summary section.kind-front { page: auto; }
.summary-masthead { border-bottom: 0.75pt solid var(--accent); margin: 0 0 8mm;
  padding-bottom: 3mm; font-size: 9pt; color: var(--muted); }
.summary-masthead .summary-of { font-size: 12pt; font-weight: 700; color: var(--accent);
  margin-bottom: 1mm; }
"""


def summary_labels(context: BuildContext) -> list[str]:
    """The labels of the chapters that make the executive summary, in reading order."""
    manuscript = context.manuscript
    named = manuscript.manifest.extra.get(MANIFEST_KEY)
    if named:
        files = [named] if isinstance(named, str) else list(named)
        labels = []
        for name in files:
            chapter = manuscript.chapter_by_rel(f"{manuscript.manifest.docs_dir}/{name}")
            if chapter is None:
                extra = manuscript.manifest.config.get("extra")
                line = extra.line_of(MANIFEST_KEY) if hasattr(extra, "line_of") else None
                raise InputError(Problem(MANIFEST, line, f"extra.{MANIFEST_KEY}: {name} is "
                                         "not a chapter in nav"))
            labels.append(chapter.label)
        return labels
    return [c.label for c in manuscript.chapters
            if c.kind == "front" and c.label == SUMMARY_LABEL]


def _unlink_outside(fragment: str, kept: set[str]) -> str:
    """Links to anchors that are not in the summary become their plain text."""
    element = html.fragment_fromstring(fragment)
    for link in element.xpath(".//a[starts-with(@href, '#')]"):
        if link.get("href", "")[1:] in kept:
            continue
        link.tag = "span"
        for attribute in ("href", "data-page", "role"):  # class kept: .xref is never hyphenated
            link.attrib.pop(attribute, None)
    return html.tostring(element, encoding="unicode")


def summary_document(context: BuildContext, labels: list[str]) -> str:
    rendered = context.rendered
    m = context.manuscript.manifest
    indexes = [i for i, c in enumerate(rendered.chapters) if c.label in labels]
    parts = chapters_html(rendered)
    fragments = [parts[i] for i in indexes]
    ids: set[str] = set()
    for fragment in fragments:
        ids.update(html.fragment_fromstring(fragment).xpath(".//@id"))
    body = "\n".join(_unlink_outside(fragment, ids) for fragment in fragments)
    created = context.provenance.date.isoformat()
    isbn = m.isbn.get("digital")
    about = [f"Version {escape(m.version)}"]
    if m.date:
        about.append(escape(m.date))
    if isbn:
        about.append(f"full report ISBN {escape(isbn)} (PDF)")
    authors = "".join(f'<meta name="author" content="{escape(a)}">' for a in m.authors)
    title = f"Executive summary: {m.full_title}"
    return f"""<!DOCTYPE html>
<html lang="{escape(m.language)}">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
{authors}<meta name="description" content="{escape(title)}">
<meta name="keywords" content="executive summary, final">
<meta name="generator" content="report toolkit {__version__}">
<meta name="dcterms.created" content="{created}">
<meta name="dcterms.modified" content="{created}">
</head>
<body class="digital summary">
<section class="summary-masthead" aria-label="About this summary">
<p class="summary-of">{escape(m.full_title)}</p>
<p>{escape(" and ".join(m.partners))}</p>
<p>{" · ".join(about)}</p>
</section>
{body}
</body>
</html>"""


def write_summary(context: BuildContext, out: Path) -> int | None:
    """Write the summary PDF to ``out``; return its pages, or None if the report has none."""
    labels = summary_labels(context)
    if not labels:
        return None
    manuscript = context.manuscript
    return write_pdf(
        summary_document(context, labels),
        out,
        base_url=manuscript.root / manuscript.manifest.docs_dir,
        root=manuscript.root,
        stylesheets=["paged.css", "digital.css"],
        extra_css=SUMMARY_CSS,
        pdf_variant="pdf/ua-1",
    )
