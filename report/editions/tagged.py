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
  calls NonStruct and not linked (WeasyPrint links only ``<a>`` and GCPM notes): they
  become Note elements with an ID in a Div, and each call a Reference holding a Link
  (its OBJR, an annotation whose /Contents says "Footnote 3") to the Note's anchor, as
  PDF/UA-1 can say it: PDF 1.7 has no ``/Ref`` key (PDF 2.0 added it), so a Link
  annotation is how a reader goes from the call to its note;
- each page's boxes are tagged on their own, so a chapter is one Sect per page (and a
  paragraph or list cut by a page break two P or L elements), with the page's footnote
  area between them at the top of the tree: :func:`_join_page` joins an element that
  continues on the next page into the one it continues (same HTML element, same role),
  down the seam, and puts each page's footnote area inside the section it belongs to,
  so the tree reads as the book: Document > Sect per chapter > H1, P, ..., Div (notes).
  Tables are not joined (a repeated header row would be read twice);
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
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pikepdf
import pydyf
from weasyprint.formatting_structure.boxes import BlockBox, FootnoteAreaBox, PageBox, TextBox
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.pdf import tags as weasy_tags
from weasyprint.pdf.stream import Stream

from report.editions.paged import contents
from report.errors import BuildStopped
from report.render import Rendered

PX = 0.75  # one CSS pixel in PDF points
_HEADINGS = {f"/H{level}" for level in range(1, 7)}
# What a page break may cut and the tag step joins again (not tables: see the docstring).
_JOINABLE = {"/Sect", "/Div", "/Part", "/Art", "/BlockQuote", "/P", "/L", "/LI", "/LBody"}
# HTML grouping elements WeasyPrint leaves as NonStruct (PDF 1.7 has no Aside or TOC
# that would take the contents' list as it is).
_GROUPS = {"nav": "/Sect", "aside": "/Div", "figure": "/Div", "header": "/Div",
           "footer": "/Div"}


@dataclass
class _Tagging:
    """What the tag step needs to know while WeasyPrint writes one PDF."""

    descriptions: dict[str, str]
    note_ids: set[str] = field(default_factory=set)
    pdf: object = None  # the pydyf PDF being written
    annotations: list = field(default_factory=list)  # WeasyPrint's (element, annotation)
    origin: dict[int, object] = field(default_factory=dict)  # id(element): HTML element
    footnote_areas: set[int] = field(default_factory=set)  # id(element)
    last_top: pydyf.Dictionary | None = None  # the last element under Document so far


_current: contextvars.ContextVar[_Tagging | None] = contextvars.ContextVar(
    "report_tagging", default=None)
_original_build_box_tree = weasy_tags._build_box_tree
_original_marked = Stream.marked


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
    if href.startswith(CROSS_PART):
        href = "#" + href[len(CROSS_PART):]
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
    Stream.marked = _marked
    try:
        yield
    finally:
        weasy_tags._build_box_tree = _original_build_box_tree
        Stream.marked = _original_marked
        _current.reset(token)


@contextlib.contextmanager
def _marked(stream: Stream, box, tag: str) -> Iterator[None]:
    """WeasyPrint's marked content for a box it draws; dot leaders
    (``report.editions.leaders``) as layout artifacts instead, outside the tree (PDF
    14.8.2.2: leaders are layout, not content), so a contents line reads as its title
    and page number. :func:`_build_box_tree` leaves them out of the tree."""
    if stream._tags is None or not getattr(box, "leader_dots", False):
        with _original_marked(stream, box, tag):
            yield
        return
    stream.begin_marked_content("Artifact", pydyf.Dictionary({"Type": "/Layout"}))
    try:
        yield
    finally:
        stream.end_marked_content()


def _build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
    """WeasyPrint's tag step for one box, each element it yields corrected. (WeasyPrint
    calls this module-level name recursively, so every box passes through here.)"""
    state = _current.get()
    if state is not None and getattr(box, "is_leader", False):
        return  # its dots are layout artifacts (:func:`_marked`), not in the tree
    if state is not None:
        state.pdf, state.annotations = pdf, annotations
    elements = _original_build_box_tree(box, parent, pdf, page_number, nums, annotations,
                                        tags)
    if state is None:
        yield from elements
    elif isinstance(box, PageBox):  # a page's elements, under Document
        yield from _join_page(list(elements), state)
    else:
        for element in elements:
            if id(element) not in state.origin:  # the innermost box is the element's own
                state.origin[id(element)] = box._box.element \
                    if isinstance(box, AbsolutePlaceholder) else box.element
                _correct(box, element, parent, state)
            yield element


