"""Structural checks of a tagged PDF against PDF/UA-1, after the Matterhorn Protocol.

veraPDF, the reference checker, is not installable here (a Java application outside
Debian); these checks take the Matterhorn Protocol 1.1's machine-checkable failure
conditions that the digital edition can fail, and a few the issue adds (an edition for
screens carries no blank pages; link descriptions are words, not ids).

Covered (code: Matterhorn checkpoints):

- A11Y011 content neither tagged nor an artifact: text, images or paths outside marked
  content, or marked content whose MCID leads to no element of the tree (01-005;
  running heads and folios that WeasyPrint tags outside the tree fail here); MarkInfo
  ``/Suspects`` true (01-007)
- A11Y012 headings: the first heading is not H1 (14-002), a level is skipped (14-003),
  a heading inside a heading (two H1s for one chapter heading); and sections: two
  top-level Sect (or Div, Part, Art) elements, the second beginning without a heading
  on the page after the first ends, the rest of one section cut at a page break
  (WeasyPrint tags page by page: one Sect per page of a chapter; the tree should read
  as the book, one Sect per chapter). Not in the Protocol, which leaves the grouping to
  a person (01-006, structure types)
- A11Y013 tables and lists: TR outside a table, TH/TD outside TR (09-004), LI outside L,
  Lbl/LBody outside LI (09-005, 09-006); a TH without ``/Scope`` (15-003, held strictly:
  WeasyPrint's Headers/IDs are not enough for the readers the report has tested)
- A11Y014 notes: a Note without ID (19-003) or with an ID used twice (19-004); content
  at the top of the tree in a NonStruct (WeasyPrint's footnote area: a footnote left
  untagged as Note; the report's text is always inside a section). A footnote tagged
  as a plain Span inside a section is not seen: the digital edition's tests look for
  its Note elements themselves. A footnote call (Reference) that holds no Link whose
  annotation goes to a page with a Note, or that goes nowhere (the issue: notes
  "referenced from their call"; PDF/UA-1 is PDF 1.7, which has no ``/Ref`` key, so
  the reference is a Link; the Protocol has no checkpoint for it)
- A11Y015 links: a link annotation outside a Link element (28-011), without
  ``/Contents`` (28-012) or whose ``/Contents`` is its destination's id; Link elements
  nested in Link elements, and more than one annotation for one Link element
- A11Y016 a page with annotations without ``/Tabs /S`` (28-008, 28-009)
- A11Y017 a Figure without a layout BBox inside its page, in points (13-004 asks for
  /Alt, A11Y006 in ``report.checks.built``; the BBox is what reflow and magnifiers use)
- A11Y018 a font without ``/ToUnicode`` (checkpoint 31, fonts: glyphs must map to text;
  the condition's number was not checked against the Protocol's text here; Type3 and
  symbolic cases are not distinguished)
- A11Y019 a blank page (no tagged content, not even the cover's): a screen edition
  carries none

Covered elsewhere (``report.checks.built``): /Lang on the catalogue (11-006), title and
DisplayDocTitle (06-003, 07-001), PDF/UA identifier (06-002), MarkInfo (01-002),
Figure /Alt (13-004), embedded fonts (31-009 and following).

Not covered: anything a person must judge (01-003 reading order, 13-001 whether an
image is decorative, 14-001 whether text is a heading, 11-001..005 language of each
passage and 04 colour), and machine checks this report cannot fail or that need a font
parser: 02 role-map cycles (we write none), 10 character encodings and 31 glyph widths
beyond ToUnicode, 20 optional content, 21 embedded files, 25 XFA, 26 security, 28 other
annotation kinds (widgets, printer marks), 30 XObjects' reference streams.
"""

from __future__ import annotations

from collections.abc import Iterator

import pikepdf

from report.checks.findings import Finding

_TEXT = {"Tj", "TJ", "'", '"'}
_PAINT = {"f", "F", "f*", "S", "s", "B", "B*", "b", "b*", "Do", "sh"}
_HEADING = {f"/H{level}": level for level in range(1, 7)}
_SECTIONS = {"/Sect", "/Div", "/Part", "/Art"}
_PARENTS = {"/TR": {"/Table", "/THead", "/TBody", "/TFoot"}, "/TH": {"/TR"}, "/TD": {"/TR"},
            "/THead": {"/Table"}, "/TBody": {"/Table"}, "/TFoot": {"/Table"},
            "/LI": {"/L"}, "/Lbl": {"/LI", "/Note"}, "/LBody": {"/LI"}}


