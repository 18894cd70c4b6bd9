"""The Word edition of the constructs tree, read back from its XML parts."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree
from PIL import Image

from report.editions.context import BuildContext
from report.manuscript import load
from tests.conftest import build_tree, built_copy, commit_all

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture(scope="module")
def draft(tmp_path_factory) -> Path:
    return built_copy(tmp_path_factory, "docx-draft", "docx")


@pytest.fixture(scope="module")
def final(tmp_path_factory) -> Path:
    return built_copy(tmp_path_factory, "docx-final", "docx", "--final")


def docx_path(root: Path) -> Path:
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    return root / manifest["editions"]["docx"]["path"]


def part(root: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(docx_path(root)) as package:
        return etree.fromstring(package.read(name))


def parts(root: Path, pattern: str) -> dict[str, etree._Element]:
    with zipfile.ZipFile(docx_path(root)) as package:
        return {name: etree.fromstring(package.read(name)) for name in package.namelist()
                if re.fullmatch(pattern, name)}


def text(element: etree._Element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


def styled(root: Path, style_id: str) -> list[str]:
    body = part(root, "word/document.xml")
    return [text(p) for p in body.iter(f"{W}p")
            if p.find(f"{W}pPr/{W}pStyle[@{W}val='{style_id}']") is not None]


def stamp_of(root: Path) -> str:
    return BuildContext(load(root)).stamp


def test_manifest_entry_and_checksum(draft: Path) -> None:
    manifest = json.loads((draft / "build" / "manifest.json").read_text())
    entry = manifest["editions"]["docx"]
    assert entry["path"] == "build/constructs-report.docx"
    assert entry["sha256"] == hashlib.sha256(docx_path(draft).read_bytes()).hexdigest()
    assert not list((draft / "build").glob(".*.tmp")), "a temporary file was left behind"


def test_opens_in_python_docx_with_title(draft: Path) -> None:
    document = docx.Document(str(docx_path(draft)))
    assert document.core_properties.title == "Constructs Report"
    assert document.core_properties.language == "en-GB"
    core = part(draft, "docProps/core.xml")
    assert core.findtext(f"{DC}title") == "Constructs Report"
    assert core.findtext(f"{DC}creator") == "Research Associate"


def test_real_word_footnotes(draft: Path) -> None:
    notes = part(draft, "word/footnotes.xml")
    real = [n for n in notes.iter(f"{W}footnote") if n.get(f"{W}type") is None]
    assert [text(n).strip() for n in real] == ["A footnote in the introduction.",
                                              "A footnote inside a recommendation."]
    body = part(draft, "word/document.xml")
    calls = [r.get(f"{W}id") for r in body.iter(f"{W}footnoteReference")]
    assert calls == [n.get(f"{W}id") for n in real]


def test_custom_styles_defined_and_applied(draft: Path) -> None:
    styles = part(draft, "word/styles.xml")
    names = {s.find(f"{W}name").get(f"{W}val"): s.get(f"{W}styleId")
             for s in styles.iter(f"{W}style") if s.find(f"{W}name") is not None}
    for name in ("Recommendation", "Case Study", "Key Findings", "Quote", "Draft"):
        assert name in names, f"style {name} missing"  # the box is the table around them
    assert "Recommendation\u00a01 (to: Home Office)" in styled(draft, names["Recommendation"])
    assert "Recommendation\u00a02 (to: Department for Education)" in styled(
        draft, names["Recommendation"])
    assert "Case\u00a0study\u00a01: A composite case" in styled(draft, names["Case Study"])
    assert "Key findings" in styled(draft, names["Key Findings"])
    drafts = styled(draft, names["Draft"])
    assert "Delegates said this; to be confirmed." in drafts
    assert any(line.startswith("Draft text to be confirmed: this chapter") for line in drafts)


def boxes(root: Path) -> dict[str, etree._Element]:
    """The one-cell tables that draw the report's boxes, by the text of their first line."""
    body = part(root, "word/document.xml")
    found = {}
    for table in body.iter(f"{W}tbl"):
        cells = table.findall(f"{W}tr/{W}tc")
        if len(cells) == 1 and table.find(f"{W}tblPr/{W}tblBorders") is not None:
            found[spaced(text(cells[0].find(f"{W}p")))] = table
    return found


