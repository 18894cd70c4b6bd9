"""The digital edition's tagged PDF: what WeasyPrint 70 writes, made PDF/UA-1 in fact.

WeasyPrint tags a page's boxes as it draws them (``weasyprint/pdf/tags.py``). Read
against PDF/UA-1 and the Matterhorn Protocol, what it writes falls short in ways that
only the toolkit, which knows the document, can put right:

- margin boxes (running heads, folios, the draft stamp) are marked content with MCIDs
  whose structure elements hang outside the tree: neither real content nor artifacts.
  :func:`finish` turns them into ``/Artifact`` marked content of type ``/Pagination``
  (``/Header`` or ``/Footer``) and drops them from the ParentTree;
- every box inside a link gets a link of its own (``gather_anchors`` passes the link
  down), so one contents entry has three or four nested Link annotations:
  :func:`single_links` keeps the outermost one per link area;
- link annotations describe themselves with the target's id ("sec-intro-language"):
  the tag step gives them words ("Section 2.3, The picture in the United Kingdom");
- an anonymous block in a heading (``h1 .number { display: block }``) becomes a second
  heading inside the first: the inner one is a Span, so a chapter has one H1 with the
  whole heading;
- TH cells carry no ``/Scope``; footnotes are Spans in a NonStruct footnote area, their
  calls NonStruct: they become Note elements with an ID in a Div, and Reference;
- a figure's layout BBox is in CSS pixels from the top of the page: it is given in PDF
  points; pages with annotations get ``/Tabs /S``.

The tag step is WeasyPrint's own ``_build_box_tree``, wrapped while :func:`tagging` is
active so that each structure element can be corrected with the HTML element it came
from. WeasyPrint is pinned (pyproject.toml), and the checker (``report.checks.pdfua``)
fails the build's tests if a new release changes what this relies on.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field

import pikepdf
import pydyf
from weasyprint.formatting_structure.boxes import BlockBox, FootnoteAreaBox
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.pdf import tags as weasy_tags

from report.editions.paged import contents
from report.render import Rendered

PX = 0.75  # one CSS pixel in PDF points
_HEADINGS = {f"/H{level}" for level in range(1, 7)}
# HTML grouping elements WeasyPrint leaves as NonStruct (PDF 1.7 has no Aside or TOC
# that would take the contents' list as it is).
_GROUPS = {"nav": "/Sect", "aside": "/Div", "figure": "/Div", "header": "/Div",
           "footer": "/Div"}


@dataclass
class _Tagging:
    """What the tag step needs to know while WeasyPrint writes one PDF."""

    descriptions: dict[str, str]
    note_ids: set[str] = field(default_factory=set)


_current: contextvars.ContextVar[_Tagging | None] = contextvars.ContextVar(
    "report_tagging", default=None)
_original_build_box_tree = weasy_tags._build_box_tree


def link_descriptions(rendered: Rendered) -> dict[str, str]:
    """What each internal link target is, in words, for the Link annotation's /Contents:
    "Chapter 1, Introduction", "Section 2.3, The picture in the United Kingdom",
    "Recommendation 12", "Figure 1"."""
    described: dict[str, str] = {}
    for entry in contents(rendered):
        if entry.level == 1:
            number = entry.number or ""
            if number and not number.startswith("Appendix"):
                number = f"Chapter {number}"
        else:
            number = f"Section {entry.number}" if entry.number else ""
        described[entry.id] = f"{number}, {entry.title}" if number else entry.title
    for label in rendered.labels.values():
        if label.id in described:
            continue
        text = label.text.strip("‘’'\" ")
        if label.kind == "section":
            described[label.id] = f"Section {label.number}, {text}" if label.number else text
        else:
            described[label.id] = text
    return described


def _words(element) -> str:
    return " ".join("".join(element.itertext()).split())


def describe_link(element, descriptions: dict[str, str]) -> str:
    """The words a screen reader gives for a link: where it goes, never an internal id."""
    href = element.get("href") or ""
    text = _words(element)
    if href.startswith("#"):
        found = descriptions.get(href[1:])
        if found:
            return found
        # A citation ("Home Office 2021b") or a target without a label: its own words.
        return text or "Link within this document"
    if not text or text == href:
        return f"Web page {href}"
    return f"{text} (web page {href})"


@contextlib.contextmanager
def tagging(descriptions: dict[str, str]) -> Iterator[None]:
    """While active, WeasyPrint's tag step goes through :func:`_build_box_tree`."""
    token = _current.set(_Tagging(descriptions))
    weasy_tags._build_box_tree = _build_box_tree
    try:
        yield
    finally:
        weasy_tags._build_box_tree = _original_build_box_tree
        _current.reset(token)


def _build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
    """WeasyPrint's tag step for one box, each element it yields corrected. (WeasyPrint
    calls this module-level name recursively, so every box passes through here.)"""
    for element in _original_build_box_tree(box, parent, pdf, page_number, nums,
                                            annotations, tags):
        state = _current.get()
        if state is not None:
            _correct(box, element, parent, state)
        yield element


