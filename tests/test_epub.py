"""The EPUB edition of the constructs tree: epubcheck, package metadata, chapters, cover."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from report.checks.built import epubcheck_command
from report.editions.context import BuildContext
from report.manuscript import load
from tests.conftest import build_tree, built_copy

OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_NS = "{http://www.idpf.org/2007/ops}"
CHAPTERS = ["ch-foreword", "ch-summary", "ch-introduction", "ch-practice", "ch-contributors",
            "ch-references"]


@pytest.fixture(scope="module")
def draft(tmp_path_factory) -> Path:
    return built_copy(tmp_path_factory, "epub-draft", "epub")


@pytest.fixture(scope="module")
def final(tmp_path_factory) -> Path:
    return built_copy(tmp_path_factory, "epub-final", "epub", "--final")


def epub_path(root: Path) -> Path:
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    return root / manifest["editions"]["epub"]["path"]


def read(root: Path, name: str) -> bytes:
    with zipfile.ZipFile(epub_path(root)) as package:
        return package.read(name)


def package_document(root: Path) -> tuple[str, etree._Element]:
    container = etree.fromstring(read(root, "META-INF/container.xml"))
    path = container.find(".//{*}rootfile").get("full-path")
    return path, etree.fromstring(read(root, path))


def chapter_files(root: Path) -> dict[str, etree._Element]:
    """Each spine document that holds a chapter, by the chapter's label."""
    opf_path, opf = package_document(root)
    base = opf_path.rsplit("/", 1)[0] + "/"
    items = {i.get("id"): i.get("href") for i in opf.iter(f"{OPF}item")}
    found: dict[str, etree._Element] = {}
    for ref in opf.iter(f"{OPF}itemref"):
        page = etree.fromstring(read(root, base + items[ref.get("idref")]))
        for section in page.iter(f"{XHTML}section"):
            if "chapter" in (section.get("class") or "").split():
                found[section.get("id")] = page
    return found


def test_passes_epubcheck(draft: Path, tmp_path: Path) -> None:
    command = epubcheck_command()
    if command is None:
        pytest.skip("epubcheck is not installed (Debian package epubcheck; `make system`)")
    report = tmp_path / "epubcheck.json"
    proc = subprocess.run([*command, str(epub_path(draft)), "--json", str(report)],
                          capture_output=True, text=True, timeout=300)
    result = json.loads(report.read_text())
    problems = [m for m in result["messages"] if m["severity"] in ("FATAL", "ERROR")]
    assert not problems, json.dumps(problems, indent=1)
    assert result["checker"]["nFatal"] == 0 and result["checker"]["nError"] == 0
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_manifest_entry(draft: Path) -> None:
    manifest = json.loads((draft / "build" / "manifest.json").read_text())
    entry = manifest["editions"]["epub"]
    assert entry["path"] == "build/constructs-report.epub"
    assert entry["sha256"] == hashlib.sha256(epub_path(draft).read_bytes()).hexdigest()


def test_isbn_is_the_unique_identifier(draft: Path) -> None:
    _path, opf = package_document(draft)
    unique = opf.get("unique-identifier")
    identifier = opf.find(f".//{DC}identifier[@id='{unique}']")
    assert identifier.text == "urn:isbn:978-1-0000-0003-0"


def test_metadata(draft: Path) -> None:
    _path, opf = package_document(draft)
    assert opf.get("version") == "3.0"
    meta = opf.find(f"{OPF}metadata")
    assert meta.findtext(f"{DC}title") == "Constructs Report: Every construct once"
    assert meta.findtext(f"{DC}language") == "en-GB"
    assert [c.text for c in meta.iter(f"{DC}creator")] == ["Research Associate"]
    assert meta.findtext(f"{DC}publisher") == "Example Lodge and Example Commissioner"
    assert meta.findtext(f"{DC}rights") == "Open Government Licence v3.0"
    assert meta.findtext(f"{DC}date")
    modified = meta.find(f"{OPF}meta[@property='dcterms:modified']")
    assert modified is not None and modified.text.endswith("Z")


