"""An annotated PDF of the pack: the markup every PDF viewer writes.

Acrobat Reader, Preview, Edge and Chrome (PDFium), Foxit and Okular all write standard
PDF annotations (ISO 32000-1, 12.5.6):

- ``Highlight``, ``Underline``, ``Squiggly``: a comment on the text under ``/QuadPoints``;
- ``StrikeOut``: a deletion of that text; with a ``Caret`` grouped to it
  (``/IRT`` + ``/RT /Group``, Acrobat's "replace text"), a replacement;
- ``Caret`` alone: an insertion (its ``/Contents`` is the text to insert);
- ``Text`` (sticky note) and ``FreeText``: a point comment on the numbered paragraph
  where it sits (the nearest margin number at or above it);
- a ``Text`` with ``/IRT``: a reply in that thread, or, with ``/StateModel``, a review
  state (Accepted, Completed… mark the thread resolved) rather than a comment;
- ``/T`` the author, ``/M`` or ``/CreationDate`` the date, ``/NM`` the id.

The text under an annotation comes from PDFium (pypdfium2), the paragraph numbers from
the pack's named destinations ``p-N`` (where each numbered block starts; the number is
printed beside it in the margin); the quote is then found at the round's commit like
any other import.
``Popup``, ``Link`` and form widgets are not comments and are skipped.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from report.review.anchoring import Found
from report.review.importers import Marked, RoundText
from report.review.importers.safety import check_size, refuse
from report.review.model import Target

MARKUP = {"/Highlight", "/Underline", "/Squiggly", "/StrikeOut"}
NOTES = {"/Text", "/FreeText"}
RESOLVING = {"accepted", "rejected", "cancelled", "completed"}
#: A margin number's right edge stands this far (PDF points) left of the text column: 3 mm
#: in the pack (report.editions.digital.PACK_CSS), 5 mm in packs laid out before it.
NUMBER_GAP = (4.0, 20.0)
PACK_DESTINATION = re.compile(r"p-(\d+)")


@dataclass
class _Label:
    """A margin paragraph number where it stands on a page (PDF points, y up)."""

    page: int
    top: float
    number: int


def pdf_date(value: str | None) -> str | None:
    """``D:20211103091500+01'00'`` as ISO 8601 (``2021-11-03T09:15:00+01:00``)."""
    if not value:
        return None
    found = re.match(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?"
                     r"(Z|[+-]\d{2}'?\d{2}'?)?", value.strip())
    if not found:
        return value
    year, month, day, hour, minute, second, zone = found.groups()
    text = f"{year}-{month or '01'}-{day or '01'}T{hour or '00'}:{minute or '00'}:" \
           f"{second or '00'}"
    if zone == "Z":
        return text + "Z"
    if zone:
        digits = zone.replace("'", "")
        offset = f"{digits[:3]}:{digits[3:5]}"
        return text + ("Z" if offset in ("+00:00", "-00:00") else offset)
    return text


def _string(annot, key: str) -> str | None:
    value = annot.get(key)
    if value is None:
        return None
    text = str(value)
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


def _rich_text(annot) -> str | None:
    """``/RC`` (XHTML) as plain text, for viewers that write no ``/Contents``."""
    rich = _string(annot, "/RC")
    if not rich:
        return None
    from lxml import html as lhtml

    try:
        return lhtml.fromstring(rich).text_content().strip() or None
    except Exception:  # malformed rich text: the raw string is better than nothing
        return rich


def _quads(annot) -> list[tuple[float, float, float, float]]:
    """Each quadrilateral of ``/QuadPoints`` as a box (left, bottom, right, top)."""
    points = [float(v) for v in annot.get("/QuadPoints", [])]
    boxes = []
    for i in range(0, len(points) - 7, 8):
        xs, ys = points[i:i + 8:2], points[i + 1:i + 8:2]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    if not boxes and "/Rect" in annot:
        left, bottom, right, top = (float(v) for v in annot.Rect)
        boxes.append((min(left, right), min(bottom, top), max(left, right), max(bottom, top)))
    return boxes


def _destinations(pdf) -> list[_Label]:
    """Where each pack number stands: the pack (the digital edition laid out with the
    render's ids) has a named destination ``p-N`` at the top of every citable block, in
    the margin column or not (a box, a table row, a footnote), on left and right pages."""
    import pikepdf

    try:
        tree = pikepdf.NameTree(pdf.Root.Names.Dests)
    except (AttributeError, KeyError, TypeError, ValueError):
        return []
    pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
    labels = []
    for name, destination in tree.items():
        match = PACK_DESTINATION.fullmatch(str(name))
        if match is None:
            continue
        if isinstance(destination, pikepdf.Dictionary):
            destination = destination.get("/D")
        try:
            page = pages[destination[0].objgen]
            top = float(destination[3])
        except (IndexError, KeyError, TypeError, ValueError, AttributeError):
            continue
        labels.append(_Label(page, top, int(match.group(1))))
    return sorted(labels, key=lambda label: (label.page, -label.top))


def _columns(starts: list[float], near: float = 1.5) -> list[float]:
    """The left edges that several pages' text starts at (within ``near`` points)."""
    groups: list[list[float]] = []
    for start in sorted(starts):
        if groups and start - groups[-1][-1] <= near:
            groups[-1].append(start)
        else:
            groups.append([start])
    return [group[0] for group in groups if len(group) >= 2]


def _labels(document) -> list[_Label]:
    """Every margin number of a pack whose destinations are gone (a viewer that rewrites
    the file may drop them), in reading order.

    A number stands just left of the text column: a word of digits whose right edge is
    within :data:`NUMBER_GAP` of the column's left edge. The column is where a page's
    words start furthest left, or, on a page whose text all sits in boxes or indents,
    the column the other pages with that margin (left or right pages) show.
    """
    pages = []
    for index in range(len(document)):
        text = document[index].get_textpage()
        words = []
        for i in range(text.count_rects()):
            left, bottom, right, top = text.get_rect(i)
            words.append((left, right, top, text.get_text_bounded(left, bottom, right,
                                                                  top).strip()))
        starts = [w[0] for w in words if w[3] and not w[3].isdigit()]
        pages.append((min(starts) if starts else None, words))
    columns = _columns([start for start, _ in pages if start is not None])
    labels: list[_Label] = []
    low, high = NUMBER_GAP
    for index, (start, words) in enumerate(pages):
        if start is None:
            continue
        column = max((c for c in columns if c <= start + 1), default=start)
        for _left, right, top, word in words:
            if word.isdigit() and column - high <= right <= column - low:
                labels.append(_Label(index, top, int(word)))
    return sorted(labels, key=lambda label: (label.page, -label.top))


class _PackPages:
    """Text and paragraph numbers of the reviewer's PDF, by position."""

    def __init__(self, path: Path, display: str, labels: list[_Label] | None = None):
        import pypdfium2

        try:
            self.document = pypdfium2.PdfDocument(str(path))
        except Exception as exc:  # PdfiumError and friends: not a readable PDF
            raise refuse(display, f"not a readable PDF: {exc}") from None
        self.labels = labels or _labels(self.document)
        self._keys = [(label.page, -label.top) for label in self.labels]
        self._text: dict[int, object] = {}

    def close(self) -> None:
        self.document.close()

    def text_in(self, page: int, box: tuple[float, float, float, float]) -> str:
        if page not in self._text:
            self._text[page] = self.document[page].get_textpage()
        left, bottom, right, top = box
        # a quad hugs the glyphs; PDFium wants their centres inside, so pad a little
        return self._text[page].get_text_bounded(left - 1, bottom - 1, right + 1, top + 1)

    def number_at(self, page: int, y: float) -> int | None:
        """The paragraph number on or above height ``y`` (the page before, if none on it).

        ``y`` is the middle of the annotation's first line: a margin number on that
        line (set smaller, so its top is lower than the text's) still counts.
        """
        index = bisect_right(self._keys, (page, -y)) - 1
        return self.labels[index].number if index >= 0 else None


def _quote(pages: _PackPages, page: int, boxes) -> str:
    parts = [" ".join(pages.text_in(page, box).split()) for box in boxes]
    return re.sub(r"(\w)- (\w)", r"\1\2", " ".join(p for p in parts if p)).strip()


def _without_number(quote: str, number: int | None) -> str:
    """A highlight dragged across the margin picks up the number: drop it."""
    if number is not None and quote.startswith(f"{number} "):
        return quote[len(str(number)) + 1:]
    return quote


def _paragraph_target(round_text: RoundText, number: int | None) -> Target:
    paragraph = round_text.paragraph(number) if number else None
    if paragraph is None:
        return round_text.unlocated("")
    _rel, a, b = round_text.region(paragraph)
    return round_text.target(Found(round_text.chapter(paragraph.chapter), a, b, "text", 100.0))


def _point_target(round_text: RoundText, number: int | None) -> Target:
    """A note beside a paragraph: a point comment (no quote) at the paragraph's start."""
    paragraph = round_text.paragraph(number) if number else None
    if paragraph is None:
        return round_text.unlocated("")
    _rel, a, _b = round_text.region(paragraph)
    return round_text.target(Found(round_text.chapter(paragraph.chapter), a, a, "text", 100.0))


def _caret_target(pages: _PackPages, page: int, boxes, number: int | None,
                  round_text: RoundText) -> Target:
    """The point a caret marks: just after the words before it on its line."""
    if boxes and number:
        left, bottom, _right, top = boxes[0]
        middle = (left + _right) / 2
        before = " ".join(pages.text_in(page, (middle - 160, bottom, middle - 1.5, top)).split())
        before = _without_number(before, number)
        paragraph = round_text.paragraph(number)
        if before and paragraph is not None:
            found = round_text.corpus.find(before, region=round_text.region(paragraph))
            if found is not None:
                # the caret stands before the next word: past the space the words end at
                at = found.end + (found.chapter.norm.text[found.end:found.end + 1] == " ")
                return round_text.target(Found(found.chapter, at, at, "text", 100.0))
    return _paragraph_target(round_text, number)


def _ident(annot, page: int, index: int) -> str:
    name = _string(annot, "/NM")
    return f"pdf-{name}" if name else f"pdf-p{page + 1}-a{index + 1}"


def read(path: Path, display: str, round_text: RoundText) -> list[Marked]:
    """Every comment, change, reply and review state in an annotated pack PDF."""
    import pikepdf

    check_size(path, display)
    try:
        pdf = pikepdf.open(path)
    except (pikepdf.PdfError, pikepdf.PasswordError, OSError) as exc:
        raise refuse(display, "not a readable PDF (or password-protected): "
                     + str(exc).rsplit(": ", 1)[-1]) from None
    pages = _PackPages(path, display, _destinations(pdf))
    try:
        return _read(pdf, pages, round_text)
    finally:
        pages.close()
        pdf.close()


def _read(pdf, pages: _PackPages, round_text: RoundText) -> list[Marked]:
    found: list[tuple[object, int, str]] = []  # (annotation, page, id)
    ids: dict[tuple[int, int], str] = {}
    for page_index, page in enumerate(pdf.pages):
        for index, annot in enumerate(page.obj.get("/Annots", [])):
            ident = _ident(annot, page_index, index)
            ids[annot.objgen] = ident
            found.append((annot, page_index, ident))

    items: dict[str, Marked] = {}
    states: dict[str, tuple[str, str]] = {}  # parent id -> (date, state)
    grouped: dict[str, object] = {}  # StrikeOut id -> its grouped Caret
    for annot, page, ident in found:
        subtype = str(annot.get("/Subtype", ""))
        parent = ids.get(annot.IRT.objgen) if "/IRT" in annot else None
        if subtype == "/Caret" and parent and str(annot.get("/RT", "/R")) == "/Group":
            grouped[parent] = annot
            continue
        if subtype == "/Text" and parent and "/StateModel" in annot:
            if str(annot.StateModel) == "/Review" or str(annot.StateModel) == "Review":
                when = _string(annot, "/M") or _string(annot, "/CreationDate") or ""
                state = str(annot.get("/State", "")).lstrip("/").lower()
                if parent not in states or when >= states[parent][0]:
                    states[parent] = (when, state)
            continue
        if subtype not in MARKUP | NOTES | {"/Caret"}:
            continue
        items[ident] = _item(annot, subtype, page, ident, parent, pages, round_text)

    for strike, caret in grouped.items():
        item = items.get(strike)
        if item is not None and item.kind == "deletion":
            item.kind = "replacement"
            item.proposed = _string(caret, "/Contents") or _rich_text(caret) or ""
    for parent, (_when, state) in states.items():
        if parent in items:
            items[parent].resolved = state in RESOLVING
    for item in items.values():
        if item.kind == "reply" and item.parent_native in items:
            item.target = items[item.parent_native].target
    return list(items.values())


def _item(annot, subtype: str, page: int, ident: str, parent: str | None,
          pages: _PackPages, round_text: RoundText) -> Marked:
    body = _string(annot, "/Contents") or _rich_text(annot)
    boxes = _quads(annot)
    first = max(boxes, key=lambda box: box[3]) if boxes else (0.0, 0.0, 0.0, 0.0)
    number = pages.number_at(page, (first[1] + first[3]) / 2)
    paragraph = round_text.paragraph(number) if number else None
    common = dict(native_id=ident, author=_string(annot, "/T"),
                  created=pdf_date(_string(annot, "/M") or _string(annot, "/CreationDate")),
                  parent_native=parent if parent else None)
    if parent is not None:
        return Marked(kind="reply", target=Target(), body=body, **common)
    if subtype in MARKUP:
        quote = _without_number(_quote(pages, page, boxes), number)
        target = round_text.locate(quote, paragraph=paragraph) if quote else \
            _paragraph_target(round_text, number)
        if subtype == "/StrikeOut":
            return Marked(kind="deletion", target=target, body=body, **common)
        return Marked(kind="comment", target=target, body=body, **common)
    if subtype == "/Caret":
        return Marked(kind="insertion", target=_caret_target(pages, page, boxes, number,
                                                             round_text),
                      body=None, proposed=body or "", **common)
    return Marked(kind="comment", target=_point_target(round_text, number), body=body,
                  **common)


def pack_identity(path: Path, display: str) -> tuple[str | None, str | None]:
    """(round, reviewer) the PDF's Subject names, if it is (a copy of) a pack."""
    import pikepdf

    from report.review.pack import read_mark

    try:
        with pikepdf.open(path) as pdf:
            subject = pdf.docinfo.get("/Subject")
            return read_mark(str(subject) if subject is not None else None)
    except (pikepdf.PdfError, pikepdf.PasswordError, OSError) as exc:
        raise refuse(display, "not a readable PDF (or password-protected): "
                     + str(exc).rsplit(": ", 1)[-1]) from None
