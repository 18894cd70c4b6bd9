"""The reviewer pack: numbered PDF with a draft stamp, DOCX with p-N bookmarks, template."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import git
import openpyxl
import pytest
from pypdf import PdfReader

from report.manuscript import load
from report.review.paragraphs import number_paragraphs
from report.review.round import open_round

TREE = Path(__file__).resolve().parent.parent / "trees" / "constructs"
STAMP = re.compile(r"Draft for consultation 1\.2\.0 · [0-9a-f]{7} · not for circulation")


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


def test_pdf_numbers_every_paragraph_and_stamps_every_page(opened) -> None:
    root, result, paragraphs = opened
    pdf = _file(opened, ".pdf")
    assert pdf.name == "constructs-report-review-c1.pdf"
    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    assert len(pages) >= 2 and all(STAMP.search(" ".join(p.split())) for p in pages)
    assert STAMP.search(" ".join(pages[0].split())).group(0).split(" · ")[1] == \
        result.record.commit[:7]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    margin = [int(m) for m in re.findall(r"^\s*(\d+)\s{2,}\S", text, re.M)]
    assert margin == list(range(1, len(paragraphs) + 1))
    assert "Practice" in text and "We saw children first as children." in text


def test_docx_paragraphs_carry_number_and_bookmark(opened) -> None:
    _, _, paragraphs = opened
    path = _file(opened, ".docx")
    document = docx.Document(str(path))
    numbered = [p.text for p in document.paragraphs if re.match(r"\[\d+\] ", p.text)]
    assert len(numbered) == len(paragraphs)
    for para, text in zip(paragraphs, numbered, strict=True):
        assert text == f"[{para.number}] " + " ".join(para.text.split())
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    bookmarks = re.findall(r'w:bookmarkStart w:id="\d+" w:name="(p-\d+)"', xml)
    assert bookmarks == [f"p-{p.number}" for p in paragraphs]
    assert STAMP.fullmatch(document.sections[0].header.paragraphs[0].text)


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