def _join_page(elements: list, state: _Tagging) -> Iterator:
    """Yield the page's top elements that begin something; join those that continue the
    last one (a chapter's Sect on its next page) into it, and put the page's footnote
    area in the element it belongs to."""
    for element in elements:
        last = state.last_top
        if id(element) in state.footnote_areas:
            if last is not None and str(last["S"]) in _JOINABLE:
                _adopt(last, [element.reference], state)
                continue
        elif last is not None and _continues(last, element, state):
            _join(last, element, state)
            continue
        state.last_top = element
        yield element


def _continues(before, after, state: _Tagging) -> bool:
    """``after`` is the rest of ``before``, cut by a page break."""
    html = state.origin.get(id(before))
    return (html is not None and state.origin.get(id(after)) is html
            and before["S"] == after["S"] and str(before["S"]) in _JOINABLE
            and not any(isinstance(kid, int) for kid in (*before["K"], *after["K"])))


def _object(state: _Tagging, reference):
    return state.pdf.objects[int(reference.split()[0])]


def _adopt(element, references: list, state: _Tagging) -> None:
    for reference in references:
        kid = _object(state, reference)
        if isinstance(kid, pydyf.Dictionary) and "P" in kid:
            kid["P"] = element.reference
        element["K"].append(reference)


def _join(before, after, state: _Tagging) -> None:
    """Move the kids of ``after`` into ``before``; where the seam cuts an element again
    (the paragraph running over the page), join that one too. The footnote areas that
    ``before`` ends with stay where they are: the notes of its page."""
    kids = list(after["K"])
    content = [kid for kid in before["K"]
               if id(_object(state, kid)) not in state.footnote_areas]
    if kids and content:
        last, first = _object(state, content[-1]), _object(state, kids[0])
        if _continues(last, first, state):
            _join(last, first, state)
            kids = kids[1:]
    _adopt(before, kids, state)


def _correct(box, element, parent, state: _Tagging) -> None:
    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    role = str(element["S"])
    html = box.element
    tag = box.element_tag if html is not None else None
    if isinstance(box, FootnoteAreaBox):
        element["S"] = "/Div"  # the foot of the page, holding its Notes
        state.footnote_areas.add(id(element))
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
        if box.link_annotation is not None:
            _link_inside(element, box, state)
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


def _link_inside(reference, box, state: _Tagging) -> None:
    """Reference > Link > (OBJR, the call's text): the annotation WeasyPrint attached to
    the Reference itself moves to a Link element inside it, in the ParentTree too."""
    pdf = state.pdf
    link = pydyf.Dictionary({"Type": "/StructElem", "S": "/Link", "K": reference["K"],
                             "Pg": reference["Pg"], "P": reference.reference})
    pdf.add_object(link)
    reference["K"] = pydyf.Array([link.reference])
    for kid in link["K"]:
        kid_object = pdf.objects[int(kid.split()[0])]
        if isinstance(kid_object, pydyf.Dictionary) and kid_object.get("Type") == "/StructElem":
            kid_object["P"] = link.reference
    annotation = box.link_annotation
    state.annotations[:] = [(link.reference, a) if a is annotation else (element, a)
                            for element, a in state.annotations]
    number = "".join(text.text for text in box.descendants() if isinstance(text, TextBox))
    annotation["Contents"] = pydyf.String(f"Footnote {number.strip()}".strip())


def footnote_links(document) -> None:
    """Link every footnote call to its note's anchor (the id of the footnote's element),
    as WeasyPrint links an ``<a>``: the call's box gets the link, its page the area. The
    area is that of the call's text: the call box itself has no height (``line-height:
    0`` keeps the superscript from opening the line)."""
    for page in document.pages:
        inside: set[int] = set()  # the call's own inner boxes: one link per call
        for box in page._page_box.descendants():
            if box.element_tag != "span::footnote-call" or box.element is None \
                    or id(box) in inside or box.link:
                continue
            anchor = box.element.get("id")
            if not anchor:
                continue
            parts = list(box.descendants())
            inside.update(id(part) for part in parts)
            areas = [part.hit_area() for part in parts]
            page.links.append(("internal", anchor, (
                min(x for x, _, _, _ in areas), min(y for _, y, _, _ in areas),
                max(x + w for x, _, w, _ in areas), max(y + h for _, y, _, h in areas)), box))
            box.link = ("url", ("internal", anchor))


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


def finish(pdf: pikepdf.Pdf, id_prefix: str | None = None) -> None:
    """Corrections made on the written PDF: margin content as pagination artifacts,
    figure boxes in points, tab order. With ``id_prefix`` (a part of a book), element
    IDs are made unique in the book and listed in the part's IDTree
    (:func:`prefix_ids`), here in the worker rather than at assembly."""
    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None:
        raise ValueError("no structure tree")
    elements = list(_elements(tree))
    reachable = {element.objgen for element in elements}
    if id_prefix is not None:
        prefix_ids(pdf, elements, id_prefix)
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
    for element in elements:
        if element.get("/S") == "/Figure" and "/A" in element and "/Pg" in element:
            _bbox_in_points(element)
    for page in pdf.pages:
        if "/Annots" in page and len(page.Annots):
            page.obj["/Tabs"] = pikepdf.Name.S


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


