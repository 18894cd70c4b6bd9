"""Dot leaders laid out as one run of text per line (report.editions.leaders) put the
same dots in the same places as WeasyPrint's one box per dot."""

from __future__ import annotations

import re
from pathlib import Path

from weasyprint import CSS, HTML

from report.editions import pdf
from report.editions.leaders import joined_leaders
from tests.pdftext import pages

CONTENTS = "".join(
    f'<li><a href="#s{n}">{title}</a></li>' for n, title in enumerate(
        ["Introduction", "The Chatham House Rule", "How the evidence was analysed",
         "A heading long enough to wrap onto a second line of the contents, as some do "
         "in a report"]))
DOCUMENT = (f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><ul>{CONTENTS}'
            "</ul>" + "".join(f'<h1 id="s{n}">Section {n}</h1>' for n in range(4))
            + "</body></html>")
CSS_TEXT = ("@page { size: A5; } ul { width: 110mm; list-style: none; } "
            'a::after { content: leader(".") target-counter(attr(href), page); }')


def _leaders(document) -> list:
    """Every leader box of the laid-out ``document``, in order."""
    found = []

    def walk(box):
        if getattr(box, "is_leader", False):
            found.append(box)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return found


def _render(joined: bool):
    html = HTML(string=DOCUMENT)
    if not joined:
        return html.render(stylesheets=[CSS(string=CSS_TEXT)])
    with joined_leaders():
        return html.render(stylesheets=[CSS(string=CSS_TEXT)])


def test_a_leader_is_one_run_of_the_same_dots_in_the_same_place() -> None:
    dots, joined = _leaders(_render(False)), _leaders(_render(True))
    assert len(dots) == len(joined) == 4
    for apart, together in zip(dots, joined, strict=True):
        assert len(apart.children) > 10  # one box a dot, as WeasyPrint lays them out
        run, = together.children
        first = min(apart.children, key=lambda box: box.position_x)
        last = max(apart.children, key=lambda box: box.position_x)
        assert run.text == "." * len(apart.children)
        assert abs(run.position_x - first.position_x) < 1e-6
        assert abs(run.position_x + run.width - (last.position_x + last.width)) < 1e-3
        assert (run.position_y, run.baseline) == (first.position_y, first.baseline)


def test_outside_the_block_weasyprint_lays_leaders_out_as_before() -> None:
    with joined_leaders():
        pass
    assert all(len(box.children) > 10 for box in _leaders(_render(False)))


def test_a_laid_out_part_prints_the_dots_and_page_numbers(tmp_path: Path) -> None:
    """Through the toolkit's layout, the text of each contents line is its title, dots
    and the page number, as before."""
    out = tmp_path / "contents.pdf"
    pdf.layout(DOCUMENT, out, tmp_path, tmp_path, ["paged.css"], CSS_TEXT)
    text = pages(out)[0].text
    for title in ("Introduction", "The Chatham House Rule"):
        assert re.search(rf"^{title} ?\.{{20,}} ?1$", text, re.MULTILINE), text


def test_in_the_tagged_edition_the_dots_are_layout_artifacts_outside_the_tree(
        tmp_path: Path) -> None:
    """A screen reader reads a contents line as its title and page number: the dots are
    ``/Artifact <</Type /Layout>>`` marked content, in no structure element; the page
    still shows them, and the PDF/UA checker passes."""
    import pikepdf

    from report.checks.built import pdf_accessibility_findings

    html = DOCUMENT.replace('<html>', '<html lang="en-GB">').replace(
        "<head>", "<head><title>Contents</title>")
    out = tmp_path / "tagged.pdf"
    pdf.layout(html, out, tmp_path, tmp_path, ["paged.css"], CSS_TEXT,
               pdf_variant="pdf/ua-1")
    assert pdf_accessibility_findings(out) == []
    with pikepdf.open(out) as document:
        layout = [operands for operands, operator
                  in pikepdf.parse_content_stream(document.pages[0])
                  if str(operator) == "BDC" and str(operands[0]) == "/Artifact"
                  and operands[1].get("/Type") == "/Layout"]
        assert len(layout) == 4  # one run of dots a line
    assert re.search(r"^Introduction ?\.{20,} ?1$", pages(out)[0].text, re.MULTILINE)
