"""The print and digital PDFs of a small tree holding every construct."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from report.checks.built import pdf_accessibility_findings
from tests.conftest import TREES, build_tree, commit_all
from tests.pdftext import STAMP, normalise, outline, pages

BLEED_PT = 3 / 25.4 * 72


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pdf") / "constructs"
    shutil.copytree(TREES / "constructs", root, ignore=shutil.ignore_patterns("build"))
    commit_all(root)
    build_tree(root, "print", "digital")
    return root


def edition(root: Path, name: str) -> Path:
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    return root / manifest["editions"][name]["path"]


def test_manifest_lists_both_pdfs(built: Path) -> None:
    manifest = json.loads((built / "build" / "manifest.json").read_text())
    assert manifest["title"] == "Constructs Report: Every construct once"
    assert manifest["version"] == "1.2.0"
    assert manifest["draft"] is True
    assert re.fullmatch(r"[0-9a-f]{40}", manifest["commit"])
    assert manifest["dirty"] is False
    for name, file in (("print", "constructs-report-print.pdf"),
                       ("digital", "constructs-report.pdf")):
        entry = manifest["editions"][name]
        assert entry["path"] == f"build/{file}"
        assert entry["pages"] == len(pages(built / entry["path"]))
        assert len(entry["sha256"]) == 64


def test_print_has_bleed_trim_and_room_for_marks_on_every_page(built: Path) -> None:
    """TrimBox A4, BleedBox 3 mm beyond it, and a sheet (MediaBox) larger than the bleed,
    so the marks sit outside the bleed."""
    with pikepdf.open(edition(built, "print")) as pdf:
        for page in pdf.pages:
            media = [float(v) for v in page.MediaBox]
            bleed = [float(v) for v in page.BleedBox]
            trim = [float(v) for v in page.TrimBox]
            assert trim[2] - trim[0] == pytest.approx(595.28, abs=0.1)  # A4
            for inner, outer, sign in ((0, 0, 1), (1, 1, 1), (2, 2, -1), (3, 3, -1)):
                assert sign * (trim[inner] - bleed[outer]) == pytest.approx(BLEED_PT, abs=0.05)
                assert sign * (bleed[inner] - media[outer]) >= 8 / 25.4 * 72


def test_print_crop_marks_lie_outside_the_bleed(built: Path, tmp_path: Path) -> None:
    """The bleed at a text page's corner is blank; the crop marks are drawn beyond it."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "72", "-f", "3", "-l", "3", "-png",
                    str(edition(built, "print")), str(tmp_path / "p")], check=True)
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    with pikepdf.open(edition(built, "print")) as pdf:
        page = pdf.pages[2]
        slug = round(float(page.BleedBox[0]) - float(page.MediaBox[0]))
    bleed = round(BLEED_PT)
    corner_bleed = image.crop((slug + 1, slug + 1, slug + bleed - 1, slug + bleed - 1))
    assert corner_bleed.getextrema()[0] > 250, "something drawn in the bleed at the corner"
    slug_area = image.crop((0, 0, slug + bleed + 2, slug))
    assert slug_area.getextrema()[0] < 128, "no crop mark drawn outside the bleed"
    with pikepdf.open(edition(built, "digital")) as pdf:
        page = pdf.pages[2]
        assert [float(v) for v in page.MediaBox] == [float(v) for v in page.TrimBox]


def test_digital_is_tagged_titled_with_language_and_bookmarks(built: Path) -> None:
    path = edition(built, "digital")
    with pikepdf.open(path) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "en-GB"
        assert bool(pdf.Root.MarkInfo.Marked)
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)
        assert str(pdf.docinfo.Title) == "Constructs Report: Every construct once"
        assert "pdfuaid" in pdf.Root.Metadata.read_bytes().decode()
    titles = [title for title, _ in outline(path)]
    for heading in ("Foreword", "Summary of recommendations", "1 Introduction", "1.1 Scope",
                    "2 Practice", "Appendix A Contributors", "References"):
        assert heading in titles


@pytest.mark.parametrize("name", ["print", "digital"])
def test_contents_page_numbers_match_chapter_starts(built: Path, name: str) -> None:
    path = edition(built, name)
    document = pages(path)
    contents_page = next(p for p in document if p.text.lstrip().startswith("Contents"))
    entries = {}
    for line in contents_page.text.splitlines():
        match = re.match(r"^(.*?)\s*\.{3,}\s*([ivxlc]+|\d+)$", line.strip())
        if match:
            entries[" ".join(match.group(1).split())] = match.group(2)
    assert len(entries) >= 7
    bookmarks = dict(outline(path))
    checked = 0
    for title, printed_number in entries.items():
        if title in bookmarks:
            start = document[bookmarks[title]]
            assert start.folio == printed_number, (title, start.folio, printed_number)
            checked += 1
    assert checked == len(entries), (entries, bookmarks)