def pdfua_findings(pdf: pikepdf.Pdf, shown: str) -> list[Finding]:
    """Every structural failure found, one finding per code and kind (with a count and
    the first page), so a broken tree does not flood the report."""
    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None:
        return []  # A11Y001 in report.checks.built says so
    problems: dict[tuple[str, str], list[int]] = {}

    def add(code: str, message: str, page: int | None) -> None:
        problems.setdefault((code, message), []).append(page if page is not None else -1)

    pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
    elements = list(_elements(tree))
    parent_of = {id(child): parent for parent, child in elements if parent is not None}
    roles = _role_map(tree)

    def role(element: pikepdf.Dictionary) -> str:
        kind = str(element.get("/S", ""))
        for _ in range(5):
            if kind not in roles:
                break
            kind = roles[kind]
        return kind

    def page_of(element: pikepdf.Dictionary) -> int | None:
        page = element.get("/Pg")
        return pages.get(page.objgen) if isinstance(page, pikepdf.Dictionary) else None

    reachable = {element.objgen for _, element in elements if element.is_indirect}
    mark_info = pdf.Root.get("/MarkInfo")
    if isinstance(mark_info, pikepdf.Dictionary) and bool(mark_info.get("/Suspects", False)):
        add("A11Y011", "MarkInfo /Suspects is true (01-007)", None)
    drawn = _content_checks(pdf, tree, reachable, add)

    previous_level = 0
    note_ids: dict[str, int] = {}
    note_pages: set[int] = set()
    references: list[pikepdf.Dictionary] = []
    for parent, element in elements:
        kind = role(element)
        parent_kind = role(parent) if parent is not None else ""
        where = page_of(element)
        if kind in _HEADING:
            level = _HEADING[kind]
            if parent_kind in _HEADING:
                add("A11Y012", "heading inside a heading: one heading element per heading",
                    where)
                continue
            if previous_level == 0 and level != 1:
                add("A11Y012", f"the first heading is H{level}, not H1 (14-002)", where)
            elif level > previous_level + 1 and previous_level:
                add("A11Y012", f"heading level skipped: H{previous_level} then H{level} "
                    "(14-003)", where)
            previous_level = level
        if kind in _PARENTS and parent_kind not in _PARENTS[kind]:
            add("A11Y013", f"{kind[1:]} inside {parent_kind[1:] or 'nothing'}, not inside "
                f"{' or '.join(sorted(p[1:] for p in _PARENTS[kind]))} (09-004..09-006)",
                where)
        if kind == "/TH":
            attributes = _attributes(element)
            if not any("/Scope" in a for a in attributes):
                add("A11Y013", "table header cell (TH) without /Scope (15-003)", where)
        if kind == "/Note":
            note_id = str(element.get("/ID", "")).strip()
            if not note_id:
                add("A11Y014", "Note without an ID (19-003)", where)
            elif note_id in note_ids:
                add("A11Y014", f"Note ID {note_id!r} used twice (19-004)", where)
            note_ids[note_id] = 1
            if where is not None:
                note_pages.add(where)
        if kind == "/Reference":
            references.append(element)
        if kind == "/Link":
            _link_checks(element, parent_of, role, where, add)
        if kind == "/Figure":
            _figure_checks(element, where, drawn, add)
        if kind == "/NonStruct" and parent is not None and role(parent) == "/Document":
            add("A11Y014", "content at the top of the tree in a NonStruct, outside any "
                "section or note: a footnote area not tagged as Note?", where)

    _cut_sections(elements, role, page_of, add)
    for reference in references:
        _reference_checks(pdf, reference, role, page_of(reference), pages, note_pages, add)
    linked = _annotations_in_links(elements, role)
    for index, page in enumerate(pdf.pages):
        annotations = [a for a in page.obj.get("/Annots", []) if isinstance(a, pikepdf.Dictionary)]
        if annotations and page.obj.get("/Tabs") != pikepdf.Name.S:
            add("A11Y016", "page with annotations without /Tabs /S (28-008, 28-009)", index)
        for annotation in annotations:
            if annotation.get("/Subtype") != pikepdf.Name.Link:
                continue
            if annotation.objgen not in linked:
                add("A11Y015", "link annotation not inside a Link element (28-011)", index)
            contents = str(annotation.get("/Contents", "")).strip()
            if not contents:
                add("A11Y015", "link annotation without /Contents (28-012)", index)
            elif contents == str(annotation.get("/Dest", "")):
                add("A11Y015", "link /Contents is an internal id, not words "
                    f"({contents!r})", index)
    for name in _fonts_without_tounicode(pdf):
        add("A11Y018", f"font without /ToUnicode: {name} (Matterhorn 31)", None)
    for index in _blank_pages(pdf):
        add("A11Y019", "blank page in a screen edition: it carries no tagged content", index)

    findings = []
    for (code, message), where in problems.items():
        shown_pages = sorted({p + 1 for p in where if p >= 0})
        place = f" (page {shown_pages[0]}" + (f" and {len(shown_pages) - 1} more)"
                                               if len(shown_pages) > 1 else ")") \
            if shown_pages else ""
        count = f"{len(where)} × " if len(where) > 1 else ""
        findings.append(Finding(shown, 1, 1, code, "error", f"{count}{message}{place}",
                                "PDF/UA-1: see report.checks.pdfua"))
    return findings


