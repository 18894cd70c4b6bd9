"""The reviewer pack is the report: the digital PDF and the Word edition from the one
render, with the render's pack numbers in the margin and as bookmarks p-N, a draft stamp
on every page, and the template."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import git
import openpyxl
import pikepdf
import pypdfium2
import pytest
from pypdf import PdfReader

from report.manuscript import load
from report.render import render
from report.review.importers.pdf import _destinations, _labels
from report.review.paragraphs import number_paragraphs
from report.review.round import open_round

TREE = Path(__file__).resolve().parent.parent / "trees" / "constructs"
STAMP = re.compile(r"Draft for consultation 1\.2\.0 · [0-9a-f]{7} · not for circulation")
# What the Markdown says but a reader never sees: labels, citation keys, attributes.
RAW = re.compile(r"rec-|sec-scope|tbl-|fig-|\[homeoffice|homeoffice2021nrm|\{#|(?<!\w)@\w|:::")


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    root = tmp_path_factory.mktemp("pack") / "report"
    shutil.copytree(TREE, root, ignore=shutil.ignore_patterns("build"))
    (root / ".gitignore").write_text("build/\n")
    repo = git.Repo.init(root)
    repo.git.add(A=True)
    repo.index.commit("Draft")
    paragraphs = number_paragraphs(load(root))
    result = open_round(root, "c1", deadline="2021-12-01", reviewers=["jsmith"])
    return root, result, paragraphs


def _file(opened, suffix: str) -> Path:
    return next(p for p in opened[1].files if p.name.endswith(suffix))


def _words(pdf: Path) -> list[tuple[int, float, float, float, str]]:
    """(page, left, top from the page's bottom, bottom, word) of every word (pdftotext)."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    out, page, height = [], -1, 0.0
    for line in xml.splitlines():
        found = re.search(r'<page width="[\d.]+" height="([\d.]+)"', line)
        if found:
            page, height = page + 1, float(found.group(1))
        word = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">'
                         r"([^<]*)</word>", line)
        if word:
            out.append((page, float(word.group(1)), height - float(word.group(2)),
                        height - float(word.group(3)), word.group(4)))
    return out


def test_pdf_is_the_digital_edition_numbered_in_the_margin(opened) -> None:
    root, result, paragraphs = opened
    pdf = _file(opened, ".pdf")
    assert pdf.name == "constructs-report-review-c1.pdf"
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages]
    assert len(pages) >= 5 and all(STAMP.search(p) for p in pages)
    assert STAMP.search(pages[0]).group(0).split(" · ")[1] == result.record.commit[:7]
    # every numbered block has its destination p-N, once, where the block starts
    with pikepdf.open(pdf) as document:
        places = _destinations(document)
    assert sorted(p.number for p in places) == [p.number for p in paragraphs]
    body = [p.number for p in places if paragraphs[p.number - 1].kind != "footnote"]
    assert body == sorted(body)  # reading order, page by page, top to bottom
    # ... and its number printed beside it: left of every other word on that line
    words = _words(pdf)
    for place in places:
        line = [w for w in words if w[0] == place.page and w[3] <= place.top + 1
                and w[2] >= place.top - 14]
        number = [w for w in line if w[4] == str(place.number)]
        assert number, place
        assert min(w[1] for w in line) == number[0][1], (place, line)
    # ... in one column: read from the margin alone, the same numbers on the same pages
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        margin = sorted((label.page, label.number) for label in _labels(document))
    finally:
        document.close()
    assert margin == sorted((place.page, place.number) for place in places)
    text = " ".join(" ".join(pages).split())
    for seen in ("Summary of recommendations", "Recommendation 1 (to: Home Office)",
                 "Recommendation 2 (page 4) (to: Department for Education)",
                 "As Section 1.1 says, and as Home Office (2021) reports, referrals rose "
                 "(Figure 1).", "Figure 1: Referrals to the NRM in 2020.",
                 "Table 1: Referrals in 2020", "Case study 1: A composite case",
                 "Draft text to be confirmed. Delegates said this; to be confirmed.",
                 "— practitioner, local authority (illustrative)", "4,946",  # the chart
                 "A footnote inside a recommendation."):
        assert seen in text, seen
    assert not RAW.findall(text)
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                            text=True, check=True).stdout
    assert re.search(r"^\s*\d+\s+Year\s{2,}Referrals\s*$", layout, re.M)  # a table row


