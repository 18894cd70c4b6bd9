"""Parity: every edition says exactly what the render says, chapter by chapter.

All five editions of a tree are built once; each chapter's text is taken from every
edition (the PDFs' page text, the web pages, the Word XML, the EPUB XHTML) and compared,
as a sequence of words and numbers, with the chapter's HTML from the shared render:
the same words in the same order, the same recommendation numbers, the same citation
labels. One dropped paragraph, renumbered recommendation or lost footnote fails it.

What differs legitimately is layout, and is taken out before comparing:

- white space, soft hyphens, WeasyPrint's hyphenation at line ends (U+2010 HYPHEN then a
  line break: "recom‐\\nmendation"), and a real hyphen that ends a line;
- in the PDFs: the page margins (running heads, folios, the draft stamp), ordered-list
  markers (drawn as text, after the page's other text), footnote calls
  (raised, smaller digits), footnotes at the foot of the page rather than at the end of
  the chapter (each note is found in the page text, with its marker, and moved to the
  end), the text drawn inside SVG figures, and the generated page references "(page N)";
- the draft stamp wherever an edition prints it;
- footnote calls in the HTML editions (the note itself is compared), and the Word
  footnotes, which live in their own part and are read in the order of their calls.
"""

from __future__ import annotations

import copy
import ctypes
import json
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from lxml import etree, html
from pypdf import PdfReader

from report.editions.context import BuildContext
from report.manuscript import load
from report.render import render
from tests.conftest import TREES, build_tree, commit_all

EDITIONS = ("print", "digital", "web", "docx", "epub")
TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:\u2063[^\W\d_]+)*")
# "(page 12)": "page" and its number are joined by a no-break space
PAGE_REFERENCE = re.compile(r"\s*\(page\s[0-9ivxlcdm]+\)")
# The PDFs draw an ordered list's markers ("1.") after the page's other text, one a line;
# the other editions number lists without text. A line that is only a marker is dropped.
LIST_MARKER_LINE = re.compile(r"(?m)^[ \t]*(?:\d{1,3}|[a-zA-Z]|[ivxlcdm]{1,6})\.[ \t]*\r?$\n?")
# paged.css sets margins of 22 mm (top) and 24 mm (bottom): running heads, folios and the
# draft stamp sit in them. Text whose baseline lies within 18 mm of the trim edge is margin.
MARGIN_PT = 18 / 25.4 * 72
BLOCKS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "div", "section",
          "figure", "figcaption", "caption", "dt", "dd", "tr", "blockquote", "br", "aside",
          "ol", "ul", "dl", "table", "img", "hr", "nav", "header", "footer"}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# -- text and tokens ------------------------------------------------------------------

HYPHEN_BREAK = "\u2063"  # where a line ended in a hyphen: hyphenation, or a real hyphen


def normalise(text: str) -> str:
    """White space collapsed; a hyphen at a line end marked with :data:`HYPHEN_BREAK`.

    WeasyPrint hyphenates with U+2010 or "-"; PDFium reports such a line end as U+0002.
    Whether "recom-/mendation" is one word or "cross-/sector" two is decided against the
    render's words (:func:`tokens`).
    """
    text = text.replace("\r\n", "\n").replace("\u00ad", "").replace("\x02", HYPHEN_BREAK)
    text = re.sub(r"[\u2010-][ \t]*\n\s*", HYPHEN_BREAK, text)
    text = unicodedata.normalize("NFKC", text)        # ligatures
    return " ".join(text.split())


def tokens(text: str, vocabulary: set[str] | frozenset[str] = frozenset()) -> list[str]:
    out: list[str] = []
    for token in TOKEN.findall(normalise(text)):
        if HYPHEN_BREAK in token:
            joined = token.replace(HYPHEN_BREAK, "")
            out += [joined] if joined in vocabulary else token.split(HYPHEN_BREAK)
        else:
            out.append(token)
    return out


def html_text(element) -> str:
    """An element's text with a space at every block boundary (cells, paragraphs)."""
    element = copy.deepcopy(element)
    for child in element.iter():
        if not isinstance(child.tag, str):
            continue
        if etree.QName(child).localname in BLOCKS:
            child.text = " " + (child.text or "")
            child.tail = " " + (child.tail or "")
    return "".join(element.itertext())


