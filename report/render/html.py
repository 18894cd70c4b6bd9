"""Cutting pandoc's HTML of the report back into chapters.

Pandoc collects every footnote at the end of the document; each chapter gets back the
notes whose references it holds, so a web page or a PDF chapter is complete on its own.
When the chapters were written one by one, each numbered its notes from 1: they are
numbered on across the book here, as pandoc numbers them in one document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree, html


@dataclass
class ChapterHTML:
    source: str
    kind: str
    label: str
    number: str | None
    element: html.HtmlElement

    def to_string(self) -> str:
        return html.tostring(self.element, encoding="unicode")


_NOTE_ID = re.compile(r"^(#?)(fn|fnref)(\d+)$")
_CLASS = "contains(concat(' ', @class, ' '), ' {} ')"
_NOTE_PARTS = (f".//a[{_CLASS.format('footnote-ref')}]",
               "./section[@id='footnotes']//li[@id]",
               f"./section[@id='footnotes']//a[{_CLASS.format('footnote-back')}]")


def _renumber(root: html.HtmlElement, offset: int) -> int:
    """Move the footnotes pandoc wrote in ``root`` on by ``offset``; return how many."""
    count = len(root.xpath(_NOTE_PARTS[1]))
    if not offset:
        return count
    for element in (e for path in _NOTE_PARTS for e in root.xpath(path)):
        for attribute in ("id", "href"):
            found = _NOTE_ID.match(element.get(attribute) or "")
            if found:
                number = int(found.group(3)) + offset
                element.set(attribute, f"{found.group(1)}{found.group(2)}{number}")
    for sup in root.xpath(f"{_NOTE_PARTS[0]}/sup"):
        sup.text = str(int(sup.text) + offset)
    return count


def split(documents: list[str]) -> list[ChapterHTML]:
    """The chapters of the HTML ``documents`` (the whole book, or one per chapter)."""
    root = html.fragment_fromstring("", create_parent="div")
    offset = 0
    for document in documents:
        part = html.fragment_fromstring(document, create_parent="div")
        offset += _renumber(part, offset)
        root.extend(list(part))
    notes = {li.get("id"): li for li in root.xpath("./section[@id='footnotes']//li[@id]")}
    for section in root.xpath("./section[@id='footnotes']"):
        root.remove(section)
    chapters: list[ChapterHTML] = []
    for div in root.xpath("./*[contains(concat(' ', @class, ' '), ' chapter ')]"):
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
        ))
    return chapters
