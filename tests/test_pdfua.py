"""The PDF/UA-1 structural checker (report.checks.pdfua) and the tagging corrections
(report.editions.tagged): each defect WeasyPrint's own tagging has is made here in a
small document, the checker is seen to fail on WeasyPrint's PDF, and to pass once the
digital edition's corrections are applied. Then the structural defects the corrections
never make are made by hand in a corrected PDF."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from weasyprint import HTML

from report.checks.built import pdf_accessibility_findings
from report.checks.pdfua import pdfua_findings
from report.editions.pdf import layout
from report.editions.tagged import blank_pages

DOT = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
       "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
STYLE = ("@page { size: A4; margin: 20mm; } "
         ".footnote { float: footnote; } h1 .number { display: block; } "
         "nav a::after { content: leader('.') target-counter(attr(href), page); } "
         "section { break-before: right; }")


def document(body: str, style: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Test '
            f"report</title><style>{STYLE}{style}</style></head><body>{body}</body></html>")


def weasyprint_pdf(html: str, path: Path) -> Path:
    """What WeasyPrint writes, tagged but uncorrected."""
    HTML(string=html).write_pdf(path, pdf_variant="pdf/ua-1")
    return path


def corrected_pdf(html: str, path: Path) -> Path:
    """What the digital edition writes: through report.editions.pdf with its corrections."""
    def prepare(laid_out):
        blank = set(blank_pages(laid_out))
        return laid_out.copy([p for i, p in enumerate(laid_out.pages) if i not in blank])

    layout(html, path, path.parent, path.parent, [], prepare=prepare,
           descriptions={"sec-scope": "Section 1.1, Scope"}, pdf_variant="pdf/ua-1")
    return path


def codes(path: Path) -> set[str]:
    return {finding.code for finding in pdf_accessibility_findings(path)}


def messages(path: Path, code: str) -> list[str]:
    return [f.message for f in pdf_accessibility_findings(path) if f.code == code]


# Each defect of the issue, in the smallest document that has it.
DEFECTS = {
    "running heads and folios tagged outside the tree": (
        "<h1>Findings</h1><p>Text.</p>",
        "@page { @top-left { content: 'Running head'; } @bottom-right { content: "
        "counter(page); } @bottom-center { content: 'Draft 0.1.0'; } }",
        "A11Y011", "marked content outside the structure tree"),
    "two H1s for one chapter heading": (
        '<h1><span class="number">1</span> Introduction</h1><p>Text.</p>', "",
        "A11Y012", "heading inside a heading"),
    "table header cells without scope": (
        "<h1>Data</h1><table><thead><tr><th>Year</th><th>Referrals</th></tr></thead>"
        "<tbody><tr><td>2020</td><td>10,613</td></tr></tbody></table>", "",
        "A11Y013", "without /Scope"),
    "footnote left as NonStruct": (
        '<h1>Notes</h1><p>Text<span class="footnote" id="fn1">A footnote.</span> more.</p>',
        "", "A11Y014", "footnote area not tagged as Note"),
    "nested link annotations in the contents": (
        '<h1>Report</h1><nav><ul><li><a href="#sec-scope"><span>1.1</span> Scope</a></li>'
        '</ul></nav><h2 id="sec-scope">Scope</h2>', "",
        "A11Y015", "Link element nested inside a Link element"),
    "link described by an internal id": (
        '<h1>Report</h1><p>See <a href="#sec-scope">Section 1.1</a>.</p>'
        '<h2 id="sec-scope">Scope</h2>', "",
        "A11Y015", "internal id"),
    "figure BBox in CSS pixels": (
        f'<h1>Chart</h1><div style="height: 160mm"></div><figure><img src="{DOT}" '
        'alt="A dot" style="width: 40mm; height: 40mm"></figure>', "",
        "A11Y017", "Figure /BBox"),
    "a chapter cut into one Sect per page": (
        "<section><h1>Long</h1>" + "<p>A paragraph of the chapter that goes on. </p>" * 70
        + "</section>", "",
        "A11Y012", "a section cut at a page break"),
    "blank versos in a screen edition": (
        "<section><h1>One</h1><p>Text.</p></section>"
        "<section><h1>Two</h1><p>Text.</p></section>", "",
        "A11Y019", "blank page"),
}


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_each_defect_of_weasyprints_tagging_fails_and_the_digital_edition_has_none(
        tmp_path: Path, defect: str) -> None:
    body, style, code, message = DEFECTS[defect]
    html = document(body, style)
    raw = weasyprint_pdf(html, tmp_path / "raw.pdf")
    assert any(message in found for found in messages(raw, code)), \
        pdf_accessibility_findings(raw)
    fixed = corrected_pdf(html, tmp_path / "fixed.pdf")
    assert pdf_accessibility_findings(fixed) == []


def test_corrections_do_what_they_say(tmp_path: Path) -> None:
    """Artifacts with their pagination type (a leader's: layout), Note with ID, TH scope,
    one annotation."""
    body = "".join(DEFECTS[name][0] for name in (
        "table header cells without scope", "footnote left as NonStruct",
        "nested link annotations in the contents"))
    path = corrected_pdf(document(body, DEFECTS["running heads and folios tagged outside "
                                                  "the tree"][1]), tmp_path / "fixed.pdf")
    with pikepdf.open(path) as pdf:
        artifacts = [operands[1] for operands, operator in pikepdf.parse_content_stream(
            pdf.pages[0], "BDC") if operands[0] == pikepdf.Name.Artifact
            and isinstance(operands[1], pikepdf.Dictionary)]
        pagination = [a for a in artifacts if a.Type == pikepdf.Name.Pagination]
        assert {str(a.Subtype) for a in pagination} == {"/Header", "/Footer"}
        # and the contents entry's dot leader, a layout artifact
        assert [a.Type for a in artifacts if a not in pagination] == [pikepdf.Name.Layout]
        tree = list(_walk(pdf.Root.StructTreeRoot))
        notes = [e for e in tree if e.S == "/Note"]
        assert [str(n.ID) for n in notes] == ["fn1"]
        assert {str(e.A.Scope) for e in tree if e.S == "/TH"} == {"/Column"}
        links = [a for a in pdf.pages[0].Annots if a.Subtype == "/Link"]
        assert [str(a.Contents) for a in links] == ["Section 1.1, Scope", "Footnote 1"]
        assert pdf.pages[0].Tabs == pikepdf.Name.S


def _walk(node):
    kids = node.get("/K")
    for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _walk(kid)


def _edit(path: Path, change) -> Path:
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        change(pdf, list(_walk(pdf.Root.StructTreeRoot)))
        pdf.save(path)
    return path


@pytest.mark.parametrize(("change", "code", "message"), [
    (lambda pdf, tree: [e for e in tree if e.S == "/Note"][0].__delitem__("/ID"),
     "A11Y014", "Note without an ID"),
    (lambda pdf, tree: [e for e in tree if e.S == "/TH"][0].A.__delitem__("/Scope"),
     "A11Y013", "without /Scope"),
    (lambda pdf, tree: setattr([e for e in tree if e.S == "/TR"][0], "S", pikepdf.Name.P),
     "A11Y013", "inside P"),
    (lambda pdf, tree: setattr([e for e in tree if e.S == "/H1"][0], "S", pikepdf.Name.H3),
     "A11Y012", "first heading is H3"),
    (lambda pdf, tree: setattr(pdf.Root.MarkInfo, "Suspects", True), "A11Y011", "Suspects"),
    (lambda pdf, tree: pdf.pages[0].obj.__delitem__("/Tabs"), "A11Y016", "/Tabs /S"),
    (lambda pdf, tree: next(iter(pdf.pages[0].Resources.Font.values())).__delitem__(
        "/ToUnicode"), "A11Y018", "without /ToUnicode"),
    (lambda pdf, tree: [e for e in tree if e.S == "/Link"][0].__setitem__("/S", "/Span"),
     "A11Y015", "not inside a Link element"),
])
def test_hand_made_structure_defects_fail(tmp_path: Path, change, code, message) -> None:
    body = ('<h1>Report</h1><p>See <a href="#sec-scope">Section 1.1</a>.<span '
            'class="footnote" id="fn1">A note.</span></p><h2 id="sec-scope">Scope</h2>'
            "<table><thead><tr><th>Year</th></tr></thead><tbody><tr><td>2020</td></tr>"
            "</tbody></table>")
    path = corrected_pdf(document(body), tmp_path / "fixed.pdf")
    assert pdf_accessibility_findings(path) == []
    _edit(path, change)
    assert any(message in found for found in messages(path, code)), \
        pdf_accessibility_findings(path)


def test_untagged_content_outside_marked_content_fails(tmp_path: Path) -> None:
    path = corrected_pdf(document("<h1>Report</h1>"), tmp_path / "fixed.pdf")
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.pages[0].contents_add(b"0 0 10 10 re f\n")
        pdf.save(path)
    with pikepdf.open(path) as pdf:
        assert any("outside marked content" in f.message for f in pdfua_findings(pdf, "x"))


def test_a_part_that_cannot_be_merged_stops_naming_the_part(tmp_path: Path) -> None:
    from report.editions.tagged import PartError, merge_parts

    base = corrected_pdf(document("<h1>Front</h1>"), tmp_path / "front.pdf")
    untagged = tmp_path / "chapter.pdf"
    HTML(string=document("<h1>Chapter</h1>")).write_pdf(untagged)
    with pikepdf.open(base) as book, pikepdf.open(untagged) as part, \
            pytest.raises(PartError, match="part 'ch-practice' cannot be merged: it has no "
                          "structure tree"):
        merge_parts(book, "front", [("ch-practice", part)])


def test_report_build_stops_naming_the_part_and_writes_nothing(make_tree, run_report,
                                                               monkeypatch) -> None:
    """WeasyPrint output not as expected (here: a part laid out untagged) stops the build."""
    from report.editions import chaptered

    real = chaptered._lay_out

    def untagged(job):
        if job.key == "ch-practice":
            job = chaptered.LayoutJob(**{**job.__dict__, "tagged": False, "options": ()})
        return real(job)

    monkeypatch.setattr(chaptered, "_lay_out", untagged)
    root = make_tree("constructs")
    result = run_report(root, "build", "digital", "--jobs", "1")
    assert result.exit_code == 1
    assert "part 'ch-practice' cannot be merged: it has no structure tree" in result.output
    assert not (root / "build" / "constructs-report.pdf").exists()


LONG = " ".join(["A sentence of a paragraph long enough to run over a page break."] * 45)


def _role(element) -> str:
    return str(element.S)


def test_a_chapter_is_one_sect_and_reads_as_the_book(tmp_path: Path) -> None:
    """Document > Sect per chapter > H1, P, ...: the paragraph and the list cut by page
    breaks are one P and one L, each page's notes sit in the chapter after the text of
    their page, and the next chapter is a Sect of its own."""
    items = "".join(f"<li>Item {number}</li>" for number in range(70))
    body = ('<section id="one"><h1>One</h1><p>First<span class="footnote" id="fn1">The '
            f"first note.</span> paragraph.</p><p>{LONG}</p><ul>{items}</ul><p>Last "
            'paragraph<span class="footnote" id="fn2">The second note.</span>.</p></section>'
            '<section id="two"><h1>Two</h1><p>Short.</p></section>')
    path = corrected_pdf(document(body), tmp_path / "book.pdf")
    assert pdf_accessibility_findings(path) == []
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) >= 4  # the paragraph and the list do cross page breaks
        document_element = pdf.Root.StructTreeRoot.K[0]
        chapters = list(document_element.K)
        assert [_role(c) for c in chapters] == ["/Sect", "/Sect"]
        one = [_role(kid) for kid in chapters[0].K]
        assert one[0] == "/H1"
        assert one.count("/P") == 3 and one.count("/L") == 1
        assert one.count("/Div") == 2  # the notes of two pages, inside the chapter
        notes = [n for n in _walk(chapters[0]) if n.S == "/Note"]
        assert [str(n.ID) for n in notes] == ["fn1", "fn2"]
        assert all(kid.P.objgen == chapters[0].objgen for kid in chapters[0].K)
        assert len(list(chapters[0].K[one.index("/L")].K)) == 70


def test_a_footnote_call_is_a_reference_holding_a_link_to_its_note(tmp_path: Path) -> None:
    body = ('<h1>Notes</h1><p>Text<span class="footnote" id="fn1">A footnote.</span> '
            "more.</p>")
    path = corrected_pdf(document(body), tmp_path / "fixed.pdf")
    assert pdf_accessibility_findings(path) == []
    with pikepdf.open(path) as pdf:
        tree = list(_walk(pdf.Root.StructTreeRoot))
        [reference] = [e for e in tree if e.S == "/Reference"]
        [link] = [kid for kid in reference.K if kid.get("/S") == "/Link"]
        [objr] = [kid for kid in link.K if kid.get("/Type") == "/OBJR"]
        annotation = objr.Obj
        assert str(annotation.Contents) == "Footnote 1"
        assert str(annotation.Dest) == "fn1"
        names = dict(pikepdf.NameTree(pdf.Root.Names.Dests).items())
        assert names["fn1"][0].objgen == pdf.pages[0].objgen
        parent_tree = pdf.Root.StructTreeRoot.ParentTree.Nums
        position = list(parent_tree).index(int(annotation.StructParent))
        assert parent_tree[position + 1].objgen == link.objgen
        x1, y1, x2, y2 = (float(v) for v in annotation.Rect)
        assert abs(y2 - y1) > 4 and abs(x2 - x1) > 2  # a clickable area, the call's text


def test_a_footnote_call_without_its_link_fails(tmp_path: Path, monkeypatch) -> None:
    from report.editions import tagged

    monkeypatch.setattr(tagged, "footnote_links", lambda document: None)
    body = '<h1>Notes</h1><p>Text<span class="footnote" id="fn1">A note.</span>.</p>'
    path = corrected_pdf(document(body), tmp_path / "unlinked.pdf")
    assert any("footnote call (Reference) not linked to its Note" in m
               for m in messages(path, "A11Y014")), pdf_accessibility_findings(path)


def test_a_footnote_link_that_goes_nowhere_fails(tmp_path: Path) -> None:
    body = '<h1>Notes</h1><p>Text<span class="footnote" id="fn1">A note.</span>.</p>'
    path = corrected_pdf(document(body), tmp_path / "fixed.pdf")
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for annotation in pdf.pages[0].Annots:
            annotation.Dest = pikepdf.String("no-such-note")
        pdf.save(path)
    assert any("footnote call's link goes to no page with a Note" in m
               for m in messages(path, "A11Y014")), pdf_accessibility_findings(path)
