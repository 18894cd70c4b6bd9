"""One pagination for both PDFs, on the bundled report: a reader of the screen edition
and a reader of the printed book cite the same page for the same text."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from report.checks.built import pdf_accessibility_findings
from tests.pdftext import STAMP, normalise, pages


def edition(root: Path, name: str) -> Path:
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    return root / manifest["editions"][name]["path"]


def labels(path: Path) -> list[str]:
    return list(PdfReader(str(path)).page_labels)


def squeezed(text: str) -> str:
    """Text without spaces or soft hyphens: text extraction splits words its own way."""
    return re.sub(r"\s+", "", normalise(STAMP.sub("", text)))


@pytest.mark.parametrize("name", ["print", "digital"])
def test_page_labels_are_the_printed_folios(bundled_build: Path, name: str) -> None:
    path = edition(bundled_build, name)
    document, shown = pages(path), labels(path)
    assert len(shown) == len(document)
    assert shown[0] == "i" and "1" in shown
    first_main = shown.index("1")
    assert all(re.fullmatch(r"[ivxlc]+", label) for label in shown[:first_main])
    assert all(label.isdigit() for label in shown[first_main:])
    checked = 0
    for page in document[1:]:  # the cover prints no folio (its last line is the date)
        if page.folio:
            assert shown[page.index] == page.folio, (page.index, page.folio)
            checked += 1
    assert checked >= len(document) * 0.75


def test_every_page_prints_the_same_folio_in_both_pdfs(bundled_build: Path) -> None:
    """The digital edition's main matter is the print edition's without its blank versos.
    (The front matter differs by design: the print edition's cover is a file of its own.)"""
    print_labels, digital_labels = (labels(edition(bundled_build, name))
                                    for name in ("print", "digital"))
    printed = [page for page in pages(edition(bundled_build, "print"))
               if print_labels[page.index].isdigit()]
    digital = [page for page in pages(edition(bundled_build, "digital"))
               if digital_labels[page.index].isdigit()]
    non_blank = [page for page in printed if squeezed(page.text)]
    assert len(non_blank) < len(printed)  # the bundled report has blank versos
    assert [digital_labels[page.index] for page in digital] == [
        print_labels[page.index] for page in non_blank]
    for print_page, digital_page in zip(non_blank, digital, strict=True):
        assert print_page.folio == digital_page.folio, (print_page.index, digital_page.index)
        similarity = difflib.SequenceMatcher(None, squeezed(print_page.text),
                                             squeezed(digital_page.text)).quick_ratio()
        assert similarity > 0.9, (print_page.index, digital_page.index)


@pytest.mark.parametrize("name", ["print", "digital"])
def test_contents_point_at_the_page_where_the_heading_stands(bundled_build: Path,
                                                             name: str) -> None:
    path = edition(bundled_build, name)
    document, shown = pages(path), labels(path)
    by_label = {label: document[index] for index, label in enumerate(shown)}
    start = next(p.index for p in document if p.text.lstrip().startswith("Contents"))
    entries = []
    for page in document[start:]:
        found = [re.match(r"^(.*?)\s*\.{3,}\s*([ivxlc]+|\d+)$", line.strip())
                 for line in page.text.splitlines()]
        found = [match.groups() for match in found if match]
        if not found:
            break
        entries += found
    assert len(entries) >= 40
    for title, number in entries:
        target = by_label[number]
        assert squeezed(title) in squeezed(target.text), (title, number, target.index)


@pytest.mark.parametrize("name", ["print", "digital"])
def test_summary_of_recommendations_points_at_each_recommendation(bundled_build: Path,
                                                                  name: str) -> None:
    path = edition(bundled_build, name)
    document, shown = pages(path), labels(path)
    by_label = {label: document[index] for index, label in enumerate(shown)}
    text = normalise(" ".join(page.text for page in document))
    references = re.findall(r"Recommendation (\d+) \(page (\d+)\)", text)
    assert [int(number) for number, _ in references] == list(range(1, 26))
    for number, page in references:
        assert f"Recommendation {number} (to:" in normalise(by_label[page].text), (number, page)


def test_the_bundled_digital_edition_passes_the_pdfua_checker(bundled_build: Path) -> None:
    assert pdf_accessibility_findings(edition(bundled_build, "digital")) == []
