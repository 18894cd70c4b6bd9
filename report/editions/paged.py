"""The paged document that both PDF editions lay out.

Print and digital differ only in CSS and PDF options; the book they lay out (cover,
title page, copyright page, contents, chapters with footnotes at the foot of the page)
is assembled here once.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
from lxml import etree, html

from report import __version__
from report.editions.context import BuildContext
from report.editions.frontmatter import breakable, licence, mark_url_breaks
from report.render import Rendered

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
_env.filters["breakable"] = breakable
# Elements that WeasyPrint lays out as inline boxes of their own inside a paragraph.
_INLINE = {"a", "span", "em", "strong", "code", "abbr", "cite", "q", "sup", "sub", "small",
           "b", "i"}


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
        # The id names the Note element of the tagged PDF (report.editions.tagged).
        span = etree.Element("span", {"class": "footnote", "id": ref.get("href", "")[1:]})
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


def _scope_headers(chapter) -> None:
    """Say what each table header cell heads, as PDF/UA asks of TH: a column in a header
    row, else the row it starts."""
    for cell in chapter.xpath(".//th[not(@scope)]"):
        row = cell.getparent()
        in_head = row.getparent() is not None and row.getparent().tag == "thead"
        starts_row = not in_head and row.index(cell) == 0 and row.xpath("./td")
        cell.set("scope", "row" if starts_row else "col")


def _space_before_inline(root) -> None:
    """Put the space between a run of plain text and an inline element in a span of its own.

    WeasyPrint 70 breaks a line too early when the first thing that does not fit is an
    inline element (a citation, a cross-reference link) and the plain-text run before it
    ends in a space: it goes back to an early break opportunity of that run instead of
    the space just before the element, so "The" or "They" stands alone on a line and the
    rest of the sentence fills the next (pp. 7, 13 and 63 of the draft). With the space
    in a box of its own, the break falls there, where it belongs.
    """
    for element in list(root.iter(*_INLINE)):
        parent = element.getparent()
        if parent is None:
            continue
        previous = element.getprevious()
        text = previous.tail if previous is not None else parent.text
        match = re.search(r"\S(\s+)$", text) if text else None
        if match is None:
            continue
        head = text[:match.start(1)]
        if previous is not None:
            previous.tail = head
        else:
            parent.text = head
        space = etree.Element("span")
        space.text = match.group(1)
        element.addprevious(space)


def _text_runs(para) -> list[tuple[etree._Element, str]]:
    """The paragraph's runs of text in reading order, as (element, "text" or "tail"): an
    element's tail comes after its children's text. A footnote's own text, laid out
    elsewhere, is not part of it."""
    def in_note(element) -> bool:
        return any("footnote" in (e.get("class") or "").split()
                   for e in (element, *element.iterancestors()))

    runs = [(para, "text")] if para.text else []
    for event, element in etree.iterwalk(para, events=("start", "end")):
        if element is para:
            continue
        if event == "start":
            if element.text and not in_note(element):
                runs.append((element, "text"))
        elif element.tail and not in_note(element.getparent()):
            runs.append((element, "tail"))
    return runs


def _run_at(runs: list[tuple[etree._Element, str]], offset: int
            ) -> tuple[etree._Element, str, int]:
    """The run holding character ``offset`` of the runs' joined text, and where in it."""
    for owner, attr in runs:
        length = len(getattr(owner, attr))
        if offset < length:
            return owner, attr, offset
        offset -= length
    raise IndexError(offset)


# A short last word (at most five characters: "18.", "it.", "2.3).") and the space before
# it, whatever elements the words are in.
_RUNT = re.compile(r"(?<=\S)[ \t\n](\S{1,5})\s*$")
_LAST_WORD = re.compile(r"([^\W\d_]{8,})\W*$")