def test_docx_is_the_word_edition_with_numbers_and_bookmarks(opened) -> None:
    _, _, paragraphs = opened
    path = _file(opened, ".docx")
    package = zipfile.ZipFile(path)
    names = []
    for part in ("word/document.xml", "word/footnotes.xml"):
        names += re.findall(r'w:bookmarkStart w:id="\d+" w:name="(p-\d+)"',
                            package.read(part).decode())
    assert sorted(names, key=lambda n: int(n[2:])) == [f"p-{p.number}" for p in paragraphs]
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    texts += [p.text for table in document.tables for row in table.rows for cell in row.cells
              for p in cell.paragraphs]
    numbered = {int(m.group(1)): t for t in texts if (m := re.match(r"\[(\d+)\] ", t))}
    for para in paragraphs:
        if para.kind != "footnote":  # a row's number and bookmark are in its first cell
            first = para.text.split("\n")[0] if para.kind == "row" else para.text
            assert " ".join(numbered[para.number].split()).startswith(
                f"[{para.number}] " + " ".join(first.split())[:40]), para
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    year = next(p.number for p in paragraphs if p.text == "Year\nReferrals")
    assert [f"[{year}] Year", "Referrals"] in rows and [f"[{year + 1}] 2020", "10,613"] in rows
    assert "Recommendation\u00a02 (to: Department for Education)" in "\n".join(texts)
    assert not RAW.findall("\n".join(texts))
    assert STAMP.fullmatch(document.sections[0].header.paragraphs[0].text)


def test_bundled_report_numbers_every_citable_block_once(bundled_build: Path,
                                                         tmp_path: Path) -> None:
    """The bundled report: one number per citable block, in reading order, the same in
    the pack PDF's destinations and the pack Word file's bookmarks; the reader editions
    carry none (an added paragraph would otherwise change every later chapter)."""
    from report.editions import digital
    from report.editions import docx as word
    from report.editions.context import BuildContext

    manuscript = load(bundled_build)
    citable = render(manuscript).citable
    numbers = [c.number for c in citable if c.number is not None]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 500
    assert len({c.id for c in citable}) == len(citable)
    slug = manuscript.manifest.slug
    with pikepdf.open(bundled_build / "build" / f"{slug}.pdf") as document:
        assert not _destinations(document)
    edition = zipfile.ZipFile(bundled_build / "build" / f"{slug}.docx")
    assert not re.search(r'w:name="p-\d+"', edition.read("word/document.xml").decode())
    pack = BuildContext(manuscript, pack_stamp="Draft for consultation · not for circulation")
    digital.lay_out(pack, tmp_path / "pack.pdf")
    word.lay_out(pack, tmp_path / "pack.docx")
    with pikepdf.open(tmp_path / "pack.pdf") as document:
        places = _destinations(document)
    assert sorted(p.number for p in places) == numbers
    package = zipfile.ZipFile(tmp_path / "pack.docx")
    names = []
    for part in ("word/document.xml", "word/footnotes.xml"):
        names += re.findall(r'w:name="p-(\d+)"', package.read(part).decode())
    assert sorted(int(n) for n in names) == numbers
    kinds = {c.number: c.kind for c in citable}
    body = [p.number for p in places if kinds[p.number] != "footnote"]
    assert body == sorted(body)


def test_template_validates_type_paragraph_and_chapter(opened) -> None:
    root, _, paragraphs = opened
    book = openpyxl.load_workbook(_file(opened, ".xlsx"))
    assert book.sheetnames[:2] == ["Comments", "Instructions"]
    sheet = book["Comments"]
    assert [c.value for c in sheet[1]] == ["Reviewer", "Chapter", "Paragraph", "Type",
                                           "Comment", "Proposed change",
                                           "Observations / response"]
    rules = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    assert rules["D2"].type == "list" and rules["D2"].formula1 == '"ge,te,ed"'
    assert (rules["C2"].type, rules["C2"].operator, rules["C2"].formula1,
            rules["C2"].formula2) == ("whole", "between", "1", str(len(paragraphs)))
    assert rules["B2"].type == "list"
    titles = [c.title for c in load(root).chapters]
    listed = [row[0].value for row in book["Lists"].iter_rows()]
    assert listed == titles and rules["B2"].formula1 == f"=Lists!$A$1:$A${len(titles)}"
    assert "ge = general" in " ".join(str(c.value) for c in book["Instructions"]["A"])


def test_instructions_name_the_files(opened) -> None:
    text = _file(opened, "instructions.md").read_text()
    for name in ("constructs-report-review-c1.docx", "comments-c1.xlsx",
                 "constructs-report-review-c1.pdf", "2021-12-01", "Track Changes"):
        assert name in text
