"""Cutting pandoc's HTML of the report back into chapters.

Pandoc collects every footnote at the end of the document; each chapter gets back the
notes whose references it holds, so a web page or a PDF chapter is complete on its own.
When the chapters were written one by one, each numbered its notes and its code blocks
(``cb1``, the anchors of highlighted lines) from 1: they are numbered on across the book
here, as pandoc's HTML writer numbers them in one document.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, replace

from lxml import etree, html

from report.render.cache import digest, made_once, remembering


@dataclass
class ChapterHTML:
    source: str
    kind: str
    label: str
    number: str | None
    element: html.HtmlElement
    # A hash of all the element is made from (its document's HTML and where the book's
    # numbering stood), when :func:`cut` made it: the same key, the same element.
    key: str = ""

    def to_string(self) -> str:
        return html.tostring(self.element, encoding="unicode")


_NOTE_ID = re.compile(r"^#?(?:fn|fnref)(?P<n>\d+)$")
_CLASS = "contains(concat(' ', @class, ' '), ' {} ')"
_NOTE_PARTS = (f".//a[{_CLASS.format('footnote-ref')}]",
               "./section[@id='footnotes']//li[@id]",
               f"./section[@id='footnotes']//a[{_CLASS.format('footnote-back')}]")


def _move_ids(root: html.HtmlElement, paths: tuple[str, ...], pattern: re.Pattern,
              offset: int) -> None:
    """Add ``offset`` to the number (``pattern``'s group "n") in the id and href of the
    elements at ``paths``: pandoc numbers notes and code blocks from 1 in each document."""
    for element in (e for path in paths for e in root.xpath(path)):
        for attribute in ("id", "href"):
            value = element.get(attribute) or ""
            found = pattern.match(value)
            if found:
                start, end = found.span("n")
                element.set(attribute, f"{value[:start]}{int(found['n']) + offset}{value[end:]}")


def _renumber(root: html.HtmlElement, offset: int) -> int:
    """Move the footnotes pandoc wrote in ``root`` on by ``offset``; return how many."""
    count = len(root.xpath(_NOTE_PARTS[1]))
    if not offset:
        return count
    _move_ids(root, _NOTE_PARTS, _NOTE_ID, offset)
    for sup in root.xpath(f"{_NOTE_PARTS[0]}/sup"):
        sup.text = str(int(sup.text) + offset)
    return count


_CODE_ID = re.compile(r"^#?cb(?P<n>\d+)(?:-\d+)?$")
_CODE_PARTS = (f".//div[{_CLASS.format('sourceCode')}][@id]",
               f".//div[{_CLASS.format('sourceCode')}][@id]//*[@id or @href]")


def _renumber_code(root: html.HtmlElement, offset: int) -> None:
    """Move the ids pandoc gave highlighted code blocks (cbN, cbN-line) on by ``offset``."""
    _move_ids(root, _CODE_PARTS, _CODE_ID, offset)


PACK_MARKS = f".//span[{_CLASS.format('pn')}][@data-n]"


def _renumber_citable(root: html.HtmlElement, offset: int) -> None:
    """Move citable.lua's marks (``.pn``: id ``p-N``, ``data-n``) on by ``offset``."""
    for mark in root.xpath(PACK_MARKS):
        number = int(mark.get("data-n")) + offset
        mark.set("data-n", str(number))
        mark.set("id", f"p-{number}")


# A code block without an identifier in pandoc's JSON written compactly (pandoc and
# json.dumps keep "t" before "c"): the text of a string holding these characters has its
# quotes escaped, so it never matches.
_UNNAMED_CODE_BLOCK = '{"t":"CodeBlock","c":[["",'


def code_blocks(blocks: str) -> int:
    """How many code blocks pandoc's HTML writer numbers in ``blocks`` (pandoc's JSON,
    compact: ``json.dumps(..., separators=(",", ":"))``): those without an identifier,
    highlighted or not. Counted in the text rather than by walking the decoded blocks (a
    few milliseconds of every chapter's render, on a preview save's critical path)."""
    return blocks.count(_UNNAMED_CODE_BLOCK)


def split(documents: list[str], code: list[int] | None = None,
          citable: list[int] | None = None) -> list[ChapterHTML]:
    """The chapters of the HTML ``documents``: the whole book, or one per chapter with
    the number of code blocks each holds (:func:`code_blocks`) and the number of citable
    blocks before it (``citable.lua`` numbers each chapter from 1)."""
    return numbered_on(cut(documents, code), citable)


def cut(documents: list[str], code: list[int] | None = None) -> list[list[ChapterHTML]]:
    """The chapters of each of the HTML ``documents``, notes and code blocks numbered on
    across them (see :func:`split`), citable blocks as each document numbered them.

    Each document is cut on its own (its notes are its own): in ``report serve`` a save
    parses the saved chapter's HTML again and takes the others' as the last save left
    them, when the notes and code blocks before them are as many as they were
    (:func:`report.render.cache.made_once`).
    """
    cuts: list[list[ChapterHTML]] = []
    note_offset = code_offset = 0
    for n, document in enumerate(documents):
        key = digest("cut 1", document, str(note_offset), str(code_offset))
        made, notes = made_once(key, functools.partial(
            _chapters_of, document, note_offset, code_offset, key))
        cuts.append(made)
        note_offset += notes
        code_offset += code[n] if code else 0
    return cuts


def numbered_on(cuts: list[list[ChapterHTML]], citable: list[int] | None) -> list[ChapterHTML]:
    """The chapters of :func:`cut` with the citable blocks of each document numbered on
    by its offset in ``citable`` (copies, where an offset moves them)."""
    chapters: list[ChapterHTML] = []
    for n, made in enumerate(cuts):
        offset = citable[n] if citable else 0
        for chapter in made:
            if offset:
                key = digest(chapter.key, "citable", str(offset))
                chapter = made_once(key, functools.partial(_citable_on, chapter, offset, key))
            chapters.append(chapter)
    return chapters


def _citable_on(chapter: ChapterHTML, offset: int, key: str) -> ChapterHTML:
    """``chapter`` with its citable blocks numbered on by ``offset``: a copy when the cut
    is kept for the next render (:func:`report.render.cache.remembering`), else the
    chapter itself, which nothing else holds."""
    element = copy.deepcopy(chapter.element) if remembering() else chapter.element
    _renumber_citable(element, offset)
    return replace(chapter, element=element, key=key)


def _chapters_of(document: str, note_offset: int, code_offset: int,
                 key: str) -> tuple[list[ChapterHTML], int]:
    """The chapters of one HTML document, its notes and code blocks numbered on from the
    offsets, each chapter with its own notes; and how many notes the document holds."""
    root = html.fragment_fromstring(document, create_parent="div")
    count = _renumber(root, note_offset)
    if code_offset:
        _renumber_code(root, code_offset)
    notes = {li.get("id"): li for li in root.xpath("./section[@id='footnotes']//li[@id]")}
    for section in root.xpath("./section[@id='footnotes']"):
        root.remove(section)
    chapters: list[ChapterHTML] = []
    for n, div in enumerate(root.xpath("./*[contains(concat(' ', @class, ' '), ' chapter ')]")):
        div.tail = "\n"  # as pandoc ends every block but the document's last
        refs = div.xpath(".//a[contains(concat(' ', @class, ' '), ' footnote-ref ')]")
        if refs:
            section = etree.SubElement(div, "section", {"class": "footnotes",
                                                        "role": "doc-endnotes"})
            ol = etree.SubElement(section, "ol")
            for ref in refs:
                note = notes.get(ref.get("href", "").lstrip("#"))
                if note is not None:
                    ol.append(note)
                    number = "".join(ref.itertext()).strip()
                    note.set("value", number)
        chapters.append(ChapterHTML(
            source=div.get("data-source", ""),
            kind=div.get("data-chapter-kind", "chapter"),
            label=div.get("data-label", ""),
            number=div.get("data-number"),
            element=div,
            key=digest(key, str(n)),
        ))
    return chapters, count