def _last_word_whole(root) -> None:
    """Never hyphenate the last word of a paragraph (a fragment alone on the last line):
    WeasyPrint has no ``hyphenate-limit-last``, so that word goes in a span paged.css
    sets ``hyphens: manual``; and never leave a short word alone on the last line (a
    runt): it is bound to the word before it by a no-break space.

    Both read the paragraph's text across its elements: a paragraph that ends in a
    citation or a cross-reference ("... (Home Office 2021).", "... see Section 2.3.")
    has its last words inside the link, and its last run of text, the full stop, has
    none."""
    for para in root.iter("p", "li", "dd"):
        runs = _text_runs(para)
        if not runs:
            continue
        match = _RUNT.search("".join(getattr(owner, attr) for owner, attr in runs))
        if match is not None:
            owner, attr, at = _run_at(runs, match.start())
            text = getattr(owner, attr)
            setattr(owner, attr, text[:at] + "\u00a0" + text[at + 1:])
        match = _LAST_WORD.search("".join(getattr(owner, attr) for owner, attr in runs))
        if match is None:
            continue
        owner, attr, at = _run_at(runs, match.start(1))
        text = getattr(owner, attr)
        end = at + len(match.group(1))
        if end > len(text):  # the word runs across elements ("<em>exploit</em>ation")
            continue
        span = etree.Element("span", {"class": "last-word"})
        span.text, span.tail = match.group(1), text[end:]
        setattr(owner, attr, text[:at])
        if attr == "text":
            owner.insert(0, span)
        else:
            owner.addnext(span)


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


def chapters_html(rendered: Rendered, chapters=None,
                  page_numbers: dict[str, str] | None = None) -> list[str]:
    """The chapters as paged HTML; ``page_numbers`` gives literal folios for page
    references to labels laid out in another part (see ``report.editions.chaptered``)."""
    out = []
    for chapter in rendered.chapters if chapters is None else chapters:
        element = copy.deepcopy(chapter.element)
        _inline_footnotes(element)
        _scope_headers(element)
        mark_url_breaks(element)
        _last_word_whole(element)
        _space_before_inline(element)
        classes = (element.get("class") or "").split()
        classes.append(f"kind-{chapter.kind}")
        if chapter is _first_main(rendered):
            classes.insert(0, "main-start")
        element.set("class", " ".join(classes))
        if page_numbers:
            for ref in element.xpath(".//a[contains(concat(' ', @class, ' '), ' rec-ref ')]"):
                folio = page_numbers.get(ref.get("href", "").lstrip("#"))
                if folio:
                    ref.set("data-page", folio)
        out.append(html.tostring(element, encoding="unicode"))
    return out


def _first_main(rendered: Rendered):
    """The first non-front chapter starts the arabic page numbers."""
    return next((c for c in rendered.chapters if c.kind != "front"), None)


def running_heads_css(rendered: Rendered) -> str:
    """The report's title on left pages: literal, so every separately laid-out part has it."""
    title = json.dumps(rendered.manuscript.manifest.title, ensure_ascii=False)
    return f"@page :left {{ @top-left {{ content: {title}; }} }}"


def document(rendered: Rendered, context: BuildContext, edition: str, *, chapters=None,
             front_pages: bool = True, page_numbers: dict[str, str] | None = None) -> str:
    """The book as one HTML document, or one part of it (``chapters``, ``front_pages``)."""
    m = rendered.manuscript.manifest
    isbn_edition = "print" if edition == "print" else "digital"
    labels = {"print": "print", "digital": "PDF"}
    template = _env.get_template("paged.html")
    entries = contents(rendered) if front_pages else []
    numbers = page_numbers or {}
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
        isbn_placeholder=isbn_edition in m.isbn_placeholders,
        licence=licence(m.licence),
        isbn_label=labels[edition],
        front_pages=front_pages,
        contents=[(entry, numbers.get(entry.id)) for entry in entries],
        chapters=chapters_html(rendered, chapters, page_numbers),
    )
