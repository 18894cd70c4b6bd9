"""Word files: every comment and every tracked change, mapped back to the manuscript.

Read straight from the OOXML parts (``word/document.xml``, ``comments.xml``,
``commentsExtended.xml`` for replies and resolved state, ``commentsIds.xml``), because
python-docx does not expose tracked changes or replies. The document is read in its
*original* view, the text the reviewer was given: deleted and moved-away text is in,
inserted and moved-in text is out (it becomes a suggested change at a point). Comments
may have a range (possibly across paragraphs, possibly nested) or none (a point).

Each Word paragraph is matched to the manuscript at the round's commit: by the pack's
``p-<n>`` bookmarks when present, else by finding its text in the chapters; a comment's
offsets then map across directly. Where the text differs (a reviewer's own copy), the
quote is searched with its context. Field codes, soft hyphens, non-breaking spaces and
typographic quotes are folded away by :func:`report.review.text.normalise`.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from report.review.anchoring import Found
from report.review.importers import Marked, RoundText
from report.review.importers.safety import open_office_zip, parse_xml, read_member
from report.review.model import Target
from report.review.text import normalise

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
W16CID = "http://schemas.microsoft.com/office/word/2016/wordml/cid"
CONTEXT = 32
PACK_BOOKMARK = re.compile(r"^p-(\d+)$")
PACK_NUMBER = re.compile(r"^\s*\[\d+\]\s*")

_SKIP = {"pPr", "rPr", "sectPr", "tblPr", "trPr", "tcPr", "tblGrid", "proofErr",
         "instrText", "delInstrText", "drawing", "pict", "object", "footnoteReference",
         "endnoteReference", "sdtPr", "sdtEndPr", "rPrChange", "pPrChange", "tblPrChange",
         "lastRenderedPageBreak", "permStart", "permEnd", "annotationRef"}


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _attr(element, name: str, ns: str = W) -> str | None:
    return element.get(f"{{{ns}}}{name}")


@dataclass
class Change:
    """A tracked change in the original view: ``start``/``end`` offsets, ``text`` marked."""

    kind: str                     # ins, del, moveFrom, moveTo, pins, pdel
    native_id: str
    author: str | None
    date: str | None
    start: int
    end: int
    text: str = ""
    move: str | None = None


@dataclass
class WordText:
    """The document's original text, with comment ranges, changes and bookmarks on it."""

    text: str = ""
    paragraphs: list[tuple[int, int]] = field(default_factory=list)
    comment_starts: dict[str, int] = field(default_factory=dict)
    comment_ends: dict[str, int] = field(default_factory=dict)
    comment_refs: dict[str, int] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    bookmarks: dict[str, tuple[int, int]] = field(default_factory=dict)

    def trim(self, start: int, end: int) -> tuple[int, int]:
        """A range without surrounding whitespace (paragraph breaks included)."""
        start, end = max(0, min(start, len(self.text))), max(0, min(end, len(self.text)))
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return start, end

    def context(self, start: int, end: int) -> tuple[str, str]:
        return self.text[max(0, start - CONTEXT):start], self.text[end:end + CONTEXT]

    def paragraph_index(self, offset: int) -> int | None:
        """The paragraph holding ``offset`` (its end included), by bisection."""
        if not hasattr(self, "_starts"):
            self._starts = [a for a, _ in self.paragraphs]
        index = bisect_right(self._starts, offset) - 1
        if index >= 0 and offset <= self.paragraphs[index][1]:
            return index
        return None