_MARKED = re.compile(rb"/\w+\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")
_TEXT_MATRIX = re.compile(rb"(-?[\d.]+)\s+Tm\b")


def _mark_artifacts(pdf: pikepdf.Pdf, page: pikepdf.Page, mcids: set[int]) -> None:
    """Rewrite ``/Span <</MCID n>> BDC`` for the given MCIDs as pagination artifacts: a
    header when its first text line stands in the top half of the page, else a footer.
    On the bytes WeasyPrint wrote (its text is hex strings, so the pattern cannot occur
    inside one): parsing and rewriting every page's content stream through pikepdf was
    a tenth of a part's layout time."""
    height_px = float(page.mediabox[3]) / PX
    page.contents_coalesce()
    data = page.obj.Contents.read_bytes()

    def artifact(match: re.Match) -> bytes:
        if int(match.group(1)) not in mcids:
            return match.group(0)
        end = data.find(b"EMC", match.end())
        line = _TEXT_MATRIX.search(data, match.end(), end if end >= 0 else len(data))
        header = line is not None and float(line.group(1)) < height_px / 2
        return b"/Artifact <</Type /Pagination /Subtype /%s>> BDC" % (
            b"Header" if header else b"Footer")

    page.obj.Contents = pdf.make_stream(_MARKED.sub(artifact, data))


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


# Assembly of tagged parts (report.editions.chaptered lays the book out part by part).

CROSS_PART = "https://part.invalid/#"
"""A link to an anchor in another part is laid out as a link to this address plus the
anchor (WeasyPrint makes no annotation for an anchor it cannot see); assembly turns it
into a GoTo to the named destination."""


class PartError(BuildStopped):
    """A part's structure is not what WeasyPrint is known to write: it cannot be merged."""

    def __init__(self, part: str, message: str):
        super().__init__(f"digital edition: part {part!r} cannot be merged: {message}")


def _part_root(pdf: pikepdf.Pdf, part: str) -> pikepdf.Dictionary:
    """A part's StructTreeRoot, as WeasyPrint writes it: one object, every page with
    its /StructParents."""
    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary) or not root.is_indirect:
        raise PartError(part, "it has no structure tree")
    for index, page in enumerate(pdf.pages):
        if "/StructParents" not in page.obj:
            raise PartError(part, f"page {index + 1} has no /StructParents")
    return root


def _structure(root: pikepdf.Dictionary, part: str) -> tuple[pikepdf.Dictionary,
                                                               dict[int, object]]:
    """The one Document element under a StructTreeRoot and its flattened ParentTree."""
    kids = root.get("/K")
    document = kids[0] if isinstance(kids, pikepdf.Array) and len(kids) == 1 else kids
    if not isinstance(document, pikepdf.Dictionary) or document.get("/S") != "/Document" \
            or not document.is_indirect:
        raise PartError(part, "its structure tree has no single Document element")
    nums: dict[int, object] = {}
    stack = [root.get("/ParentTree")]
    if not isinstance(stack[0], pikepdf.Dictionary):
        raise PartError(part, "it has no ParentTree")
    while stack:
        node = stack.pop()
        flat = node.get("/Nums", [])
        for position in range(0, len(flat) - 1, 2):
            nums[int(flat[position])] = flat[position + 1]
        stack.extend(kid for kid in node.get("/Kids", []) if isinstance(kid, pikepdf.Dictionary))
    return document, nums


def _copy(book: pikepdf.Pdf, value):
    """A part's object in the book: indirect objects through pikepdf's copier (which maps
    the part's pages to the pages already appended), direct arrays item by item."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return book.copy_foreign(value)
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copy(book, item) for item in value])
    return value


def _named_destinations(pdf: pikepdf.Pdf) -> dict[str, object]:
    names = pdf.Root.get("/Names")
    if not isinstance(names, pikepdf.Dictionary) or "/Dests" not in names:
        return {}
    return {str(name): dest for name, dest in pikepdf.NameTree(names.Dests).items()}


def prefix_ids(pdf: pikepdf.Pdf, elements: list[pikepdf.Dictionary], prefix: str) -> None:
    """Element IDs are unique per part (WeasyPrint draws TH IDs from object numbers):
    prefixed with the part, with the TD /Headers that name them, and listed in the
    part's IDTree, which assembly merges."""
    ids: dict[str, pikepdf.Dictionary] = {}
    for element in elements:
        if "/ID" in element:
            element.ID = pikepdf.String(prefix + str(element.ID))
            ids[str(element.ID)] = element
        attributes = element.get("/A")
        if isinstance(attributes, pikepdf.Dictionary) and "/Headers" in attributes:
            attributes.Headers = pikepdf.Array(
                [pikepdf.String(prefix + str(header)) for header in attributes.Headers])
    if ids:
        id_tree = pikepdf.NameTree.new(pdf)
        for key in sorted(ids):
            id_tree[key] = ids[key]
        pdf.Root.StructTreeRoot.IDTree = id_tree.obj