@pytest.mark.parametrize("name", ["print", "digital"])
def test_summary_page_references_point_at_the_recommendations(built: Path, name: str) -> None:
    document = pages(edition(built, name))
    summary = next(p for p in document if p.text.lstrip().startswith("Summary of recommendations"))
    refs = re.findall(r"Recommendation (\d+) \(page (\d+)\)", summary.text)
    assert [number for number, _ in refs] == ["1", "2"]
    by_folio = {p.folio: p for p in document if p.folio and p.folio.isdigit()}
    for number, page in refs:
        assert f"Recommendation {number} (to:" in by_folio[page].text


def test_numbers_and_citations_identical_in_both_pdfs(built: Path) -> None:
    def signature(path: Path) -> tuple[list[str], list[str]]:
        text = normalise(" ".join(p.text for p in pages(path)))
        recs = [re.sub(r" \(page \d+\)", "", found) for found in
                re.findall(r"Recommendation \d+(?: \(page \d+\))? \(to: [^)]+\)", text)]
        cites = re.findall(r"\([A-Z][^()]*? \d{4}\)|[A-Z][a-z]+ [A-Z][a-z]+ \(\d{4}\)", text)
        return recs, cites

    print_sig = signature(edition(built, "print"))
    digital_sig = signature(edition(built, "digital"))
    assert print_sig == digital_sig
    assert print_sig[0] == ["Recommendation 1 (to: Home Office)",
                            "Recommendation 2 (to: Department for Education)"] * 2
    assert "Home Office (2021)" in print_sig[1]


def test_cross_references_print_numbers(built: Path) -> None:
    text = normalise(" ".join(p.text for p in pages(edition(built, "print"))))
    assert "See Chapter 2 for practice and Recommendation 2 for the first" in text
    assert "As Section 1.1 says" in text
    assert "rose (Figure 1)" in text
    assert "Figure 1: Referrals to the NRM in 2020" in text
    assert "Table 1: Referrals in 2020" in text
    assert "Case study 1: A composite case" in text
    assert "— practitioner, local authority (illustrative)" in text


def test_footnotes_sit_at_the_foot_of_their_page(built: Path) -> None:
    for page in pages(edition(built, "print")):
        if "for the first recom" in page.text:
            assert "1. A footnote in the introduction." in page.text
            break
    else:
        pytest.fail("introduction page not found")


@pytest.mark.parametrize("name", ["print", "digital"])
def test_every_page_of_a_draft_carries_the_stamp(built: Path, name: str) -> None:
    path = edition(built, name)
    for page in pages(path):
        assert STAMP.search(page.text.replace("\n", " ")), f"page {page.index + 1} has no stamp"
    with pikepdf.open(path) as pdf:
        assert "draft" in str(pdf.docinfo.get("/Keywords", "")).lower()


def test_final_build_has_no_stamp(tmp_path: Path) -> None:
    root = tmp_path / "constructs"
    shutil.copytree(TREES / "constructs", root, ignore=shutil.ignore_patterns("build"))
    commit_all(root)
    build_tree(root, "digital", "--final")
    path = root / "build" / "constructs-report.pdf"
    assert not any(STAMP.search(p.text) or "not for circulation" in p.text for p in pages(path))
    with pikepdf.open(path) as pdf:
        assert "draft" not in str(pdf.docinfo.get("/Keywords", "")).lower()
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    assert manifest["draft"] is False


def test_fonts_are_embedded_and_not_only_dejavu(built: Path) -> None:
    with pikepdf.open(edition(built, "print")) as pdf:
        names = set()
        for page in pdf.pages:
            for font in page.Resources.get("/Font", {}).values():
                descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                names.add(str(font.BaseFont))
    # Open Sans, shipped with the toolkit, for all text (the test tree's SVG chart has its
    # own text, laid out with a system font).
    assert {"Report-Sans", "Report-Sans-Bold", "Report-Sans-Italic"} <= {
        name.split("+", 1)[1] for name in names}, names


def test_print_is_pdfx4_with_the_printers_profile(tmp_path: Path) -> None:
    """With the printer's CMYK profile named in the manifest, the print PDF is PDF/X-4."""
    profile = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
    if not profile.is_file():
        pytest.skip("no CMYK ICC profile on this machine (the Makefile installs libgs-common)")
    root = tmp_path / "constructs"
    shutil.copytree(TREES / "constructs", root, ignore=shutil.ignore_patterns("build"))
    shutil.copy(profile, root / "printer.icc")
    manifest = root / "mkdocs.yml"
    manifest.write_text(manifest.read_text().replace(
        "extra:\n", "extra:\n  print_profile: printer.icc\n"))
    commit_all(root)
    build_tree(root, "print")
    with pikepdf.open(root / "build" / "constructs-report-print.pdf") as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert str(intent.S) == "/GTS_PDFX"
        assert "/DestOutputProfile" in intent
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "PDF/X-4" in xmp
        assert str(pdf.pdf_version) >= "1.6"