def has_class(element, name: str) -> bool:
    return name in (element.get("class") or "").split()


def drop(element, predicate) -> None:
    for child in [c for c in element.iter() if isinstance(c.tag, str) and predicate(c)]:
        parent = child.getparent()
        if parent is None:
            continue
        # keep the tail text, which belongs to the parent
        previous = child.getprevious()
        if child.tail:
            if previous is not None:
                previous.tail = (previous.tail or "") + child.tail
            else:
                parent.text = (parent.text or "") + child.tail
        parent.remove(child)


@dataclass
class ChapterText:
    """One chapter as an edition shows it: main text, and its notes in call order."""

    body: str
    notes: list[str] = field(default_factory=list)

    def stream(self, stamp: str) -> list[str]:
        parts = [self.body, *self.notes]
        return [t for part in parts for t in tokens(part.replace(stamp, " "))]


def chapter_from_html(section, notes_root=None) -> ChapterText:
    """A chapter's section from pandoc-made HTML (render, web, EPUB)."""
    section = copy.deepcopy(section)
    notes_root = section if notes_root is None else notes_root
    note_sections = [s for s in notes_root.iter() if isinstance(s.tag, str)
                     and has_class(s, "footnotes")]
    notes: list[str] = []
    for note_section in note_sections:
        for note in note_section.iter():
            if not isinstance(note.tag, str):
                continue
            name = etree.QName(note).localname
            if name == "li" or (name == "aside" and note.get("id", "").startswith("fn")):
                clean = copy.deepcopy(note)
                drop(clean, lambda e: has_class(e, "footnote-back"))
                notes.append(html_text(clean))
    drop(section, lambda e: has_class(e, "footnotes") or has_class(e, "footnote-ref"))
    return ChapterText(html_text(section), notes)


# -- the reference: the shared render --------------------------------------------------

@dataclass
class Reference:
    labels: list[str]
    chapters: dict[str, ChapterText]
    figures: dict[str, list[list[str]]]      # label -> token runs drawn inside SVG figures
    citations: dict[str, list[list[str]]]    # label -> citation labels, in reading order
    titles: dict[str, str]                   # label -> the chapter's heading
    stamp: str