def _run_text(element) -> str:
    """The text of a ``w:t``, entity references included.

    The parser never expands entities (a hostile file could declare a billion laughs),
    so an ``&name;`` stays a node of its own that ``.text`` leaves out: a comment of one
    such word would be stored empty. A plain entity the file declares is read as its
    declared text, an HTML one by its usual meaning, and any other kept as written.
    """
    if len(element) == 0:
        return element.text or ""
    from lxml import etree

    parts = [element.text or ""]
    for child in element:
        if isinstance(child, etree._Entity):
            parts.append(_entity_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _entity_text(entity) -> str:
    import html

    name = entity.text  # "&name;"
    dtd = entity.getroottree().docinfo.internalDTD
    for declared in (dtd.iterentities() if dtd is not None else ()):
        content = declared.content or ""
        if f"&{declared.name};" == name and "&" not in content and "<" not in content:
            return content[:10_000]
    return html.unescape(name)


class _Walker:
    """Walks ``w:body`` in document order, building :class:`WordText`."""

    def __init__(self) -> None:
        self.out = WordText()
        self.parts: list[str] = []
        self.length = 0
        self.pending_break = False
        self.changes: list[Change] = []   # open tracked-change elements, innermost last
        self.fields: list[str] = []       # complex field states: "instr" or "result"
        self.bookmark_names: dict[str, str] = {}
        self.bookmark_starts: dict[str, int] = {}
        self.move_names: dict[str, str] = {}
        self.paragraph_start: int | None = None
        self.joining = False

    def position(self) -> int:
        return self.length + (2 if self.pending_break and self.length else 0)

    def emit(self, text: str) -> None:
        if not text or any(state == "instr" for state in self.fields):
            return
        inserted = any(c.kind in ("ins", "moveTo") for c in self.changes)
        deleted = any(c.kind in ("del", "moveFrom") for c in self.changes)
        if inserted and deleted:
            return  # inserted, then deleted again: in neither view
        if self.changes:
            self.changes[-1].text += text
        if inserted:
            return
        if self.pending_break and self.length:
            self.parts.append("\n\n")
            self.length += 2
        self.pending_break = False
        if self.paragraph_start is None:
            self.paragraph_start = self.length
        self.parts.append(text)
        self.length += len(text)

    def walk(self, element) -> None:
        name = _local(element.tag)
        if name in _SKIP or not name:
            return
        handler = getattr(self, f"_on_{name}", None)
        if handler is not None:
            handler(element)
            return
        if element.tag.startswith("{http://schemas.openxmlformats.org/markup-compatibility"):
            return  # mc:AlternateContent: text boxes and shapes, not body text
        for child in element:
            self.walk(child)

    # paragraphs and runs

    def _on_p(self, element) -> None:
        mark = element.find(f"{{{W}}}pPr/{{{W}}}rPr")
        inserted = mark.find(f"{{{W}}}ins") if mark is not None else None
        deleted = mark.find(f"{{{W}}}del") if mark is not None else None
        if not self.joining:
            self.paragraph_start = None
        for child in element:
            self.walk(child)
        if inserted is not None:
            # an inserted paragraph mark: in the original this paragraph runs on
            at = self.position()
            self.out.changes.append(self._change("pins", inserted, at, at, "\n\n"))
            self.joining = True
            return
        self.joining = False
        if self.paragraph_start is not None:
            self.out.paragraphs.append((self.paragraph_start, self.length))
        if deleted is not None:
            at = self.length
            self.out.changes.append(self._change("pdel", deleted, at, at))
        if self.length:
            self.pending_break = True

    def _on_r(self, element) -> None:
        for child in element:
            name = _local(child.tag)
            if name in ("t", "delText"):
                self.emit(_run_text(child))
            elif name == "tab" or name == "ptab":
                self.emit("\t")
            elif name in ("br", "cr"):
                self.emit("\n")
            elif name == "noBreakHyphen":
                self.emit("-")
            elif name == "fldChar":
                kind = _attr(child, "fldCharType")
                if kind == "begin":
                    self.fields.append("instr")
                elif kind == "separate" and self.fields:
                    self.fields[-1] = "result"
                elif kind == "end" and self.fields:
                    self.fields.pop()
            elif name == "commentReference":
                self.out.comment_refs[_attr(child, "id") or ""] = self.position()

    # tracked changes

    def _change(self, kind: str, element, start: int, end: int, text: str = "") -> Change:
        return Change(kind=kind, native_id=_attr(element, "id") or "",
                      author=_attr(element, "author"), date=_attr(element, "date"),
                      start=start, end=end, text=text)

    def _tracked(self, kind: str, element) -> None:
        change = self._change(kind, element, self.position(), self.position())
        if kind in ("moveFrom", "moveTo"):
            change.move = next(iter(self.move_names.values()), None) if self.move_names else None
        self.changes.append(change)
        for child in element:
            self.walk(child)
        self.changes.pop()
        change.end = self.length if kind in ("del", "moveFrom") else change.start
        if kind in ("del", "moveFrom") and change.end < change.start:
            change.end = change.start
        if change.text:
            self.out.changes.append(change)

    def _on_ins(self, element) -> None:
        self._tracked("ins", element)

    def _on_del(self, element) -> None:
        self._tracked("del", element)

    def _on_moveFrom(self, element) -> None:  # noqa: N802 - OOXML element name
        self._tracked("moveFrom", element)

    def _on_moveTo(self, element) -> None:  # noqa: N802
        self._tracked("moveTo", element)

    def _on_moveFromRangeStart(self, element) -> None:  # noqa: N802
        self.move_names[_attr(element, "id") or ""] = _attr(element, "name") or ""

    _on_moveToRangeStart = _on_moveFromRangeStart

    def _on_moveFromRangeEnd(self, element) -> None:  # noqa: N802
        self.move_names.pop(_attr(element, "id") or "", None)

    _on_moveToRangeEnd = _on_moveFromRangeEnd

    # comments and bookmarks

    def _on_commentRangeStart(self, element) -> None:  # noqa: N802
        self.out.comment_starts[_attr(element, "id") or ""] = self.position()

    def _on_commentRangeEnd(self, element) -> None:  # noqa: N802
        self.out.comment_ends[_attr(element, "id") or ""] = self.length

    def _on_commentReference(self, element) -> None:  # noqa: N802
        self.out.comment_refs[_attr(element, "id") or ""] = self.position()

    def _on_bookmarkStart(self, element) -> None:  # noqa: N802
        ident = _attr(element, "id") or ""
        self.bookmark_names[ident] = _attr(element, "name") or ""
        self.bookmark_starts[ident] = self.position()

    def _on_bookmarkEnd(self, element) -> None:  # noqa: N802
        ident = _attr(element, "id") or ""
        if ident in self.bookmark_starts:
            self.out.bookmarks[self.bookmark_names[ident]] = (self.bookmark_starts[ident],
                                                              self.length)

    def _on_sdt(self, element) -> None:
        content = element.find(f"{{{W}}}sdtContent")
        if content is not None:
            for child in content:
                self.walk(child)

    def finish(self) -> WordText:
        self.out.text = "".join(self.parts)
        size = len(self.out.text)

        def clamp(value: int) -> int:
            return min(value, size)

        for table in (self.out.comment_starts, self.out.comment_ends, self.out.comment_refs):
            for key, value in table.items():
                table[key] = clamp(value)
        self.out.bookmarks = {k: (clamp(a), clamp(b)) for k, (a, b) in self.out.bookmarks.items()}
        for change in self.out.changes:
            change.start, change.end = clamp(change.start), clamp(change.end)
        return self.out


def read_word_text(document_root) -> WordText:
    """The original text of a parsed ``word/document.xml`` and what is marked on it."""
    walker = _Walker()
    body = document_root.find(f"{{{W}}}body")
    if body is not None:
        for child in body:
            walker.walk(child)
    return walker.finish()


# --- comments.xml ----------------------------------------------------------------------

@dataclass
class WordComment:
    native_id: str
    author: str | None
    initials: str | None
    date: str | None
    body: str
    para_ids: list[str]


def _block_text(element) -> str:
    """Plain text of a comment's paragraph or table (tables as ``a | b`` rows)."""
    walker = _Walker()
    walker.walk(element)
    return walker.finish().text


def read_comments(root) -> list[WordComment]:
    comments = []
    for element in root.iter(f"{{{W}}}comment"):
        blocks: list[str] = []
        para_ids: list[str] = []
        for child in element:
            name = _local(child.tag)
            if name == "p":
                blocks.append(_block_text(child).strip())
                para_id = child.get(f"{{{W14}}}paraId")
                if para_id:
                    para_ids.append(para_id)
            elif name == "tbl":
                rows = []
                for row in child.iter(f"{{{W}}}tr"):
                    cells = [_block_text(cell).strip() for cell in row.iter(f"{{{W}}}tc")]
                    rows.append(" | ".join(cells))
                    para_ids.extend(p.get(f"{{{W14}}}paraId") or "" for p in
                                    row.iter(f"{{{W}}}p"))
                blocks.append("\n".join(rows))
        body = "\n\n".join(block for block in blocks if block)
        comments.append(WordComment(
            native_id=_attr(element, "id") or "", author=_attr(element, "author"),
            initials=_attr(element, "initials"), date=_attr(element, "date"), body=body,
            para_ids=para_ids))
    return comments


def read_extended(root) -> dict[str, tuple[bool, str | None]]:
    """paraId -> (done, parent paraId) from ``commentsExtended.xml``."""
    out = {}
    if root is None:
        return out
    for element in root.iter(f"{{{W15}}}commentEx"):
        para_id = element.get(f"{{{W15}}}paraId")
        if para_id:
            out[para_id] = (element.get(f"{{{W15}}}done") == "1",
                            element.get(f"{{{W15}}}paraIdParent"))
    return out


# --- mapping onto the manuscript ----------------------------------------------------------

@dataclass
class _Region:
    """Where a Word paragraph is in the manuscript at the round's commit."""

    base: int              # Word offset the region's text starts at
    rel: str
    norm_start: int
    norm_end: int
    exact: bool            # Word text equals the manuscript text (after folding)
    paragraph: int | None  # pack paragraph number, when known


class _Mapper:
    """Maps Word offsets to the manuscript: paragraph by paragraph, then quote by quote."""

    def __init__(self, word: WordText, round_text: RoundText):
        self.word = word
        self.round = round_text
        marks = []
        for name, (a, b) in word.bookmarks.items():
            match = PACK_BOOKMARK.match(name)
            if match:
                marks.append((a, b, int(match.group(1))))
        self.marks = sorted(marks)
        self.mark_starts = [m[0] for m in self.marks]
        self.blocks = self._block_texts()
        self.regions: list[_Region | None] = []
        for index in range(len(word.paragraphs)):
            self.regions.append(self._region(index))

    def _block_texts(self) -> dict[str, list[tuple[str, int]]]:
        """Folded text of every block at the round -> where it is (most Word paragraphs
        are exactly one block, so this finds them without searching)."""
        found: dict[str, list[tuple[str, int]]] = {}
        for chapter in self.round.corpus.chapters:
            for block in chapter.reading.blocks:
                start = chapter.norm.from_original(block.start)
                end = chapter.norm.from_original(block.end)
                text = chapter.norm.text[start:end].strip()
                if text:
                    found.setdefault(text, []).append((chapter.rel, start))
        return found

    def _marks_over(self, start: int, end: int) -> list[tuple[int, int, int]]:
        index = max(0, bisect_right(self.mark_starts, start) - 1)
        out = []
        while index < len(self.marks) and self.marks[index][0] < end:
            if self.marks[index][1] > start:
                out.append(self.marks[index])
            index += 1
        return out

    def _region(self, index: int) -> _Region | None:
        start, end = self.word.trim(*self.word.paragraphs[index])
        for a, b, number in self._marks_over(start, end):
            paragraph = self.round.paragraph(number)
            if paragraph is None:
                continue
            a, b = self.word.trim(max(a, start), min(b, end))
            rel, n0, n1 = self.round.region(paragraph)
            chapter = self.round.chapter(rel)
            same = chapter is not None and normalise(self.word.text[a:b]).text.strip() \
                == chapter.norm.text[n0:n1].strip()
            return _Region(a, rel, n0, n1, same, paragraph.number)
        text = normalise(PACK_NUMBER.sub("", self.word.text[start:end])).text.strip()
        if not text:
            return None
        skipped = len(self.word.text[start:end]) - len(PACK_NUMBER.sub("",
                                                                    self.word.text[start:end]))
        hits = [(self.round.corpus.by_rel[rel], at) for rel, at in self.blocks.get(text, [])]
        if not hits:
            for chapter in self.round.corpus.chapters:
                at = chapter.norm.text.find(text)
                while at >= 0 and len(hits) < 3:
                    hits.append((chapter, at))
                    at = chapter.norm.text.find(text, at + 1)
        if not hits:
            return None
        previous = next((r for r in reversed(self.regions) if r is not None), None)
        chosen = hits[0]
        if len(hits) > 1:
            if previous is None:
                return None
            after = [h for h in hits if h[0].rel == previous.rel and h[1] >= previous.norm_end]
            if not after:
                return None
            chosen = after[0]
        chapter, at = chosen
        paragraph = self.round.paragraph_at(chapter.rel, chapter.source_span(at, at)[0])
        return _Region(start + skipped, chapter.rel, at, at + len(text), True,
                       paragraph.number if paragraph else None)

    def _region_of(self, offset: int) -> _Region | None:
        index = self.word.paragraph_index(offset)
        return self.regions[index] if index is not None else None

    def _direct(self, region: _Region, offset: int) -> int:
        """Normalised chapter offset of a Word offset inside an exactly matching region."""
        local = normalise(self.word.text[region.base:max(offset, region.base)]).text
        return region.norm_start + len(local.lstrip())

    def locate(self, start: int, end: int) -> Target:
        start, end = self.word.trim(start, end) if end > start else (start, end)
        first = self._region_of(start)
        if first is not None and start < first.base:
            start = min(first.base, end) if end > start else first.base  # not the "[12] "
        marked = self.word.text[start:end]
        prefix, suffix = self.word.context(start, end)
        last = self._region_of(max(start, end - 1)) if end > start else first
        if first is None and end == start:
            # a point between paragraphs: take the paragraph that follows or precedes it
            first = last = self._region_of(start + 2) or self._region_of(max(0, start - 1))
        if first is not None and last is not None and first.exact and last.exact \
                and first.rel == last.rel:
            chapter = self.round.chapter(first.rel)
            a = self._direct(first, start)
            b = self._direct(last, end) if end > start else a
            if chapter is not None and b >= a:
                return self.round.target(Found(chapter, a, b, "text", 100.0), marked)
        paragraph = self.round.paragraph(first.paragraph) if first and first.paragraph else None
        if first is not None and last is not None and first.rel == last.rel:
            region = (first.rel, first.norm_start, last.norm_end)
            found = self.round.corpus.find(marked, prefix, suffix, region=region)
            if found is not None:
                return self.round.target(found, marked)
        rel = first.rel if first is not None else None
        return self.round.locate(marked, prefix, suffix, rel=rel, paragraph=paragraph)


# --- the reader -----------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _merge(changes: list[Change], text: str) -> list[Change]:
    """Join the pieces Word splits one edit into (runs, paragraphs) into one change each."""
    merged: list[Change] = []
    for change in sorted(changes, key=lambda c: (c.start, c.end)):
        previous = merged[-1] if merged else None
        if previous is not None and previous.author == change.author and \
                text[previous.end:change.start].strip() == "":
            inserting = {previous.kind, change.kind} <= {"ins", "pins"}
            deleting = {previous.kind, change.kind} <= {"del", "pdel"}
            if (inserting and previous.start <= change.start) or (deleting and change.start
                                                                   >= previous.start):
                if inserting:
                    previous.text += change.text
                    previous.kind = "ins" if "ins" in (previous.kind, change.kind) else "pins"
                else:
                    previous.end = max(previous.end, change.end)
                    previous.kind = "del" if "del" in (previous.kind, change.kind) else "pdel"
                continue
            if previous.kind == change.kind == "moveTo" or previous.kind == change.kind == \
                    "moveFrom":
                if previous.kind == "moveTo":
                    previous.text += "\n\n" + change.text
                else:
                    previous.end = change.end
                continue
        merged.append(change)
    return merged


def read(path: Path, display: str, round_text: RoundText) -> list[Marked]:
    """Every comment, reply and tracked change in a Word file."""
    archive = open_office_zip(path, display, "Word", "word/document.xml")
    with archive:
        document = parse_xml(read_member(archive, "word/document.xml", display) or b"",
                             "word/document.xml", display)
        if _local(document.tag) != "document":
            from report.review.importers.safety import refuse

            raise refuse(display, "not a Word file: word/document.xml is not a document")
        parts = {}
        for name in ("comments", "commentsExtended", "commentsIds"):
            data = read_member(archive, f"word/{name}.xml", display)
            parts[name] = parse_xml(data, f"word/{name}.xml", display) if data else None
    word = read_word_text(document)
    mapper = _Mapper(word, round_text)
    items: list[Marked] = []

    comments = read_comments(parts["comments"]) if parts["comments"] is not None else []
    extended = read_extended(parts["commentsExtended"])
    by_para: dict[str, str] = {}
    for comment in comments:
        for para_id in comment.para_ids:
            by_para[para_id] = comment.native_id
    targets: dict[str, Target] = {}
    for comment in comments:
        done, parent_para = False, None
        for para_id in reversed(comment.para_ids):
            if para_id in extended:
                done, parent_para = extended[para_id]
                break
        parent = by_para.get(parent_para) if parent_para else None
        ident = comment.native_id
        if ident in word.comment_starts:
            start = word.comment_starts[ident]
            end = word.comment_ends.get(ident, word.comment_refs.get(ident, start))
        elif ident in word.comment_refs:
            start = end = word.comment_refs[ident]
        else:
            start = end = None
        items.append(Marked(
            native_id=f"comment-{ident}",
            kind="reply" if parent is not None else "comment",
            target=Target() if start is None else mapper.locate(start, max(start, end)),
            body=comment.body, author=comment.author, initials=comment.initials,
            created=comment.date, resolved=done,
            parent_native=f"comment-{parent}" if parent is not None else None,
        ))
        targets[items[-1].native_id] = items[-1].target
    for item in items:
        if item.kind == "reply" and item.target.source is None and not item.target.exact:
            item.target = targets.get(item.parent_native or "", item.target)

    for change in _pair(_merge(word.changes, word.text)):
        items.append(_change_item(change, mapper))
    return items


@dataclass
class _Replacement:
    deleted: Change
    inserted: Change


def _pair(changes: list[Change]) -> list[Change | _Replacement]:
    """A deletion next to an insertion by the same author is one replacement."""
    out: list[Change | _Replacement] = []
    index = 0
    while index < len(changes):
        change = changes[index]
        following = changes[index + 1] if index + 1 < len(changes) else None
        if following is not None and change.author == following.author and (
                {change.kind, following.kind} == {"del", "ins"}):
            deleted = change if change.kind == "del" else following
            inserted = following if deleted is change else change
            if inserted.start in (deleted.start, deleted.end):
                out.append(_Replacement(deleted, inserted))
                index += 2
                continue
        out.append(change)
        index += 1
    return out


def _change_item(change: Change | _Replacement, mapper: _Mapper) -> Marked:
    if isinstance(change, _Replacement):
        deleted, inserted = change.deleted, change.inserted
        return Marked(native_id=f"change-{deleted.native_id}+{inserted.native_id}",
                      kind="replacement", target=mapper.locate(deleted.start, deleted.end),
                      proposed=inserted.text, author=deleted.author,
                      created=deleted.date or inserted.date)
    body = None
    proposed = None
    if change.kind in ("ins", "moveTo", "pins"):
        kind = "insertion"
        target = mapper.locate(change.start, change.start)
        proposed = change.text if change.text.strip() else "\n"  # spaces are the edit
        if change.kind == "pins" or not change.text.strip():
            body = "Insert a paragraph break here."
        elif change.kind == "moveTo":
            body = "Moved here (tracked move)."
    else:
        kind = "deletion"
        target = mapper.locate(change.start, change.end)
        if change.kind == "pdel" or not mapper.word.text[change.start:change.end].strip():
            body = "Join this paragraph with the next (paragraph break deleted)."
        elif change.kind == "moveFrom":
            body = "Moved from here (tracked move)."
    return Marked(native_id=f"change-{change.native_id}", kind=kind, target=target,
                  body=body, proposed=proposed, author=change.author, created=change.date,
                  move=change.move)


def pack_identity(path: Path, display: str) -> tuple[str | None, str | None]:
    """(round, reviewer) the Word file's properties name, if it is (a copy of) a pack.

    Read from Word's "Comments" property, which the pack writes and Word and LibreOffice
    keep when a reviewer saves.
    """
    from report.review.importers.safety import core_description
    from report.review.pack import read_mark

    return read_mark(core_description(path, display, "Word", "word/document.xml"))
