"""Accessibility checks of built files, on small PDFs made with WeasyPrint (tagged PDF/UA-1
and untagged) and EPUBs made with pandoc, checked by the real EPUBCheck."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pikepdf
import pypandoc
import pytest
from weasyprint import HTML

from report.checks.built import epub_findings, epubcheck_command, pdf_accessibility_findings
from tests.test_pdfua import corrected_pdf

DOT = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
       "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def page(alt: str | None = "A dot", lang: bool = True, title: bool = True) -> str:
    alt_attr = f' alt="{alt}"' if alt is not None else ""
    lang_attr = ' lang="en-GB"' if lang else ""
    head = "<title>Test report</title>" if title else ""
    return (f"<html{lang_attr}><head>{head}</head><body><h1>Findings</h1><p>Text.</p>"
            f'<figure><img src="{DOT}"{alt_attr}></figure><h2>More</h2></body></html>')


def codes(findings) -> list[str]:
    return sorted(f.code for f in findings)


def test_tagged_pdf_ua_passes(tmp_path):
    """Tagged as the digital edition tags (WeasyPrint's own tagging fails PDF/UA-1:
    tests/test_pdfua.py)."""
    path = corrected_pdf(page(), tmp_path / "tagged.pdf")
    assert pdf_accessibility_findings(path) == []


def test_untagged_pdf_fails_each_check(tmp_path):
    path = tmp_path / "untagged.pdf"
    HTML(string=page(lang=False, title=False)).write_pdf(path)
    findings = pdf_accessibility_findings(path, "build/untagged.pdf")
    assert codes(findings) == ["A11Y001", "A11Y002", "A11Y003", "A11Y004", "A11Y005", "A11Y008"]
    assert {(f.path, f.line, f.column, f.severity) for f in findings} == {
        ("build/untagged.pdf", 1, 1, "error")}


def test_figure_without_alt(tmp_path):
    path = corrected_pdf(page(alt=None), tmp_path / "noalt.pdf")
    findings = pdf_accessibility_findings(path)
    assert codes(findings) == ["A11Y006"]
    assert findings[0].message.startswith("1 Figure")


def test_outline_and_fonts(tmp_path):
    path = tmp_path / "bare.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    pdf.pages[0].Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    pdf.save(path)
    findings = pdf_accessibility_findings(path)
    assert "A11Y007" in codes(findings)
    assert [f.message for f in findings if f.code == "A11Y009"] == ["font not embedded: Helvetica"]


def test_not_a_pdf(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_text("not a pdf", encoding="utf-8")
    assert codes(pdf_accessibility_findings(path)) == ["A11Y010"]


def test_report_check_built_reads_the_build_manifest(run_report, make_tree):
    root = make_tree("check")
    build = root / "build"
    build.mkdir()
    HTML(string=page(lang=False)).write_pdf(build / "report.pdf")
    (build / "manifest.json").write_text(json.dumps({"editions": {
        "digital": {"path": "build/report.pdf"}, "epub": {"path": "build/gone.epub"}}}))
    result = run_report(root, "check", "--built", "--format", "json")
    assert result.exit_code == 1
    built = sorted((f["path"], f["code"]) for f in json.loads(result.stdout)
                   if f["code"].startswith("A11Y"))
    assert built == [("build/gone.epub", "A11Y030"), ("build/report.pdf", "A11Y001"),
                     ("build/report.pdf", "A11Y002"), ("build/report.pdf", "A11Y003"),
                     ("build/report.pdf", "A11Y004"), ("build/report.pdf", "A11Y008")]


def test_report_check_built_without_a_build_is_bad_input(run_report, make_tree):
    root = make_tree("check")
    result = run_report(root, "check", "--built")
    assert result.exit_code == 2
    assert "run `report build digital epub` first" in result.stderr


@pytest.mark.skipif(epubcheck_command() is None, reason="epubcheck is not installed")
def test_epubcheck_errors_become_findings(tmp_path):
    good = tmp_path / "good.epub"
    pypandoc.convert_text("# Hello\n\nText.\n", "epub3", format="markdown", outputfile=str(good),
                          extra_args=["--metadata=title:Test", "--metadata=lang:en-GB"])
    bad = tmp_path / "bad.epub"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith("ch001.xhtml"):
                data = data.replace(b"</body>", b"<p><unknowntag>x</unknowntag></p></body>")
            target.writestr(item, data)
    findings = epub_findings(bad, "build/bad.epub")
    # Exactly the one planted error: pandoc's EPUB is otherwise valid (one EPUBCheck run,
    # as it takes seconds).
    assert len(findings) == 1, findings
    finding = findings[0]
    assert (finding.path, finding.code, finding.severity) == ("build/bad.epub", "A11Y020", "error")
    assert "RSC-005" in finding.message and "unknowntag" in finding.message
    assert "ch001.xhtml:" in finding.message


def test_missing_epubcheck_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    findings = epub_findings(Path("x.epub"))
    assert codes(findings) == ["A11Y029"]
