"""The paged document that both PDF editions lay out.

Print and digital differ only in CSS and PDF options; the book they lay out (cover,
title page, copyright page, contents, chapters with footnotes at the foot of the page)
is assembled here once.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import jinja2
from lxml import etree, html

from report import __version__
from report.editions.context import BuildContext
from report.render import Rendered

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


@dataclass(frozen=True)
class ContentsEntry:
    id: str
    title: str
    number: str | None
    level: int
    kind: str


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _inline_footnotes(chapter) -> None:
    """Move each footnote's text to its call, where CSS ``float: footnote`` places it."""
    notes = {li.get("id"): li for li in chapter.xpath(".//section[@class='footnotes']//li")}
    for ref in chapter.xpath(".//a[contains(concat(' ', @class, ' '), ' footnote-ref ')]"):
        note = notes.get(ref.get("href", "").lstrip("#"))
        if note is None:
            continue
        span = etree.Element("span", {"class": "footnote"})
        for back in note.xpath(".//a[contains(@class, 'footnote-back')]"):
            back.getparent().remove(back)
        paragraphs = note.xpath("./p") or [note]
        for index, para in enumerate(paragraphs):
            if index:
                etree.SubElement(span, "br")
            part = copy.deepcopy(para)
            if span.text is None and not len(span) and index == 0:
                span.text = part.text
            else:
                last = span[-1] if len(span) else None
                if last is not None:
                    last.tail = (last.tail or "") + (part.text or "")
            for child in part:
                span.append(child)
        span.tail = ref.tail
        ref.getparent().replace(ref, span)
    for section in chapter.xpath(".//section[@class='footnotes']"):
        section.getparent().remove(section)


def contents(rendered: Rendered) -> list[ContentsEntry]:
    entries: list[ContentsEntry] = []
    for chapter in rendered.chapters:
        h1 = chapter.element.xpath(".//h1")
        title = _text(h1[0]) if h1 else chapter.label
        number = chapter.number
        if number and title.startswith(("Appendix " + number, number)):
            title = title.split(" ", 2 if title.startswith("Appendix") else 1)[-1]
        if chapter.kind == "appendix" and number:
            number = f"Appendix {number}"
        entries.append(ContentsEntry(chapter.label, title, number, 1, chapter.kind))
        if chapter.kind in ("chapter", "appendix"):
            for h2 in chapter.element.xpath(".//h2[@id]"):
                if "unnumbered" in (h2.get("class") or ""):
                    continue
                spans = h2.xpath("./span[@class='number']")
                sec_number = _text(spans[0]) if spans else None
                sec_title = _text(h2)
                if sec_number and sec_title.startswith(sec_number):
                    sec_title = sec_title[len(sec_number):].strip()
                entries.append(ContentsEntry(h2.get("id"), sec_title, sec_number, 2, chapter.kind))
    return entries


def chapters_html(rendered: Rendered) -> list[str]:
    out = []
    for chapter in rendered.chapters:
        element = copy.deepcopy(chapter.element)
        _inline_footnotes(element)
        classes = (element.get("class") or "").split()
        classes.append(f"kind-{chapter.kind}")
        element.set("class", " ".join(classes))
        out.append(html.tostring(element, encoding="unicode"))
    _mark_main_start(rendered, out)
    return out


def _mark_main_start(rendered: Rendered, out: list[str]) -> None:
    """The first non-front chapter starts the arabic page numbers."""
    for index, chapter in enumerate(rendered.chapters):
        if chapter.kind != "front":
            out[index] = out[index].replace('class="', 'class="main-start ', 1)
            return


def document(rendered: Rendered, context: BuildContext, edition: str) -> str:
    m = rendered.manuscript.manifest
    isbn_edition = "print" if edition == "print" else "digital"
    labels = {"print": "print", "digital": "PDF"}
    template = _env.get_template("paged.html")
    return template.render(
        m=m,
        edition=edition,
        draft=context.draft,
        stamp=context.stamp,
        commit=context.provenance.commit,
        description=(context.stamp if context.draft
                     else (m.config.get("site_description") or m.full_title)),
        keywords=", ".join(["draft"] if context.draft else ["final"]),
        created=context.provenance.date.isoformat(),
        toolkit_version=__version__,
        isbn=m.isbn.get(isbn_edition),
        isbn_label=labels[edition],
        contents=contents(rendered),
        chapters=chapters_html(rendered),
    )