def spaced(line: str) -> str:
    """No-break spaces (the typography filter's, after labels) read as spaces."""
    return line.replace("\u00a0", " ")


def test_every_box_holds_all_its_content(draft: Path) -> None:
    """Lists, quotes and every paragraph of a box sit inside its one cell, which has a
    border and stays on one page with its label."""
    found = boxes(draft)
    contents = {
        "Key findings": ["Guardians help."],
        "Case study 1: A composite case": ["A composite, anonymised case. See Table 1."],
        "We saw children first as children.": ["— practitioner, local authority (illustrative)"],
        "Draft text to be confirmed.": ["Delegates said this; to be confirmed."],
        "Recommendation 2 (to: Department for Education)": [
            "Give every child a guardian, as Recommendation 1 also needs."],
    }
    for label, inside in contents.items():
        assert label in found, (label, list(found))
        table = found[label]
        cell_text = [spaced(text(p)) for p in table.iter(f"{W}p")]
        for line in inside:
            assert line in cell_text, (label, cell_text)
        borders = table.find(f"{W}tblPr/{W}tblBorders")
        assert any(b.get(f"{W}val") not in ("nil", "none") for b in borders), label
        assert table.find(f"{W}tr/{W}trPr/{W}cantSplit") is not None, label
    label = found["Key findings"].find(f".//{W}p")
    assert label.find(f"{W}pPr/{W}keepNext") is not None
    assert found["Key findings"].find(f".//{W}numPr") is not None, "the bullet is in the box"
    body = part(draft, "word/document.xml")
    assert not [b for b in body.iter(f"{W}bookmarkStart")
                if b.get(f"{W}name").startswith("report-box-")], "markers left behind"
    started = {b.get(f"{W}id") for b in body.iter(f"{W}bookmarkStart")}
    assert not [e.get(f"{W}id") for e in body.iter(f"{W}bookmarkEnd")
                if e.get(f"{W}id") not in started], "a marker's end left behind"


def test_title_verso(final: Path) -> None:
    verso = styled(final, "Verso")
    assert verso[:5] == ["© Example Lodge and Example Commissioner",
                         "This publication is licensed under the Open Government Licence v3.0.",
                         "ISBN 978-1-0000-0001-6 (print)", "ISBN 978-1-0000-0002-3 (PDF)",
                         "ISBN 978-1-0000-0003-0 (EPUB)"]
    assert re.fullmatch(r"Version 1\.2\.0 · [0-9a-f]{7}", verso[5])