def test_every_page_declares_the_language(draft: Path) -> None:
    for label, page in chapter_files(draft).items():
        assert page.get("lang") == "en-GB", label
        assert page.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB", label


def test_split_by_chapter_with_navigation(draft: Path) -> None:
    pages = chapter_files(draft)
    assert list(pages) == CHAPTERS
    assert len({id(page) for page in pages.values()}) == len(CHAPTERS), "one file per chapter"
    _path, opf = package_document(draft)
    nav_item = opf.find(f".//{OPF}item[@properties='nav']")
    nav = etree.fromstring(read(draft, "EPUB/" + nav_item.get("href")))
    toc = nav.find(f".//{XHTML}nav[@{EPUB_NS}type='toc']")
    entries = [" ".join("".join(a.itertext()).split()) for a in toc.iter(f"{XHTML}a")]
    for title in ("Foreword", "1 Introduction", "1.1 Scope", "2 Practice",
                  "Appendix A Contributors", "References"):
        assert title in entries, entries


def test_cover_image(draft: Path, final: Path) -> None:
    _path, opf = package_document(draft)
    item = opf.find(f".//{OPF}item[@properties='cover-image']")
    assert item is not None and item.get("media-type") == "image/png"
    image = Image.open(io.BytesIO(read(draft, "EPUB/" + item.get("href")))).convert("RGB")
    assert image.size == (1600, 2400)
    assert image.getpixel((5, 5)) == (0x1D, 0x4E, 0x89)
    _path, final_opf = package_document(final)
    final_item = final_opf.find(f".//{OPF}item[@properties='cover-image']")
    final_image = Image.open(io.BytesIO(read(final, "EPUB/" + final_item.get("href"))))
    stamp_colour = (0x8A, 0x3B, 0x12)
    assert stamp_colour in {c for _n, c in image.getcolors(1 << 16)}, "draft cover unstamped"
    assert stamp_colour not in {c for _n, c in final_image.convert("RGB").getcolors(1 << 16)}


def test_alt_text_on_images(draft: Path) -> None:
    images = [img for page in chapter_files(draft).values() for img in page.iter(f"{XHTML}img")]
    assert [img.get("alt") for img in images] == [
        "Bar chart: 10,613 referrals in 2020, 4,946 of them for exploitation as children."]


def test_draft_stamp_at_start_of_each_chapter(draft: Path, final: Path) -> None:
    stamp = BuildContext(load(draft)).stamp
    for label, page in chapter_files(draft).items():
        section = page.find(f".//{XHTML}section[@id='{label}']")
        first = [el for el in section if el.tag != f"{XHTML}h1"][0]
        assert "draft-stamp" in first.get("class", ""), label
        assert " ".join("".join(first.itertext()).split()) == stamp
    for label, page in chapter_files(final).items():
        assert "not for circulation" not in "".join(page.itertext()), label


def test_stylesheet_and_fonts_inside(draft: Path) -> None:
    with zipfile.ZipFile(epub_path(draft)) as package:
        names = package.namelist()
    assert any(name.endswith("OpenSans-Regular.ttf") for name in names)
    css = [name for name in names if name.endswith(".css")]
    assert css and b".recommendation" in read(draft, css[0])


def test_rebuild_gives_the_same_bytes(draft: Path) -> None:
    before = epub_path(draft).read_bytes()
    build_tree(draft, "epub")
    assert epub_path(draft).read_bytes() == before


def test_identifier_without_isbn_is_a_stable_uuid() -> None:
    from report.editions.epub import identifier
    from report.manuscript.manifest import Manifest

    bare = Manifest(root=Path("."), title="A Minimal Report", version="0.1.0")
    first, again = identifier(bare), identifier(bare)
    assert first == again and first["text"].startswith("urn:uuid:")
    later = Manifest(root=Path("."), title="A Minimal Report", version="0.2.0")
    assert identifier(later) != first
    with_isbn = Manifest(root=Path("."), title="T", isbn={"epub": "978-0-00-000002-6"})
    assert identifier(with_isbn) == {"scheme": "ISBN-13", "text": "urn:isbn:978-0-00-000002-6"}