def test_print_is_pdfx4_with_the_toolkits_fogra39_profile(built: Path) -> None:
    """Out of the box (the profile ``make`` builds from icc-profiles-free), PDF/X-4 with a
    FOGRA39 output intent."""
    from report.editions.printed import ICC

    if not (ICC / "FOGRA39L.icc").is_file():
        pytest.skip("toolkit's FOGRA39 profile not built (make print-profile)")
    with pikepdf.open(edition(built, "print")) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert str(intent.OutputConditionIdentifier) == "FOGRA39"
        assert "PDF/X-4" in pdf.Root.Metadata.read_bytes().decode()
        # the profile as its file, four channels, one copy for every use
        assert intent.DestOutputProfile.read_bytes() == (ICC / "FOGRA39L.icc").read_bytes()
        assert int(intent.DestOutputProfile.N) == 4
        profiles = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and "/N" in o
                    and "/Type" not in o]
        assert len(profiles) == 1


def test_print_without_profile_claims_no_pdfx(tmp_path: Path, monkeypatch) -> None:
    from report.editions import printed

    monkeypatch.setattr(printed, "ICC", tmp_path / "absent")
    root = tmp_path / "minimal"
    shutil.copytree(TREES / "minimal", root, ignore=shutil.ignore_patterns("build"))
    commit_all(root)
    build_tree(root, "print")
    pdf_path = next((root / "build").glob("*-print.pdf"))
    with pikepdf.open(pdf_path) as pdf:
        assert "/OutputIntents" not in pdf.Root
        if "/Metadata" in pdf.Root:
            assert "PDF/X" not in pdf.Root.Metadata.read_bytes().decode()


def test_digital_passes_the_pdfua_checker(built: Path) -> None:
    assert pdf_accessibility_findings(edition(built, "digital")) == []


def test_digital_parts_merge_into_one_structure_tree(built: Path) -> None:
    """One Document element; every page and annotation keyed once in the ParentTree; each
    cross-part link a GoTo to a named destination the book has, tagged as a Link whose
    OBJR is that annotation; every element ID in the IDTree."""
    with pikepdf.open(edition(built, "digital")) as pdf:
        root = pdf.Root.StructTreeRoot
        assert len(root.K) == 1 and root.K[0].S == "/Document"
        nums = root.ParentTree.Nums
        parent_tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        page_keys = [int(page.StructParents) for page in pdf.pages]
        assert len(set(page_keys)) == len(page_keys)
        destinations = set(pikepdf.NameTree(pdf.Root.Names.Dests).keys())
        ids = set(pikepdf.NameTree(root.IDTree).keys())
        goto = 0
        annotation_keys = []
        for page_key, page in zip(page_keys, pdf.pages, strict=True):
            assert isinstance(parent_tree[page_key], pikepdf.Array)
            for annotation in page.get("/Annots", []):
                key = int(annotation.StructParent)
                annotation_keys.append(key)
                link = parent_tree[key]
                assert link.S == "/Link"
                assert any(kid.get("/Obj") == annotation for kid in link.K
                           if isinstance(kid, pikepdf.Dictionary))
                action = annotation.get("/A")
                if action is not None and action.S == "/GoTo":
                    assert str(action.D) in destinations
                    goto += 1
        assert goto >= 10  # contents, summary of recommendations, cross-references
        assert len(set(annotation_keys) | set(page_keys)) == len(annotation_keys) + len(page_keys)
        assert int(root.ParentTreeNextKey) > max(parent_tree)
        stack = [root.K[0]]
        while stack:
            element = stack.pop()
            if "/ID" in element:
                assert str(element.ID) in ids
            kids = element.get("/K")
            stack += [kid for kid in (kids if isinstance(kids, pikepdf.Array) else [kids])
                      if isinstance(kid, pikepdf.Dictionary) and "/S" in kid]


def test_title_page_names_both_partners(built: Path) -> None:
    title_page = next(p for p in pages(edition(built, "print")) if "A joint report of" in p.text)
    assert "<br>" not in title_page.text
    assert "A joint report of Example Lodge and the Example Commissioner" in normalise(
        title_page.text)


def test_a_partial_build_keeps_entries_that_are_still_current(make_tree, run_report) -> None:
    root = make_tree("minimal")
    assert run_report(root, "build", "digital").exit_code == 0
    assert run_report(root, "build", "docx").exit_code == 0
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    assert set(manifest["editions"]) == {"digital", "docx"}
    chapter = root / "chapters" / "intro.md"
    chapter.write_text(chapter.read_text() + "\nA new sentence.\n")
    assert run_report(root, "build", "docx").exit_code == 0
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    assert set(manifest["editions"]) == {"docx"}  # the PDF no longer shows the sources


def test_the_plainest_tree_builds_every_edition(make_tree, run_report) -> None:
    """site_name, docs_dir, nav and theme only; no contributors, no special constructs."""
    root = make_tree("minimal")
    result = run_report(root, "build")
    assert result.exit_code == 0, result.output
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    assert set(manifest["editions"]) == {"print", "digital", "web", "docx", "epub"}
    assert manifest["title"] == "A Minimal Report"
    text = normalise(" ".join(p.text for p in pages(root / manifest["editions"]["print"]["path"])))
    assert "1 Introduction" in text or "1Introduction" in text
    assert "Plain paragraphs only." in text
    assert pdf_accessibility_findings(root / manifest["editions"]["digital"]["path"]) == []