def _ids_of(book: pikepdf.Pdf, root: pikepdf.Dictionary, ids: dict[str, pikepdf.Dictionary],
            foreign: bool = True) -> None:
    """A part's IDTree into ``ids``, its elements as copied into the book (pikepdf's
    copier maps each foreign object once, so these are the elements of the tree)."""
    if "/IDTree" in root:
        for key, element in pikepdf.NameTree(root.IDTree).items():
            ids[key] = _copy(book, element) if foreign else element


def merge_parts(book: pikepdf.Pdf, base_name: str,
                parts: list[tuple[str, pikepdf.Pdf]]) -> None:
    """Append every page of each tagged part to ``book`` (itself the first part, tagged)
    with its structure: one Document element, ParentTree and every /StructParents and
    /StructParent renumbered, RoleMap and ClassMap merged, IDs made unique in one IDTree,
    named destinations merged, cross-part links made GoTo actions. Element IDs were made
    unique by each part's layout (:func:`finish` with its ``id_prefix``)."""
    base_root = _part_root(book, base_name)
    base_document, nums = _structure(base_root, base_name)
    if not isinstance(base_document.get("/K"), pikepdf.Array):
        base_document.K = pikepdf.Array([base_document.K])
    ids: dict[str, pikepdf.Dictionary] = {}
    _ids_of(book, base_root, ids, foreign=False)
    destinations = _named_destinations(book)
    maps = {key: dict(base_root.get(key, {}).items()) for key in ("/RoleMap", "/ClassMap")}
    for name, part in parts:
        root = _part_root(part, name)
        offset = max(nums, default=-1) + 1
        first = len(book.pages)
        for page in part.pages:
            book.pages.append(page)
        for page in book.pages[first:]:
            page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        # The whole tree in one copy (its elements, ParentTree, IDTree, maps), its pages
        # mapped to those just appended: copying the ParentTree entry by entry was some
        # 64,000 calls on the corpus. The copied root and Document are left unreferenced
        # (not written).
        root = book.copy_foreign(root)
        document, part_nums = _structure(root, name)
        for key, value in part_nums.items():
            nums[key + offset] = value
        kids = document.K if isinstance(document.K, pikepdf.Array) else [document.K]
        if not all(kid.is_indirect for kid in kids):
            raise PartError(name, "its Document element has direct kids")
        for kid in kids:
            kid.P = base_document
            base_document.K.append(kid)
        _ids_of(book, root, ids, foreign=False)
        for key, value in _named_destinations(part).items():
            destinations.setdefault(key, _copy(book, value))
        for key in maps:
            maps[key].update(root.get(key, {}).items())
    flat: list = []
    for key in sorted(nums):
        flat += [key, nums[key]]
    base_root.ParentTree = book.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(flat)))
    base_root.ParentTreeNextKey = max(nums, default=-1) + 1
    for key, values in maps.items():
        if values:
            base_root[key] = pikepdf.Dictionary(values)
    if ids:
        id_tree = pikepdf.NameTree.new(book)
        for key in sorted(ids):
            id_tree[key] = ids[key]
        base_root.IDTree = id_tree.obj
    dests = pikepdf.NameTree.new(book)
    for key in sorted(destinations):
        dests[key] = destinations[key]
    names = book.Root.get("/Names")
    if not isinstance(names, pikepdf.Dictionary):
        book.Root.Names = names = pikepdf.Dictionary()
    names.Dests = dests.obj
    _cross_part_links(book, destinations)


def _cross_part_links(book: pikepdf.Pdf, destinations: dict[str, object]) -> None:
    for index, page in enumerate(book.pages):
        for annotation in page.obj.get("/Annots", []):
            action = annotation.get("/A")
            if not isinstance(action, pikepdf.Dictionary) or \
                    not str(action.get("/URI", "")).startswith(CROSS_PART):
                continue
            anchor = str(action.URI)[len(CROSS_PART):]
            if anchor not in destinations:
                raise PartError(f"page {index + 1}", f"a link to #{anchor}, which no part has")
            annotation.A = pikepdf.Dictionary(S=pikepdf.Name.GoTo, D=pikepdf.String(anchor))