def _correct(box, element, parent, state: _Tagging) -> None:
    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    role = str(element["S"])
    html = box.element
    tag = box.element_tag if html is not None else None
    if isinstance(box, FootnoteAreaBox):
        element["S"] = "/Div"  # the foot of the page, holding its Notes
    elif tag in _GROUPS:
        element["S"] = _GROUPS[tag]
    elif role in _HEADINGS and str(parent["S"]) in _HEADINGS:
        element["S"] = "/Span"  # an anonymous block inside the heading: one heading
    elif role == "/Link":
        annotation = box.link_annotation
        if annotation is None:
            element["S"] = "/Span"  # part of a link whose outer box carries the annotation
        else:
            if html is not None:  # the <a>, or the element of its ::before/::after
                annotation["Contents"] = pydyf.String(describe_link(html, state.descriptions))
    elif tag == "span::footnote-call":
        element["S"] = "/Reference"
    elif tag == "span::footnote-marker":
        element["S"] = "/Lbl"
    elif tag == "span" and isinstance(box, BlockBox) \
            and "footnote" in (html.get("class") or "").split():  # moved to the foot
        element["S"] = "/Note"
        note_id = html.get("id") or f"note-{len(state.note_ids) + 1}"
        unique, suffix = note_id, 2
        while unique in state.note_ids:  # a footnote split over two pages
            unique, suffix = f"{note_id}-{suffix}", suffix + 1
        state.note_ids.add(unique)
        element["ID"] = pydyf.String(unique)
    elif role == "/TH" and tag == "th":
        # paged.py gives every header cell its scope (WeasyPrint's tree has no parents).
        scope = (html.get("scope") or "col").lower()
        element["A"]["Scope"] = "/Row" if scope.startswith("row") else "/Column"
    if tag is not None and ":" not in tag and tag != "html" and html.get("lang"):
        element["Lang"] = pydyf.String(html.get("lang"))


def single_links(document) -> None:
    """Keep one link per link area: WeasyPrint gives every box inside an ``<a>`` (its
    spans, its ``::after`` leader and page number) a link annotation of its own, nested
    in the outer one's rectangle."""
    for page in document.pages:
        if not page.links:
            continue
        inner: set[int] = set()
        _inner_links(page._page_box, {id(link[3]) for link in page.links}, False, inner)
        page.links = [link for link in page.links if id(link[3]) not in inner]


def _inner_links(box, linked: set[int], inside: bool, inner: set[int]) -> None:
    here = id(box) in linked
    if here and inside:
        inner.add(id(box))
    for child in box.all_children():
        _inner_links(child, linked, inside or here, inner)


def blank_pages(document) -> list[int]:
    """Pages that are blank only to make the next one a right-hand page."""
    return [index for index, page in enumerate(document.pages)
            if page._page_box.page_type.blank]


def finish(pdf: pikepdf.Pdf) -> None:
    """Corrections made on the written PDF: margin content as pagination artifacts,
    figure boxes in points, tab order."""
    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None:
        raise ValueError("no structure tree")
    reachable = _reachable(tree)
    parent_tree = tree.ParentTree
    nums = parent_tree.Nums
    pages = {int(page.obj.get("/StructParents", -1)): page for page in pdf.pages}
    for position in range(0, len(nums), 2):
        entry = nums[position + 1]
        if not isinstance(entry, pikepdf.Array):
            continue
        outside = {mcid for mcid, element in enumerate(entry)
                   if isinstance(element, pikepdf.Dictionary)
                   and element.objgen not in reachable}
        if not outside:
            continue
        page = pages.get(int(nums[position]))
        if page is None:
            continue
        _mark_artifacts(pdf, page, outside)
        for mcid in outside:
            entry[mcid] = None
    for element in _elements(tree):
        if element.get("/S") == "/Figure" and "/A" in element and "/Pg" in element:
            _bbox_in_points(element)
    for page in pdf.pages:
        if "/Annots" in page and len(page.Annots):
            page.obj["/Tabs"] = pikepdf.Name.S


def _reachable(tree: pikepdf.Dictionary) -> set[tuple[int, int]]:
    return {element.objgen for element in _elements(tree)}


def _elements(tree: pikepdf.Dictionary) -> Iterator[pikepdf.Dictionary]:
    """Every structure element reachable from the root, once."""
    seen: set[tuple[int, int]] = set()
    stack = [tree.get("/K")]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(reversed(list(node)))
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            if node.is_indirect:
                if node.objgen in seen:
                    continue
                seen.add(node.objgen)
            yield node
            if "/K" in node:
                stack.append(node.K)


def _mark_artifacts(pdf: pikepdf.Pdf, page: pikepdf.Page, mcids: set[int]) -> None:
    """Rewrite ``/Span <</MCID n>> BDC`` for the given MCIDs as pagination artifacts: a
    header when its first text line stands in the top half of the page, else a footer."""
    operations = list(pikepdf.parse_content_stream(page))
    height_px = float(page.mediabox[3]) / PX
    for index, (operands, operator) in enumerate(operations):
        if str(operator) != "BDC" or len(operands) < 2:
            continue
        properties = operands[1]
        if not isinstance(properties, pikepdf.Dictionary) or "/MCID" not in properties \
                or int(properties.MCID) not in mcids:
            continue
        subtype = "/Footer"
        for later_operands, later in operations[index + 1:]:
            if str(later) == "Tm":
                subtype = "/Header" if float(later_operands[5]) < height_px / 2 else "/Footer"
                break
            if str(later) == "EMC":
                break
        operations[index] = pikepdf.ContentStreamInstruction(
            [pikepdf.Name.Artifact, pikepdf.Dictionary(Type=pikepdf.Name.Pagination,
                                                       Subtype=pikepdf.Name(subtype))],
            pikepdf.Operator("BDC"))
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(operations))


def _bbox_in_points(element: pikepdf.Dictionary) -> None:
    """WeasyPrint writes (x1, y1, x2, y2) in CSS pixels from the top-left corner; PDF
    wants points from the bottom-left of the page."""
    attributes = element.A
    if not isinstance(attributes, pikepdf.Dictionary) or "/BBox" not in attributes:
        return
    height = float(element.Pg.MediaBox[3])
    x1, y1, x2, y2 = (float(value) for value in attributes.BBox)
    attributes.BBox = pikepdf.Array([round(x1 * PX, 2), round(height - y2 * PX, 2),
                                     round(x2 * PX, 2), round(height - y1 * PX, 2)])