def _elements(tree: pikepdf.Dictionary) -> Iterator[tuple[pikepdf.Dictionary | None,
                                                        pikepdf.Dictionary]]:
    """(parent, element) for every structure element, in document (reading) order."""
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[pikepdf.Dictionary | None, object]] = [(None, tree.get("/K"))]
    while stack:
        parent, node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend((parent, kid) for kid in reversed(list(node)))
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            if node.is_indirect:
                if node.objgen in seen:
                    continue
                seen.add(node.objgen)
            yield parent, node
            if "/K" in node:
                stack.append((node, node.K))


def _role_map(tree: pikepdf.Dictionary) -> dict[str, str]:
    role_map = tree.get("/RoleMap")
    return ({str(k): str(v) for k, v in role_map.items()}
            if isinstance(role_map, pikepdf.Dictionary) else {})


def _attributes(element: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    found = element.get("/A")
    if isinstance(found, pikepdf.Dictionary):
        return [found]
    if isinstance(found, pikepdf.Array):
        return [a for a in found if isinstance(a, pikepdf.Dictionary)]
    return []


def _kids(element: pikepdf.Dictionary) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _link_checks(element, parent_of, role, where, add) -> None:
    ancestor = parent_of.get(id(element))
    while ancestor is not None:
        if role(ancestor) == "/Link":
            add("A11Y015", "Link element nested inside a Link element", where)
            break
        ancestor = parent_of.get(id(ancestor))
    objrs = [kid for kid in _kids(element)
             if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"]
    if len(objrs) > 1:
        add("A11Y015", "one Link element with several link annotations", where)


def _cut_sections(elements, role, page_of, add) -> None:
    """Two elements of the same kind (Sect, Div, ...) at the top of the document, the
    second beginning without a heading on the page after the first one ends: one
    section that the per-page tagging cut in two (the pages' note areas between them
    are passed over)."""
    top = [element for parent, element in elements
           if parent is not None and role(parent) == "/Document"]
    top = [element for element in top if not _notes_only(element, role)]
    for before, after in zip(top, top[1:], strict=False):
        if role(before) != role(after) or role(after) not in _SECTIONS:
            continue
        first = next((kid for kid in _kids(after) if isinstance(kid, pikepdf.Dictionary)
                      and "/S" in kid), None)
        if first is not None and role(first) in _HEADING:
            continue
        last_page = _last_page(before, page_of)
        begins = page_of(first if first is not None else after)
        if last_page is not None and begins == last_page + 1:
            add("A11Y012", f"a section cut at a page break into top-level {role(after)[1:]} "
                "elements of its own (one per page, not one per chapter)", begins)


def _notes_only(element, role) -> bool:
    kids = [kid for kid in _kids(element) if isinstance(kid, pikepdf.Dictionary)]
    return bool(kids) and all(role(kid) == "/Note" for kid in kids if "/S" in kid)


def _last_page(element, page_of) -> int | None:
    """The page of the last thing in ``element``, down its last kids."""
    found = page_of(element)
    node = element
    for _ in range(64):
        kids = [kid for kid in _kids(node) if isinstance(kid, pikepdf.Dictionary)
                and "/S" in kid]
        if not kids:
            break
        node = kids[-1]
        page = page_of(node)
        if page is not None:
            found = page
    return found


def _reference_checks(pdf, reference, role, where, pages, note_pages, add) -> None:
    """A footnote call: a Reference holding a Link whose annotation goes to its Note."""
    targets = []
    stack = list(_kids(reference))
    while stack:
        kid = stack.pop()
        if not isinstance(kid, pikepdf.Dictionary):
            continue
        if kid.get("/Type") == "/OBJR" and isinstance(kid.get("/Obj"), pikepdf.Dictionary):
            targets.append(_destination_page(pdf, kid.Obj, pages))
        elif "/S" in kid:
            if role(kid) == "/Link":
                stack.extend(_kids(kid))
    if not targets:
        add("A11Y014", "footnote call (Reference) not linked to its Note: no Link with an "
            "annotation inside it", where)
    elif not any(target is not None and target in note_pages for target in targets):
        add("A11Y014", "footnote call's link goes to no page with a Note", where)


def _destination_page(pdf: pikepdf.Pdf, annotation: pikepdf.Dictionary,
                      pages: dict) -> int | None:
    """The page index an internal link annotation goes to (its /Dest or GoTo action,
    explicit or named), or None."""
    destination = annotation.get("/Dest")
    action = annotation.get("/A")
    if destination is None and isinstance(action, pikepdf.Dictionary) \
            and action.get("/S") == pikepdf.Name.GoTo:
        destination = action.get("/D")
    if isinstance(destination, (pikepdf.String, pikepdf.Name)):
        destination = _named_destination(pdf, str(destination))
    if isinstance(destination, pikepdf.Dictionary):
        destination = destination.get("/D")
    if isinstance(destination, pikepdf.Array) and len(destination) \
            and isinstance(destination[0], pikepdf.Dictionary):
        return pages.get(destination[0].objgen)
    return None


def _named_destination(pdf: pikepdf.Pdf, name: str):
    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/Dests" in names:
        found = pikepdf.NameTree(names.Dests).get(name)
        if found is not None:
            return found
    dests = pdf.Root.get("/Dests")
    if isinstance(dests, pikepdf.Dictionary):
        return dests.get("/" + name.lstrip("/"))
    return None


def _annotations_in_links(elements, role) -> set[tuple[int, int]]:
    found = set()
    for _, element in elements:
        if role(element) != "/Link":
            continue
        for kid in _kids(element):
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR" \
                    and isinstance(kid.get("/Obj"), pikepdf.Dictionary):
                found.add(kid.Obj.objgen)
    return found


def _figure_checks(element, where, drawn, add) -> None:
    """The layout BBox must be inside the page and hold what is drawn for the figure."""
    boxes = [a.BBox for a in _attributes(element) if "/BBox" in a]
    page = element.get("/Pg")
    if not boxes or not isinstance(page, pikepdf.Dictionary):
        add("A11Y017", "Figure without a layout /BBox", where)
        return
    media = [float(v) for v in page.MediaBox]
    x1, y1, x2, y2 = (float(v) for v in boxes[0])
    slack = 2.0
    inside = (media[0] - slack <= x1 < x2 <= media[2] + slack
              and media[1] - slack <= y1 < y2 <= media[3] + slack)
    images = [box for mcid in _kids(element) if isinstance(mcid, int)
              for box in drawn.get((where, mcid), [])]
    holds = all(x1 - slack <= a and b <= x2 + slack and y1 - slack <= c and d <= y2 + slack
                for a, c, b, d in images)
    if not inside or not holds:
        add("A11Y017", "Figure /BBox not where its image is drawn, in points (CSS pixels?)",
            where)


def _content_checks(pdf: pikepdf.Pdf, tree, reachable, add) -> dict:
    """01-005: every painting operator is inside marked content, and every MCID it is
    marked with leads to an element of the tree. Returns where each (page, MCID) draws
    its images (x1, y1, x2, y2 in points), for the figures' BBox."""
    parent_tree = _parent_tree(tree)
    drawn: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    for index, page in enumerate(pdf.pages):
        ctm = pikepdf.Matrix()
        saved: list[pikepdf.Matrix] = []
        key = page.obj.get("/StructParents")
        mapping = parent_tree.get(int(key)) if key is not None else None
        stack: list[tuple[str, int | None]] = []
        try:
            operations = pikepdf.parse_content_stream(page)
        except pikepdf.PdfError:
            add("A11Y011", "page content cannot be read", index)
            continue
        for operands, operator in operations:
            name = str(operator)
            if name in ("BDC", "BMC"):
                tag = str(operands[0])
                mcid = None
                if name == "BDC" and isinstance(operands[1], pikepdf.Dictionary) \
                        and "/MCID" in operands[1]:
                    mcid = int(operands[1].MCID)
                stack.append((tag, mcid))
                if mcid is not None and tag != "/Artifact":
                    element = (mapping[mcid] if isinstance(mapping, pikepdf.Array)
                               and mcid < len(mapping) else None)
                    if not isinstance(element, pikepdf.Dictionary) \
                            or element.objgen not in reachable:
                        add("A11Y011", "marked content outside the structure tree: tagged "
                            "neither as content nor as an artifact (01-005)", index)
            elif name == "EMC":
                if stack:
                    stack.pop()
            elif name == "q":
                saved.append(ctm)
            elif name == "Q":
                ctm = saved.pop() if saved else pikepdf.Matrix()
            elif name == "cm":
                ctm = pikepdf.Matrix(*(float(v) for v in operands)) @ ctm
            elif name in _TEXT or name in _PAINT:
                if not stack:
                    add("A11Y011", "content outside marked content: neither tagged nor an "
                        "artifact (01-005)", index)
                mcid = next((m for _, m in reversed(stack) if m is not None), None)
                if name == "Do" and mcid is not None:
                    box = _drawn_box(page, operands[0], ctm)
                    if box is not None:
                        drawn.setdefault((index, mcid), []).append(box)
    return drawn


def _drawn_box(page: pikepdf.Page, name, ctm: pikepdf.Matrix):
    """Where an XObject lands on the page: an image fills the unit square, a form its
    BBox through its Matrix."""
    xobject = page.obj.get("/Resources", {}).get("/XObject", {}).get(str(name))
    if not isinstance(xobject, pikepdf.Stream):
        return None
    if xobject.get("/Subtype") == pikepdf.Name.Image:
        x1, y1, x2, y2, matrix = 0.0, 0.0, 1.0, 1.0, ctm
    else:
        x1, y1, x2, y2 = (float(v) for v in xobject.get("/BBox", [0, 0, 0, 0]))
        form = xobject.get("/Matrix", [1, 0, 0, 1, 0, 0])
        matrix = pikepdf.Matrix(*(float(v) for v in form)) @ ctm
    corners = [matrix.transform((x, y)) for x in (x1, x2) for y in (y1, y2)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _parent_tree(tree) -> dict[int, object]:
    found: dict[int, object] = {}
    stack = [tree.get("/ParentTree")]
    while stack:
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary):
            continue
        nums = node.get("/Nums")
        if isinstance(nums, pikepdf.Array):
            for position in range(0, len(nums) - 1, 2):
                found[int(nums[position])] = nums[position + 1]
        stack.extend(node.get("/Kids", []))
    return found


def _fonts_without_tounicode(pdf: pikepdf.Pdf) -> list[str]:
    names = set()
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != pikepdf.Name.Font:
            continue
        if obj.get("/Subtype") == pikepdf.Name.CIDFontType2 or \
                obj.get("/Subtype") == pikepdf.Name.CIDFontType0:
            continue  # the Type0 parent carries the ToUnicode
        if "/ToUnicode" not in obj:
            names.add(str(obj.get("/BaseFont", "unnamed")).lstrip("/"))
    return sorted(names)


def _blank_pages(pdf: pikepdf.Pdf) -> list[int]:
    blank = []
    for index, page in enumerate(pdf.pages):
        try:
            operations = pikepdf.parse_content_stream(page, "BDC")
        except pikepdf.PdfError:
            continue
        if not any(isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]
                   for operands, _ in operations if len(operands) > 1):
            blank.append(index)
    return blank
