"""Cutting pandoc's HTML of the whole report back into chapters.

Pandoc collects every footnote at the end of the document; each chapter gets back the
notes whose references it holds, so a web page or a PDF chapter is complete on its own.
"""

from __future__ import annotations

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


def split(document: str) -> list[ChapterHTML]:
    root = html.fragment_fromstring(document, create_parent="div")
    notes = {li.get("id"): li for li in root.xpath("./section[@id='footnotes']//li[@id]")}
    for section in root.xpath("./section[@id='footnotes']"):
        root.remove(section)
    chapters: list[ChapterHTML] = []
    for div in root.xpath("./*[contains(concat(' ', @class, ' '), ' chapter ')]"):
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