def svg_tokens(path: Path) -> list[str]:
    root = etree.parse(str(path)).getroot()
    texts = [" ".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    return tokens(" ".join(texts))


def reference(root: Path) -> Reference:
    manuscript = load(root)
    rendered = render(manuscript)
    docs = root / manuscript.manifest.docs_dir
    labels, chapters, figures, citations, titles = [], {}, {}, {}, {}
    for chapter in rendered.chapters:
        labels.append(chapter.label)
        element = chapter.element
        heading = next(element.iter("h1"), None)
        titles[chapter.label] = normalise(html_text(heading)) if heading is not None else ""
        chapters[chapter.label] = chapter_from_html(element)
        runs = []
        for image in element.iter("img"):
            if image.get("src", "").endswith(".svg"):
                runs.append(svg_tokens(docs / image.get("src")))
        figures[chapter.label] = [run for run in runs if run]
        body_cites = [tokens(html_text(s)) for s in element.iter("span")
                      if has_class(s, "citation")
                      and not any(has_class(a, "footnotes") for a in s.iterancestors())]
        note_cites = [tokens(html_text(s)) for s in element.iter("span")
                      if has_class(s, "citation")
                      and any(has_class(a, "footnotes") for a in s.iterancestors())]
        citations[chapter.label] = body_cites + note_cites
    stamp = BuildContext(manuscript).stamp
    return Reference(labels, chapters, figures, citations, titles, stamp)


# -- each edition's chapters -------------------------------------------------------------

def edition_path(root: Path, name: str) -> Path:
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    return root / manifest["editions"][name]["path"]


def web_chapters(root: Path, labels: list[str]) -> dict[str, ChapterText]:
    found: dict[str, ChapterText] = {}
    for page in sorted(edition_path(root, "web").rglob("*.html")):
        document = html.parse(str(page)).getroot()
        for section in document.iter("section"):
            if has_class(section, "chapter") and section.get("id") in labels:
                found[section.get("id")] = chapter_from_html(section)
    return found


def epub_chapters(root: Path, labels: list[str]) -> dict[str, ChapterText]:
    found: dict[str, ChapterText] = {}
    with zipfile.ZipFile(edition_path(root, "epub")) as package:
        for name in package.namelist():
            if not name.endswith(".xhtml"):
                continue
            page = etree.fromstring(package.read(name))
            for section in page.iter("{http://www.w3.org/1999/xhtml}section"):
                if has_class(section, "chapter") and section.get("id") in labels:
                    # pandoc puts a chapter's notes after its section, in the same file
                    chapter = chapter_from_html(section, notes_root=page)
                    found[section.get("id")] = chapter
    return found


def docx_chapters(root: Path, labels: list[str]) -> dict[str, ChapterText]:
    with zipfile.ZipFile(edition_path(root, "docx")) as package:
        body = etree.fromstring(package.read("word/document.xml"))
        notes_part = etree.fromstring(package.read("word/footnotes.xml"))
    notes = {n.get(f"{W}id"): " ".join("".join(t.text or "" for t in p.iter(f"{W}t"))
                                       for p in n.iter(f"{W}p"))
             for n in notes_part.iter(f"{W}footnote")}
    texts: dict[str, list[str]] = {}
    calls: dict[str, list[str]] = {}
    current = None
    for element in body.iter():
        if element.tag == f"{W}bookmarkStart" and element.get(f"{W}name") in labels:
            current = element.get(f"{W}name")
            texts[current], calls[current] = [], []
        elif current is None:
            continue
        elif element.tag == f"{W}t":
            texts[current].append(element.text or "")
        elif element.tag in (f"{W}p", f"{W}tab", f"{W}br", f"{W}tc"):
            texts[current].append(" ")
        elif element.tag == f"{W}footnoteReference":
            calls[current].append(notes[element.get(f"{W}id")])
    return {label: ChapterText("".join(texts[label]), calls[label]) for label in texts}


def _starts_from_destinations(path: Path, labels: list[str]) -> dict[str, int] | None:
    reader = PdfReader(str(path))
    destinations = reader.named_destinations
    if not all(label in destinations for label in labels):
        return None
    return {label: reader.get_destination_page_number(destinations[label]) for label in labels}


def _starts_from_outline(path: Path, labels: list[str], titles: dict[str, str]) -> dict[str, int]:
    """Fallback: the top-level bookmarks whose titles are the chapters' headings."""
    reader = PdfReader(str(path))
    top = [(normalise(item.title), reader.get_destination_page_number(item))
           for item in reader.outline if not isinstance(item, list)]
    starts: dict[str, int] = {}
    position = 0
    for label in labels:
        for index in range(position, len(top)):
            if top[index][0] == titles[label]:
                starts[label] = top[index][1]
                position = index + 1
                break
    return starts


def page_text(page: pdfium.PdfPage) -> str:
    """A page's text without its margins and without raised footnote-call digits."""
    textpage = page.get_textpage()
    left, bottom, right, top = page.get_trimbox()
    x, y = ctypes.c_double(), ctypes.c_double()
    out: list[str] = []
    previous: tuple[float, float] | None = None  # baseline and size of the last real char
    in_call = False
    for index in range(textpage.count_chars()):
        char = chr(pdfium_raw.FPDFText_GetUnicode(textpage, index))
        pdfium_raw.FPDFText_GetCharOrigin(textpage, index, x, y)
        if y.value > top - MARGIN_PT or y.value < bottom + MARGIN_PT:
            continue
        if pdfium_raw.FPDFText_IsGenerated(textpage, index):
            out.append(char)
            in_call = False
            continue
        size = pdfium_raw.FPDFText_GetFontSize(textpage, index)
        if char.isdigit() and previous is not None:
            base, last_size = previous
            raised = y.value > base + 0.5 and size < 0.8 * last_size
            if raised or (in_call and abs(y.value - base) < 0.1):
                in_call = True
                continue
        in_call = False
        previous = (y.value, size)
        out.append(char)
    return "".join(out)


def pdf_chapters(root: Path, edition: str, labels: list[str],
                 titles: dict[str, str]) -> dict[str, ChapterText]:
    path = edition_path(root, edition)
    starts = _starts_from_destinations(path, labels) or _starts_from_outline(path, labels, titles)
    document = pdfium.PdfDocument(str(path))
    try:
        ordered = [label for label in labels if label in starts]
        found: dict[str, ChapterText] = {}
        for index, label in enumerate(ordered):
            end = starts[ordered[index + 1]] if index + 1 < len(ordered) else len(document)
            text = "\n".join(LIST_MARKER_LINE.sub("", page_text(document[n]))
                             for n in range(starts[label], end))
            found[label] = ChapterText(PAGE_REFERENCE.sub("", text))
        return found
    finally:
        document.close()


def _find(haystack: list[str], needle: list[str], start: int = 0) -> int:
    for index in range(start, len(haystack) - len(needle) + 1):
        if haystack[index:index + len(needle)] == needle:
            return index
    return -1


def pdf_stream(chapter: ChapterText, expected: ChapterText, figures: list[list[str]],
               stamp: str) -> list[str]:
    """The PDF chapter's tokens with figure text removed and its notes moved to the end."""
    vocabulary = set(expected.stream(stamp))
    stream = tokens(chapter.body.replace(stamp, " "), vocabulary)
    for run in figures:
        at = _find(stream, run)
        assert at >= 0, f"text of an SVG figure not found in the PDF: {' '.join(run)}"
        del stream[at:at + len(run)]
    moved: list[str] = []
    cursor = 0
    for note in expected.notes:
        run = tokens(note.replace(stamp, " "), vocabulary)
        at = _find(stream, run, cursor)
        assert at >= 0, f"footnote missing from the PDF: {' '.join(run)}"
        marker = 1 if at > 0 and stream[at - 1].isdigit() else 0
        del stream[at - marker:at + len(run)]
        cursor = at - marker
        moved += run
    return stream + moved


# -- comparison ---------------------------------------------------------------------------

def recommendation_numbers(stream: list[str]) -> list[str]:
    return [stream[i + 1] for i in range(len(stream) - 1)
            if stream[i] == "Recommendation" and stream[i + 1][0].isdigit()]


def citations_in_order(stream: list[str], citations: list[list[str]]) -> list[str]:
    """Citation labels not found, in order, in the stream (empty: all there)."""
    missing, cursor = [], 0
    for citation in citations:
        at = _find(stream, citation, cursor)
        if at < 0:
            missing.append(" ".join(citation))
        else:
            cursor = at + len(citation)
    return missing


def first_difference(expected: list[str], actual: list[str]) -> str:
    index = next((i for i, (a, b) in enumerate(zip(expected, actual, strict=False)) if a != b),
                 min(len(expected), len(actual)))
    return (f"first difference at word {index}:\n  render:  {' '.join(expected[index:index + 12])}"
            f"\n  edition: {' '.join(actual[index:index + 12])}\n  before:  "
            f"{' '.join(expected[max(0, index - 8):index])}")


def edition_streams(root: Path, ref: Reference) -> Iterator[tuple[str, str, list[str]]]:
    titles = ref.titles
    readers = {
        "web": lambda: web_chapters(root, ref.labels),
        "docx": lambda: docx_chapters(root, ref.labels),
        "epub": lambda: epub_chapters(root, ref.labels),
        "print": lambda: pdf_chapters(root, "print", ref.labels, titles),
        "digital": lambda: pdf_chapters(root, "digital", ref.labels, titles),
    }
    for edition in EDITIONS:
        chapters = readers[edition]()
        assert sorted(chapters) == sorted(ref.labels), f"{edition}: chapters {sorted(chapters)}"
        for label in ref.labels:
            if edition in ("print", "digital"):
                stream = pdf_stream(chapters[label], ref.chapters[label], ref.figures[label],
                                    ref.stamp)
            else:
                stream = chapters[label].stream(ref.stamp)
            yield edition, label, stream


def check_parity(root: Path) -> None:
    ref = reference(root)
    failures: list[str] = []
    for edition, label, stream in edition_streams(root, ref):
        expected = ref.chapters[label].stream(ref.stamp)
        where = f"{edition}, {label}"
        if recommendation_numbers(stream) != recommendation_numbers(expected):
            failures.append(f"{where}: recommendation numbers {recommendation_numbers(stream)}"
                            f" != {recommendation_numbers(expected)}")
        missing = citations_in_order(stream, ref.citations[label])
        if missing:
            failures.append(f"{where}: citation labels missing or out of order: {missing}")
        if stream != expected:
            failures.append(f"{where}: words differ; {first_difference(expected, stream)}")
    assert not failures, "\n".join(failures)


# -- the trees ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def constructs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("parity") / "constructs"
    shutil.copytree(TREES / "constructs", root, ignore=shutil.ignore_patterns("build"))
    (root / ".gitignore").write_text("build/\n")
    commit_all(root)
    build_tree(root)
    return root


def test_all_five_editions_built(constructs: Path) -> None:
    manifest = json.loads((constructs / "build" / "manifest.json").read_text())
    assert set(manifest["editions"]) == set(EDITIONS)


def test_same_words_numbers_and_citations_in_every_edition(constructs: Path) -> None:
    check_parity(constructs)


def test_reference_is_not_trivial(constructs: Path) -> None:
    """The comparison has something to compare: the notes, figures and citations."""
    ref = reference(constructs)
    assert [normalise(n) for n in ref.chapters["ch-introduction"].notes] == [
        "A footnote in the introduction."]
    assert ref.figures["ch-practice"], "the SVG figure's text was not read"
    assert [" ".join(c) for c in ref.citations["ch-introduction"]] == [
        "International Labour Organization and Walk Free Foundation 2017", "Home Office 2021"]
    assert recommendation_numbers(ref.chapters["ch-summary"].stream(ref.stamp)) == ["1", "2", "1"]


def _rewrite_zip(path: Path, edit) -> None:
    with zipfile.ZipFile(path) as package:
        contents = {name: package.read(name) for name in package.namelist()}
    contents = edit(contents)
    with zipfile.ZipFile(path, "w") as package:
        for name, data in contents.items():
            package.writestr(name, data)


def _replace_in(contents: dict[str, bytes], suffix: str, old: str, new: str) -> dict[str, bytes]:
    for name, data in contents.items():
        if name.endswith(suffix) and old.encode() in data:
            contents[name] = data.replace(old.encode(), new.encode(), 1)
            return contents
    raise AssertionError(f"{old!r} not found in any {suffix}")


DAMAGE = {
    "docx-drop-paragraph": ("docx", "document.xml",
                            "This section is referred to from the practice chapter.", "",
                            r"docx, ch-introduction: words differ"),
    "docx-renumber": ("docx", "document.xml", ">Recommendation\u00a02<",
                      ">Recommendation\u00a03<",
                      r"docx, ch-summary: recommendation numbers"),
    "docx-drop-note": ("docx", "footnotes.xml", "A footnote inside a recommendation.", "",
                       r"docx, ch-practice: words differ"),
    "docx-drop-citation": ("docx", "document.xml", ">Home Office 2021<", "><",
                           r"docx, ch-summary: citation labels missing"),
    "epub-drop-paragraph": ("epub", ".xhtml", "<p>A composite, anonymised case.", "<p>",
                            r"epub, ch-practice: words differ"),
    "epub-swap-words": ("epub", ".xhtml", "Give every child a guardian",
                        "Give a guardian every child", r"epub, ch-summary: words differ"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_parity_fails_on_a_damaged_edition(constructs: Path, tmp_path: Path, damage: str) -> None:
    """A copy of the built tree with one edition damaged must fail, saying where."""
    edition, part, old, new, message = DAMAGE[damage]
    root = tmp_path / "damaged"
    shutil.copytree(constructs, root, symlinks=True)
    _rewrite_zip(edition_path(root, edition), lambda c: _replace_in(c, part, old, new))
    with pytest.raises(AssertionError, match=message):
        check_parity(root)


def test_parity_fails_when_a_web_page_loses_a_paragraph(constructs: Path, tmp_path: Path) -> None:
    root = tmp_path / "damaged"
    shutil.copytree(constructs, root, symlinks=True)
    pages = [p for p in edition_path(root, "web").rglob("*.html")
             if "This section is referred to" in p.read_text(encoding="utf-8")]
    assert pages
    for page in pages:
        page.write_text(page.read_text(encoding="utf-8").replace(
            "This section is referred to from the practice chapter.", ""), encoding="utf-8")
    with pytest.raises(AssertionError, match=r"web, ch-introduction: words differ"):
        check_parity(root)


@pytest.mark.bundled
def test_bundled_report_parity(bundled_build: Path) -> None:
    check_parity(bundled_build)