def test_contents_filled_in_and_still_a_field(draft: Path) -> None:
    body = part(draft, "word/document.xml")
    sdt = body.find(f".//{W}sdt")
    entries = [p for p in sdt.iter(f"{W}p")
               if (p.find(f"{W}pPr/{W}pStyle") is not None
                   and p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") in ("TOC1", "TOC2"))]
    assert [text(p) for p in entries] == [
        "Foreword", "Summary of recommendations", "1 Introduction", "1.1 Scope", "2 Practice",
        "Appendix A Contributors", "References"]
    bookmarks = {b.get(f"{W}name") for b in body.iter(f"{W}bookmarkStart")}
    for entry in entries:
        assert entry.find(f"{W}hyperlink").get(f"{W}anchor") in bookmarks
    kinds = [c.get(f"{W}fldCharType") for c in sdt.iter(f"{W}fldChar")]
    assert kinds[:2] == ["begin", "separate"] and kinds[-1] == "end"
    assert any(i.text.startswith("TOC ") for i in sdt.iter(f"{W}instrText"))
    # after the title verso
    children = list(body.find(f"{W}body"))
    verso = [i for i, c in enumerate(children) if c.tag == f"{W}p"
             and c.find(f"{W}pPr/{W}pStyle[@{W}val='Verso']") is not None]
    assert verso and children.index(sdt) == verso[-1] + 1


def contents_pages(root: Path) -> dict[str, str | None]:
    """Each contents entry's text and the page its PAGEREF field shows (None: no page)."""
    sdt = part(root, "word/document.xml").find(f".//{W}sdt")
    found: dict[str, str | None] = {}
    for link in sdt.iter(f"{W}hyperlink"):
        runs = list(link.iter(f"{W}r"))
        title = text(runs[0])
        begin = [i for i, r in enumerate(runs) if r.find(f"{W}instrText") is not None]
        found[title] = text(runs[begin[0] + 2]) if begin else None
    return found


def test_contents_page_numbers_come_from_the_print_edition(draft: Path,
                                                            tmp_path_factory) -> None:
    assert set(contents_pages(draft).values()) == {None}, "no print edition: no page numbers"
    root = built_copy(tmp_path_factory, "docx-with-print", "print", "docx")
    printed = json.loads((root / "build" / ".cache" / "print-pages.json").read_text())["pages"]
    pages = contents_pages(root)
    assert pages["1 Introduction"] == printed["ch-introduction"] == "1"
    assert pages["1.1 Scope"] == printed["sec-scope"]
    assert pages["2 Practice"] == printed["ch-practice"]
    assert pages["References"] == printed["ch-references"]
    assert pages["Foreword"] is None  # front matter: the print edition numbers it apart
    pdf = root / "build" / "constructs-report-print.pdf"
    practice = int(printed["ch-practice"])
    # the print edition's page with that folio shows the chapter (front matter first)
    text_of = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                             check=True).stdout.split("\f")
    folio_pages = [t for t in text_of if "Practice" in t and f"\n{practice}\n" in f"\n{t}\n"]
    assert folio_pages, "the print page map does not match the print edition's folios"


def test_references_hang(draft: Path) -> None:
    styles = part(draft, "word/styles.xml")
    indent = styles.find(f"{W}style[@{W}styleId='Bibliography']/{W}pPr/{W}ind")
    assert int(indent.get(f"{W}hanging")) > 0 and int(indent.get(f"{W}left")) > 0


def test_headings_in_report_blue_and_open_sans(draft: Path) -> None:
    styles = part(draft, "word/styles.xml")
    heading = styles.find(f"{W}style[@{W}styleId='Heading1']")
    assert heading.find(f"{W}rPr/{W}color").get(f"{W}val").upper() == "1D4E89"
    assert heading.find(f"{W}pPr/{W}pageBreakBefore") is not None
    fonts = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert fonts.get(f"{W}ascii") == "Open Sans"
    table = part(draft, "word/fontTable.xml")
    declared = table.find(f"{W}font[@{W}name='Open Sans']")
    assert declared.find(f"{W}altName").get(f"{W}val") == "Arial"


def test_language_en_gb(draft: Path) -> None:
    styles = part(draft, "word/styles.xml")
    lang = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert lang.get(f"{W}val") == "en-GB"
    assert part(draft, "docProps/core.xml").findtext(f"{DC}language") == "en-GB"


def test_internal_links_have_bookmarks(draft: Path) -> None:
    body = part(draft, "word/document.xml")
    bookmarks = {b.get(f"{W}name") for b in body.iter(f"{W}bookmarkStart")}
    anchors = [h.get(f"{W}anchor") for h in body.iter(f"{W}hyperlink") if h.get(f"{W}anchor")]
    for label in ("rec-data", "rec-guardians", "ch-practice", "sec-scope", "fig-referrals",
                  "tbl-referrals", "ref-homeoffice2021nrm", "ref-ilo2017global"):
        assert label in anchors, f"no link to {label}"
    missing = set(anchors) - bookmarks
    assert not missing, f"links without a bookmark: {missing}"


def test_summary_links_each_recommendation_to_its_section(draft: Path) -> None:
    body = part(draft, "word/document.xml")
    heads = {text(p): p for p in body.iter(f"{W}p")
             if text(p).startswith("Recommendation") and " — in " in text(p)}
    # labels and numbers are joined by no-break spaces (typography.lua)
    assert list(heads) == ["Recommendation\u00a01 (to: Home Office) — in Section\u00a01.1",
                           "Recommendation\u00a02 (to: Department for Education) — in "
                           "Chapter\u00a02"]
    anchors = [[h.get(f"{W}anchor") for h in p.iter(f"{W}hyperlink")] for p in heads.values()]
    assert anchors == [["rec-data", "sec-scope"], ["rec-guardians", "ch-practice"]]


def test_image_has_alt_text(draft: Path) -> None:
    body = part(draft, "word/document.xml")
    descriptions = [d.get("descr") for d in body.iter(f"{WP}docPr")]
    assert descriptions == ["Bar chart: 10,613 referrals in 2020, 4,946 of them for "
                            "exploitation as children."]


def test_draft_stamp_in_header_of_draft(draft: Path) -> None:
    stamp = stamp_of(draft)
    assert re.fullmatch(r"Draft 1\.2\.0 · [0-9a-f]{7} · \d{4}-\d{2}-\d{2} · not for circulation",
                        stamp)
    headers = parts(draft, r"word/header\d*\.xml")
    assert headers and any(stamp in text(h) for h in headers.values())
    settings = part(draft, "word/document.xml").find(f"{W}body/{W}sectPr")
    assert settings.find(f"{W}headerReference") is not None
    assert "draft" in (docx.Document(str(docx_path(draft))).core_properties.keywords or "")


def test_no_draft_stamp_in_final(final: Path) -> None:
    headers = parts(final, r"word/header\d*\.xml")
    assert headers
    for header in headers.values():
        assert "Draft" not in text(header) and "circulation" not in text(header)
        assert "Constructs Report" in text(header)
    assert "not for circulation" not in text(part(final, "word/document.xml"))
    with zipfile.ZipFile(docx_path(final)) as package:
        assert b"not for circulation" not in package.read("docProps/core.xml")


def test_partners_and_page_number_in_footer(draft: Path) -> None:
    footers = parts(draft, r"word/footer\d*\.xml")
    assert any("Example Lodge · Example Commissioner" in text(f) for f in footers.values())
    assert any(f.find(f".//{W}fldSimple[@{W}instr='PAGE']") is not None
               for f in footers.values())


def test_no_private_metadata_or_paths(draft: Path) -> None:
    """The render's bookkeeping (labels, temporary and bibliography paths) stays out."""
    with zipfile.ZipFile(docx_path(draft)) as package:
        for name in package.namelist():
            if name.endswith(".xml"):
                content = package.read(name).decode("utf-8")
                assert "report-labels" not in content and "report-diagnostics" not in content
                assert str(draft) not in content and "/tmp" not in content, name


def test_rebuild_gives_the_same_bytes(draft: Path) -> None:
    before = docx_path(draft).read_bytes()
    build_tree(draft, "docx")
    assert docx_path(draft).read_bytes() == before


def test_every_paragraph_style_used_is_defined(draft: Path) -> None:
    styles = {s.get(f"{W}styleId") for s in part(draft, "word/styles.xml").iter(f"{W}style")}
    used: set[str] = set()
    pattern = r"word/(document|header\d*|footer\d*|footnotes)\.xml"
    for element in parts(draft, pattern).values():
        used |= {p.get(f"{W}val") for p in element.iter(f"{W}pStyle")}
    assert used - styles == set()


def test_svg_figure_is_a_png_with_the_svg_kept(draft: Path) -> None:
    """Word before 2016, LibreOffice and online viewers draw the PNG; later Word the SVG.
    The PNG is drawn by resvg (a wheel), whether or not rsvg-convert is installed."""
    with zipfile.ZipFile(docx_path(draft)) as package:
        media = {n: package.read(n) for n in package.namelist() if n.startswith("word/media/")}
    pngs = [data for name, data in media.items() if name.endswith(".png")]
    assert any(n.endswith(".svg") for n in media) and len(pngs) == 1
    image = Image.open(io.BytesIO(pngs[0]))
    assert image.width >= 1000, image.size  # 300 dpi at the figure's width
    assert len(image.convert("RGB").getcolors(1 << 20)) > 2, "an empty picture"
    body = part(draft, "word/document.xml")
    blips = list(body.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}blip"))
    embed = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
    rels = {r.get("Id"): r.get("Target") for r in part(draft, "word/_rels/document.xml.rels")}
    assert blips and all(rels[b.get(embed)].endswith(".png") for b in blips)
    svg = "{http://schemas.microsoft.com/office/drawing/2016/SVG/main}svgBlip"
    assert all(rels[b.find(f".//{svg}").get(embed)].endswith(".svg") for b in blips)


def test_libreoffice_shows_contents_boxes_and_verso(final: Path, tmp_path: Path) -> None:
    """LibreOffice (as online viewers do) shows what the file holds without updating
    fields: the contents page lists the headings."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (Debian libreoffice-writer-nogui; "
                    "`make system`)")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx_path(final))],
                   check=True, capture_output=True, timeout=300)
    pdf = tmp_path / (docx_path(final).stem + ".pdf")
    pages = [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                            capture_output=True, text=True, check=True).stdout
             for n in range(1, 5)]
    contents = next(page for page in pages if "Contents" in page and "Scope" in page)
    lines = [" ".join(line.split()) for line in contents.splitlines() if line.strip()]
    for entry in ("Foreword", "Summary of recommendations", "1 Introduction", "1.1 Scope",
                  "2 Practice", "Appendix A Contributors", "References"):
        assert any(line.startswith(entry) for line in lines), (entry, lines)
    assert any("ISBN 978-1-0000-0003-0 (EPUB)" in page for page in pages)


def test_a_figure_that_cannot_be_included_stops_the_build(make_tree, run_report) -> None:
    """Never a tick beside a Word file that lacks a figure: exit 2, nothing written."""
    root = make_tree("constructs")
    (root / "chapters" / "images" / "referrals.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg' width='400' height='200'><rect")
    commit_all(root)
    result = run_report(root, "build", "docx")
    assert result.exit_code == 2, result.output
    assert "referrals.svg" in result.output and "✓" not in result.output
    assert not (root / "build" / "constructs-report.docx").exists()


@pytest.mark.parametrize("edit, made", [
    ("\n\nOne more sentence of introduction.\n", "one"),
    ("\n\n::: {.quote by=\"practitioner, police\" illustrative=true}\nA new quote.\n:::\n",
     "boxes on")])
def test_an_edit_makes_the_word_writers_document_again_for_its_chapter(
        make_tree, edit: str, made: str) -> None:
    """After an edit the Word writer's blocks are made again for the edited chapter only,
    the others' kept in build/.cache/word-blocks, though a paragraph added numbers every
    later chapter's citable blocks on (their marks are not in the edition); a box added
    numbers every later box on,
    and those chapters are made again too. Either way the Word file is, byte for byte, the
    one made from an empty cache (each chapter from the whole book's render)."""
    root = make_tree("constructs")
    (root / "notes.txt").write_text("work in progress\n")  # a dirty tree: the stamp holds
    build_tree(root, "docx")
    kept = root / "build" / ".cache" / "word-blocks"
    before = {path.name for path in kept.glob("*.json")}
    chapters = sorted(before)
    intro = root / "chapters" / "01-introduction.md"
    intro.write_text(intro.read_text() + edit)
    build_tree(root, "docx")
    new = {path.name for path in kept.glob("*.json")} - before
    assert len(new) == 1 if made == "one" else 1 < len(new) < len(chapters), new
    edited = docx_path(root).read_bytes()
    # An entry damaged inside its text (still JSON) is a miss, not a document pandoc
    # cannot read.
    damaged = kept / sorted(new)[0]
    entry = json.loads(damaged.read_text())
    entry["blocks"] = entry["blocks"][:-7]
    damaged.write_text(json.dumps(entry))
    docx_path(root).unlink()
    build_tree(root, "docx")
    assert docx_path(root).read_bytes() == edited
    shutil.rmtree(kept)
    docx_path(root).unlink()
    build_tree(root, "docx")
    assert docx_path(root).read_bytes() == edited
    assert len(list(kept.glob("*.json"))) == len(chapters)


def test_kept_chapters_give_the_word_file_written_whole(make_tree, monkeypatch) -> None:
    """After an edit pandoc writes the edited chapter in full and the others as stubs,
    whose XML comes from the last build, renumbered where the edit moved the book's
    counters (a note, a link, a list, a figure before them): the Word file is the one
    written from an empty cache, byte for byte, and no edit has the book written whole."""
    from report.editions import docx_chapters

    root = make_tree("constructs")
    (root / "notes.txt").write_text("work in progress\n")  # a dirty tree: the stamp holds
    build_tree(root, "docx")
    written: list[tuple[int, int]] = []
    spliced: list[str] = []
    plan, splice = docx_chapters.plan, docx_chapters.splice

    def recording_plan(*args):
        chosen = plan(*args)
        written.append((len(chosen.keys) - len(chosen.kept), len(chosen.keys)))
        return chosen

    def recording_splice(*args):
        try:
            out = splice(*args)
        except ValueError as exc:
            spliced.append(f"whole: {exc}")
            raise
        spliced.append("spliced")
        return out

    monkeypatch.setattr(docx_chapters, "plan", recording_plan)
    monkeypatch.setattr(docx_chapters, "splice", recording_splice)
    folder = root / "build" / ".cache" / docx_chapters.FOLDER
    intro = "chapters/01-introduction.md"
    # (chapter, words added, chapters written in full then)
    edits = [(intro, "A sentence more, in plain words.", 1),  # nothing moves
             # every counter after the introduction moves on: a note, a link, a list
             (intro, "More in @ch-practice, [online](https://example.org/more).[^zz]\n\n"
                     "[^zz]: A new note, with [a link](https://example.org/note).\n\n"
                     "1. First\n2. Second", 1),
             (intro, '![A second chart](images/referrals.svg){#fig-second fig-alt="Bars"}'
                     "\n\nSee @fig-second.", 2),  # an image, a bookmark: the next figure's
             # number moves on (its chapter is written again)
             ("chapters/02-practice.md", "A last word in practice.[^zy]\n\n[^zy]: Noted.", 1)]
    for chapter, words, rewritten in edits:
        path = root / chapter
        path.write_text(path.read_text() + "\n\n" + words + "\n")
        build_tree(root, "docx")
        assert written[-1][0] == rewritten and spliced[-1] == "spliced", (written, spliced)
        kept = docx_path(root).read_bytes()
        shutil.rmtree(folder)
        docx_path(root).unlink()
        build_tree(root, "docx")
        assert written[-1][0] == written[-1][1]  # whole
        assert docx_path(root).read_bytes() == kept, chapter
    document = zipfile.ZipFile(io.BytesIO(kept)).read("word/document.xml").decode()
    assert "report-part" not in document and "A last word in practice." in document


def test_a_kept_chapter_that_does_not_fit_has_the_word_file_written_whole(make_tree) -> None:
    """A kept chapter damaged inside (still JSON) is a miss; one whose counters are not its
    stub's (another chapter's, under its key) is not spliced in: the book is written
    whole. Either way the file is the one from an empty cache."""
    from report.editions import docx_chapters

    root = make_tree("constructs")
    (root / "notes.txt").write_text("work in progress\n")
    build_tree(root, "docx")
    expected = docx_path(root).read_bytes()
    folder = root / "build" / ".cache" / docx_chapters.FOLDER
    entries = sorted(folder.glob("*.json"), key=lambda p: len(p.read_text()))
    assert len(entries) > 2
    for entry in entries[:-1]:  # damaged inside
        kept = json.loads(entry.read_text())
        kept["xml"] = kept["xml"].replace("footnote", "fontnote").replace("w:t>", "w:x>")
        entry.write_text(json.dumps(kept))
    docx_path(root).unlink()
    build_tree(root, "docx")
    assert docx_path(root).read_bytes() == expected
    smallest, largest = entries[0], entries[-1]
    smallest.write_text(largest.read_text())  # foreign: sealed, but not that chapter's
    docx_path(root).unlink()
    build_tree(root, "docx")
    assert docx_path(root).read_bytes() == expected


def test_a_word_writer_that_loses_the_chapter_marks_still_writes_the_book(
        make_tree, monkeypatch) -> None:
    """Should pandoc not keep the marks between chapters (another pandoc), the book is
    written whole without them, nothing kept: the same file as with the marks."""
    from report.editions import docx_chapters

    root = make_tree("constructs")
    build_tree(root, "docx")
    expected = docx_path(root).read_bytes()

    def lost(document, count):
        raise ValueError("the marks were not kept")

    monkeypatch.setattr(docx_chapters, "_regions", lost)
    shutil.rmtree(root / "build" / ".cache" / docx_chapters.FOLDER)
    docx_path(root).unlink()
    build_tree(root, "docx")
    assert docx_path(root).read_bytes() == expected
    assert not list((root / "build" / ".cache" / docx_chapters.FOLDER).glob("*.json"))