def test_accessibility_metadata(draft: Path) -> None:
    """EPUB Accessibility 1.1 discovery metadata and the conformance claim (checked here
    because Ace by DAISY, an npm package driving its own browser, does not run offline)."""
    _path, opf = package_document(draft)
    meta = opf.find(f"{OPF}metadata")

    def values(prop: str) -> list[str]:
        return [m.text for m in meta.iter(f"{OPF}meta") if m.get("property") == prop]

    assert values("schema:accessMode") == ["textual", "visual"]
    assert values("schema:accessModeSufficient") == ["textual"]
    assert {"alternativeText", "readingOrder", "structuralNavigation", "tableOfContents",
            "displayTransformability"} <= set(values("schema:accessibilityFeature"))
    assert values("schema:accessibilityHazard") == ["none"]
    assert len(values("schema:accessibilitySummary")[0]) > 80
    assert values("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]


def test_landmarks_and_matter(draft: Path) -> None:
    opf_path, opf = package_document(draft)
    base = opf_path.rsplit("/", 1)[0] + "/"
    nav_item = opf.find(f".//{OPF}item[@properties='nav']")
    nav = etree.fromstring(read(draft, base + nav_item.get("href")))
    landmarks = nav.find(f".//{XHTML}nav[@{EPUB_NS}type='landmarks']")
    marks = {a.get(f"{EPUB_NS}type"): a.get("href") for a in landmarks.iter(f"{XHTML}a")}
    assert {"cover", "toc", "bodymatter"} <= set(marks)
    start = etree.fromstring(read(draft, base + marks["bodymatter"]))
    assert start.find(f".//{XHTML}section").get("id") == "ch-introduction"
    matter = {label: page.find(f"{XHTML}body").get(f"{EPUB_NS}type")
              for label, page in chapter_files(draft).items()}
    assert matter == {"ch-foreword": "frontmatter", "ch-summary": "frontmatter",
                      "ch-introduction": "bodymatter", "ch-practice": "bodymatter",
                      "ch-contributors": "backmatter", "ch-references": "backmatter"}
    types = {label: page.find(f".//{XHTML}section").get(f"{EPUB_NS}type")
             for label, page in chapter_files(draft).items()}
    assert types["ch-references"] == "bibliography" and types["ch-introduction"] == "chapter"


def test_copyright_page_and_cover_alt(final: Path) -> None:
    opf_path, opf = package_document(final)
    base = opf_path.rsplit("/", 1)[0] + "/"
    items = {i.get("id"): i.get("href") for i in opf.iter(f"{OPF}item")}
    spine = [items[ref.get("idref")] for ref in opf.iter(f"{OPF}itemref")]
    pages = [etree.fromstring(read(final, base + href)) for href in spine]
    copyright_at = next(i for i, page in enumerate(pages)
                        if page.find(f".//{XHTML}section[@{EPUB_NS}type='copyright-page']")
                        is not None)
    first_chapter = next(i for i, page in enumerate(pages)
                         if page.find(f".//{XHTML}section[@id='ch-foreword']") is not None)
    assert copyright_at < first_chapter
    text = " ".join(" ".join(pages[copyright_at].itertext()).split())
    assert "ISBN 978-1-0000-0003-0 (EPUB)" in text
    assert "licensed under the Open Government Licence v3.0" in text
    cover = next(page for page in pages if page.find(".//{http://www.w3.org/2000/svg}svg")
                 is not None)
    label = cover.find(".//{http://www.w3.org/2000/svg}svg").get("aria-label")
    assert label.startswith("Cover: Constructs Report: Every construct once")


def test_summary_links_each_recommendation_to_its_section(draft: Path) -> None:
    summary = chapter_files(draft)["ch-summary"]
    where = summary.findall(f".//{XHTML}span[@class='rec-where']/{XHTML}a")
    assert [(a.text, a.get("href").split("#")[-1]) for a in where] == [
        ("Section\u00a01.1", "sec-scope"), ("Chapter\u00a02", "ch-practice")]


def _recorded_plans(monkeypatch) -> list[tuple[int, int]]:
    """(chapter files pandoc is given in full, files) for each EPUB build from now on."""
    from report.editions import epub_chapters

    written: list[tuple[int, int]] = []
    plan = epub_chapters.plan

    def recording(*args):
        chosen = plan(*args)
        written.append((len(chosen.keys) - len(chosen.kept), len(chosen.keys)))
        return chosen

    monkeypatch.setattr(epub_chapters, "plan", recording)
    return written


def test_kept_chapter_files_give_the_epub_written_whole(make_tree, monkeypatch) -> None:
    """After an edit pandoc writes the changed chapter in full and the others as stubs,
    whose files come from the last build: the EPUB is the one pandoc writes whole, byte
    for byte (so as valid as the module's other EPUBs, which epubcheck reads)."""
    import shutil

    from report.editions import epub_chapters

    root = make_tree("constructs")
    (root / "notes.txt").write_text("work in progress\n")  # a dirty tree: the stamp holds
    build_tree(root, "epub")
    written = _recorded_plans(monkeypatch)
    # (chapter, old words, new words, chapter files written then): a note and links in
    # one chapter; a recommendation's words, which the summary repeats; a figure more,
    # which renumbers the next chapter's and adds an image and an identifier to the book
    # (a new skeleton: every file written again).
    edits = [("chapters/02-practice.md", None, "More in @ch-practice and @rec-guardians."
              "[^zz]\n\n[^zz]: A new note that points at @ch-practice.", 1),
             ("chapters/01-introduction.md", "every quarter", "every month", 2),
             # a link to a figure in another chapter: pandoc leaves it "#fig-referrals"
             # (it files no figure's identifier under its chapter), so must the stub
             ("chapters/01-introduction.md", None, "As @fig-referrals shows.", 1),
             ("chapters/01-introduction.md", None, '![A second chart](images/referrals.svg)'
              '{#fig-second fig-alt="Bars rising"}\n\nSee @fig-second and @fig-referrals.',
              None)]
    for chapter, old, words, rewritten in edits:
        path = root / chapter
        text = path.read_text()
        path.write_text(text.replace(old, words) if old else text + "\n\n" + words + "\n")
        build_tree(root, "epub")
        rewritten = rewritten or written[-1][1]
        assert written[-1][0] == rewritten, written  # the rest from the cache
        kept = epub_path(root).read_bytes()
        shutil.rmtree(root / "build" / ".cache" / epub_chapters.FOLDER)
        epub_path(root).unlink()
        build_tree(root, "epub")
        assert written[-1][0] == written[-1][1]  # whole
        assert epub_path(root).read_bytes() == kept


@pytest.mark.parametrize("raw, whole", [
    ('<!-- a note to the author -->\n\nPress <kbd>Ctrl</kbd> and <span class="k">C</span>.'
     '\n\n<div class="aside">Set apart.</div>', False),
    ('<svg width="4" height="4"><rect width="4" height="4"/></svg>', True)])
def test_raw_html_keeps_chapter_files_unless_it_marks_them(make_tree, monkeypatch, raw: str,
                                                          whole: bool) -> None:
    """Raw HTML in a chapter (a comment before its heading, as the corpus's chapters
    open, inline tags, a block) leaves the other chapters' files kept after an edit,
    and the EPUB is the one pandoc writes whole; raw markup
    with ``<svg`` (or ``<math``), which gives its file a property in the package, has the
    book written whole every time."""
    import shutil

    from report.editions import epub_chapters

    root = make_tree("constructs")
    (root / "notes.txt").write_text("work in progress\n")  # a dirty tree: the stamp holds
    intro = root / "chapters/01-introduction.md"
    intro.write_text("<!-- an old heading -->\n\n" + intro.read_text() + "\n\n" + raw + "\n")
    build_tree(root, "epub")
    written = _recorded_plans(monkeypatch)
    practice = root / "chapters/02-practice.md"
    practice.write_text(practice.read_text() + "\n\nOne more sentence of practice.\n")
    build_tree(root, "epub")
    assert written[-1][0] == (written[-1][1] if whole else 1), written
    kept = epub_path(root).read_bytes()
    if whole:
        return
    # pandoc split the book where the plan said (else nothing is kept for the next build)
    folder = root / "build" / ".cache" / epub_chapters.FOLDER
    assert len(list(folder.glob("*.xhtml"))) >= written[-1][1]
    with zipfile.ZipFile(io.BytesIO(kept)) as package:  # the raw tags kept, from the cache
        assert any(b"<kbd>Ctrl</kbd>" in package.read(n) for n in package.namelist())
    shutil.rmtree(root / "build" / ".cache" / epub_chapters.FOLDER)
    epub_path(root).unlink()
    build_tree(root, "epub")
    assert written[-1][0] == written[-1][1]  # whole
    assert epub_path(root).read_bytes() == kept


def test_a_link_to_another_chapters_figure_finds_it(make_tree, tmp_path: Path) -> None:
    """pandoc files no figure's identifier under its chapter: a cross-reference from the
    introduction to the practice chapter's figure must still point at that file, and
    every link in the book at an identifier that exists (epubcheck RSC-012 otherwise)."""
    root = make_tree("constructs")
    intro = root / "chapters" / "01-introduction.md"
    intro.write_text(intro.read_text() + "\n\nAs @fig-referrals shows.\n")
    build_tree(root, "epub")
    with zipfile.ZipFile(epub_path(root)) as book:
        texts = {n: book.read(n).decode() for n in book.namelist()
                 if n.startswith("EPUB/text/") and n.endswith(".xhtml")}
    ids = {name: set(re.findall(r'\sid="([^"]+)"', text)) for name, text in texts.items()}
    holder = next(n for n, found in ids.items() if "fig-referrals" in found)
    links = []
    for name, text in texts.items():
        for href in re.findall(r'href="([^":]*#[^"]+)"', text):
            file, fragment = href.split("#", 1)
            target = f"EPUB/text/{file}" if file else name
            assert fragment in ids.get(target, set()), (name, href)
            links.append((name, target, fragment))
    assert any(source != holder and target == holder and fragment == "fig-referrals"
               for source, target, fragment in links)
    command = epubcheck_command()
    if command is None:
        pytest.skip("epubcheck is not installed (Debian package epubcheck; `make system`)")
    report = tmp_path / "epubcheck.json"
    subprocess.run([*command, str(epub_path(root)), "--json", str(report)],
                   capture_output=True, text=True, timeout=300)
    messages = json.loads(report.read_text())["messages"]
    assert not [m for m in messages if m["severity"] in ("FATAL", "ERROR")], messages


def test_an_edit_walks_only_its_chapter_for_the_epub(make_tree, monkeypatch) -> None:
    """The EPUB writer's blocks and what its plan needs of them (stubs, where parts open,
    whether the book is written whole) are kept chapter by chapter: after an edit only
    that chapter's are made again. A kept entry whose facts do not fit its text is a
    miss, and the EPUB is the same."""
    root = make_tree("constructs")
    (root / "notes.txt").write_text("work in progress\n")  # a dirty tree: the stamp holds
    build_tree(root, "epub")
    kept = root / "build" / ".cache" / "epub-blocks"
    before = {path.name for path in kept.glob("*.json")}
    practice = root / "chapters" / "02-practice.md"
    practice.write_text(practice.read_text() + "\n\nOne more sentence of practice.\n")
    build_tree(root, "epub")
    after = {path.name for path in kept.glob("*.json")}
    assert len(after - before) == 1 and len(after) == len(before), (before, after)
    edited = epub_path(root).read_bytes()
    for path in kept.glob("*.json"):  # every entry's facts made not to fit its text
        entry = json.loads(path.read_text())
        entry["segments"][0][2] += 1
        path.write_text(json.dumps(entry))
    epub_path(root).unlink()
    written = _recorded_plans(monkeypatch)
    build_tree(root, "epub")
    assert epub_path(root).read_bytes() == edited
    assert written[-1][0] == 0  # the chapter files were still kept: the plan is the same
