"""The text a reader sees, with a map back to the Markdown it came from.

Reviewers quote what they read (in the PDF, in Word, on the web draft), never the
Markdown: no ``*``, no ``{#sec-id}``, no ``[^n1]``. To find their quotes again, and to
report a line in the chapter file, every character of the projected text remembers the
offset of the source character it came from. The projection is deliberately simple (a
small block and inline scanner, not pandoc): it must be fast enough to run on every
chapter at every ``report review status``, and it only has to agree with what a reader
sees closely enough for quote matching, which :func:`report.review.text.normalise` makes
tolerant of typography (curly quotes, dashes, non-breaking spaces, soft hyphens).

What is left of it: the character-level map for anchoring quotes. Pack numbers, and what
each numbered block says, are the render's (``citable.lua``,
:mod:`report.review.paragraphs`), which places each block in this projection; replacing
this map by the render's own (each block's reader text aligned with its source) is the
step that retires this module.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(\n|\Z)", re.S)
_ATX = re.compile(r"^(#{1,6})[ \t]+(.*?)$")
_HEADING_TAIL = re.compile(r"(?:[ \t]+#+)?[ \t]*(\{[^{}]*\})?[ \t]*$")
_FENCE_DIV = re.compile(r"^[ \t]*:{3,}(.*)$")
_CODE_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_HR = re.compile(r"^[ \t]*([-*_])([ \t]*\1){2,}[ \t]*$")
_SETEXT = re.compile(r"^[ \t]*(=+|-+)[ \t]*$")
_TABLE_SEP = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_CAPTION = re.compile(r"^[ \t]*(?::|Table:)[ \t]+")
_FOOTNOTE_DEF = re.compile(r"^\[\^[^\]\s]+\]:[ \t]*")
_LIST_ITEM = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)]|#[.)])[ \t]+(\[[ xX]\][ \t]+)?")
_QUOTE_MARK = re.compile(r"^[ \t]{0,3}>[ \t]?")
_FIGURE = re.compile(r"^!\[.*\]\(.*\)(\{.*\})?$", re.S)
_ATTRS_ID = re.compile(r"#([\w:.-]+)")
_ATTRS_CLASS = re.compile(r"(?:^|\s)\.([\w-]+)")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+|[^<>\s@]+@[^<>\s@]+)>")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_CITATION = re.compile(r"(?:^|[\s;\[(-])-?@[\w]")
_INLINE_SPECIAL = re.compile(r"[\\`<!\[@*_~.&\n-]")
_PUNCT = set("\\`*_{}[]()#+-.!|:;<>\"'~^@$%&=/,?")

#: Block kinds that are numbered paragraphs in the reviewer pack (headings are not).
BODY_KINDS = ("paragraph", "item", "quote", "row", "caption", "footnote", "figure", "code")


@dataclass(frozen=True)
class Block:
    """One block of the chapter as the reader sees it.

    ``start``/``end`` are offsets in the projected text; ``source_start``/``source_end``
    span the block's content in the Markdown, markers excluded (``- ``, ``> ``, ``# ``),
    so that a tool can wrap exactly the paragraph's text.
    """

    kind: str
    start: int
    end: int
    source_start: int
    source_end: int
    level: int = 0
    ident: str | None = None
    div: str | None = None


@dataclass
class Projection:
    """Projected ``text`` of ``source`` with ``offsets[i]`` = source offset of ``text[i]``."""

    source: str
    text: str
    offsets: list[int]
    ends: list[int]
    blocks: list[Block]
    line_starts: list[int] = field(default_factory=list)

    def to_source(self, offset: int) -> int:
        """Source offset where projected character ``offset`` comes from."""
        if offset >= len(self.text):
            return self.ends[-1] if self.ends else len(self.source)
        return self.offsets[max(offset, 0)]

    def to_source_end(self, offset: int) -> int:
        """Source offset just after the projected range ending (exclusively) at ``offset``."""
        if offset <= 0:
            return self.to_source(0)
        return self.ends[min(offset, len(self.text)) - 1]

    def from_source(self, source_offset: int) -> int:
        """First projected offset whose source is at or after ``source_offset``."""
        return bisect_left(self.offsets, source_offset)

    def line_of(self, source_offset: int) -> int:
        """1-based line of a source offset."""
        return bisect_right(self.line_starts, source_offset)

    def block_at(self, offset: int) -> Block | None:
        """The block holding (or, between blocks, following) projected ``offset``."""
        starts = [b.start for b in self.blocks]
        index = bisect_right(starts, offset) - 1
        if index < 0:
            return self.blocks[0] if self.blocks else None
        block = self.blocks[index]
        if offset >= block.end and index + 1 < len(self.blocks):
            return self.blocks[index + 1]
        return block


class _Out:
    """Projected characters and the source span each came from."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, ch: str, start: int, end: int | None = None) -> None:
        self.chars.append(ch)
        self.starts.append(start)
        self.ends.append(start + 1 if end is None else end)


class _Pending:
    """Content of a block being collected: characters and their source offsets."""

    def __init__(self, kind: str, div: str | None) -> None:
        self.kind = kind
        self.div = div
        self.chars: list[str] = []
        self.offsets: list[int] = []
        self.lines = 0
        self.level = 0
        self.ident: str | None = None
        self.source_end = 0

    def add(self, text: str, start: int) -> None:
        if self.chars:
            self.chars.append("\n")
            self.offsets.append(self.offsets[-1] + 1 if self.offsets else start)
        self.chars.extend(text)
        self.offsets.extend(range(start, start + len(text)))
        self.lines += 1
        self.source_end = start + len(text.rstrip())


def _match_bracket(s: str, i: int, hi: int, open_: str = "[", close: str = "]") -> int | None:
    """Index of the bracket closing ``s[i]``, honouring nesting and escapes."""
    depth = 0
    j = i
    while j < hi:
        c = s[j]
        if c == "\\":
            j += 2
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return None


def _skip_attrs(s: str, i: int, hi: int) -> int:
    if i < hi and s[i] == "{":
        close = s.find("}", i, hi)
        if close >= 0:
            return close + 1
    return i


def _inline(s: str, m: list[int], lo: int, hi: int, out: _Out) -> None:
    """Project inline Markdown ``s[lo:hi]`` (offsets ``m``) into ``out``."""
    i = lo
    while i < hi:
        plain = _INLINE_SPECIAL.search(s, i, hi)
        j = plain.start() if plain else hi
        if j > i:  # ordinary text: copied in bulk
            out.chars.extend(s[i:j])
            out.starts.extend(m[i:j])
            out.ends.extend([offset + 1 for offset in m[i:j]])
            i = j
            continue
        c = s[i]
        if c == "\\" and i + 1 < hi:
            nxt = s[i + 1]
            if nxt == "\n":
                out.add(" ", m[i], m[i + 1] + 1)
                i += 2
                continue
            if nxt in _PUNCT:
                out.add(nxt, m[i], m[i + 1] + 1)
                i += 2
                continue
        elif c == "`":
            run = 1
            while i + run < hi and s[i + run] == "`":
                run += 1
            close = s.find("`" * run, i + run, hi)
            if close >= 0:
                a, b = i + run, close
                if b - a >= 2 and s[a] == " " and s[b - 1] == " ":
                    a, b = a + 1, b - 1
                for k in range(a, b):
                    out.add(" " if s[k] == "\n" else s[k], m[k])
                i = _skip_attrs(s, close + run, hi)
                continue
        elif c == "<":
            if s.startswith("<!--", i):
                end = s.find("-->", i + 4, hi)
                if end >= 0:
                    i = end + 3
                    continue
            match = _AUTOLINK.match(s, i, hi)
            if match:
                for k in range(match.start(1), match.end(1)):
                    out.add(s[k], m[k])
                i = match.end()
                continue
            match = _TAG.match(s, i, hi)
            if match:
                i = match.end()
                continue
        elif c == "!" and s.startswith("![", i):
            close = _match_bracket(s, i + 1, hi)
            if close is not None and close + 1 < hi and s[close + 1] == "(":
                paren = _match_bracket(s, close + 1, hi, "(", ")")
                if paren is not None:
                    _inline(s, m, i + 2, close, out)
                    i = _skip_attrs(s, paren + 1, hi)
                    continue
        elif c == "[":
            if s.startswith("[^", i):
                close = s.find("]", i, hi)
                if close >= 0:
                    i = close + 1
                    continue
            close = _match_bracket(s, i, hi)
            if close is not None:
                after = close + 1
                nxt = s[after] if after < hi else ""
                if nxt == "(":
                    paren = _match_bracket(s, after, hi, "(", ")")
                    if paren is not None:
                        _inline(s, m, i + 1, close, out)
                        i = _skip_attrs(s, paren + 1, hi)
                        continue
                if nxt == "{":
                    end = s.find("}", after, hi)
                    if end >= 0:
                        _inline(s, m, i + 1, close, out)
                        i = end + 1
                        continue
                if _CITATION.search(s, i + 1, close):
                    out.add("[", m[i])
                    _inline(s, m, i + 1, close, out)
                    out.add("]", m[close])
                    i = close + 1
                    continue
                if nxt == "[":
                    end = s.find("]", after, hi)
                    if end >= 0:
                        _inline(s, m, i + 1, close, out)
                        i = end + 1
                        continue
        elif c == "@":
            prev = s[i - 1] if i > lo else " "
            nxt = s[i + 1] if i + 1 < hi else ""
            if not prev.isalnum() and (nxt.isalnum() or nxt == "_"):
                i += 1
                continue
        elif c in "*_":
            run = 1
            while i + run < hi and s[i + run] == c:
                run += 1
            prev = s[i - 1] if i > lo else " "
            nxt = s[i + run] if i + run < hi else " "
            literal = (prev.isspace() and nxt.isspace()) or (
                c == "_" and prev.isalnum() and nxt.isalnum())
            if not literal:
                i += run
                continue
            for k in range(i, i + run):
                out.add(c, m[k])
            i += run
            continue
        elif c == "~" and s.startswith("~~", i):
            i += 2
            continue
        elif c == "-" and s.startswith("---", i):
            out.add("\u2014", m[i], m[i + 2] + 1)
            i += 3
            continue
        elif c == "-" and s.startswith("--", i):
            out.add("\u2013", m[i], m[i + 1] + 1)
            i += 2
            continue
        elif c == "." and s.startswith("...", i):
            out.add("\u2026", m[i], m[i + 2] + 1)
            i += 3
            continue
        elif c == "&":
            match = _ENTITY.match(s, i, hi)
            if match:
                decoded = html.unescape(match.group())
                for ch in decoded:
                    out.add(ch, m[i], m[match.end() - 1] + 1)
                i = match.end()
                continue
        elif c == "\n":
            out.add(" ", m[i])
            i += 1
            continue
        out.add(c, m[i])
        i += 1


def _div_class(rest: str) -> str:
    rest = rest.strip().rstrip(":").strip()
    if rest.startswith("{"):
        found = _ATTRS_CLASS.search(rest.strip("{}"))
        if found:
            return found.group(1)
        ident = _ATTRS_ID.search(rest)
        return ident.group(1) if ident else "div"
    return rest.split()[0] if rest else "div"


def project(markdown: str) -> Projection:
    """Project a chapter file (front matter included) to the text its reader sees."""
    out = _Out()
    blocks: list[Block] = []
    line_starts = [0]
    for found in re.finditer("\n", markdown):
        line_starts.append(found.end())

    front = _FRONT_MATTER.match(markdown)
    first_line = line_starts.index(front.end()) if front and front.end() in line_starts else (
        len(line_starts) if front else 0)

    divs: list[str] = []
    pending: _Pending | None = None
    code_fence: str | None = None
    in_comment = False
    in_table = False

    def flush() -> None:
        nonlocal pending
        block, pending = pending, None
        if block is None or not block.chars:
            return
        text = "".join(block.chars)
        kind = block.kind
        if kind == "paragraph" and _FIGURE.match(text.strip()):
            kind = "figure"
        local = _Out()
        if kind == "code":
            for ch, off in zip(text, block.offsets, strict=True):
                local.add(ch, off)
        else:
            _inline(text, block.offsets, 0, len(text), local)
        a, b = 0, len(local.chars)
        while a < b and local.chars[a].isspace():
            a += 1
        while b > a and local.chars[b - 1].isspace():
            b -= 1
        if a == b:
            return
        if out.chars:
            sep = out.ends[-1]
            out.add("\n", sep, sep)
            out.add("\n", sep, sep)
        start = len(out.chars)
        out.chars.extend(local.chars[a:b])
        out.starts.extend(local.starts[a:b])
        out.ends.extend(local.ends[a:b])
        lead = len(text) - len(text.lstrip())
        blocks.append(Block(kind=kind, start=start, end=len(out.chars),
                            source_start=block.offsets[lead], source_end=block.source_end,
                            level=block.level, ident=block.ident, div=block.div))

    def begin(kind: str) -> _Pending:
        nonlocal pending
        flush()
        pending = _Pending(kind, divs[-1] if divs else None)
        return pending

    nlines = len(line_starts)
    for index in range(first_line, nlines):
        offset = line_starts[index]
        end = line_starts[index + 1] - 1 if index + 1 < nlines else len(markdown)
        line = markdown[offset:end].rstrip("\r")
        stripped = line.strip()

        if code_fence is not None:
            if stripped.startswith(code_fence):
                flush()
                code_fence = None
            elif pending is not None:
                pending.add(line, offset)
            continue
        if in_comment:
            if "-->" in line:
                in_comment = False
            continue
        if not stripped:
            flush()
            in_table = False
            continue
        if stripped.startswith("<!--"):
            if "-->" not in stripped:
                flush()
                in_comment = True
                continue
            if stripped.endswith("-->") and stripped.count("<!--") == 1:
                continue
        fence = _FENCE_DIV.match(line)
        if fence:
            flush()
            rest = fence.group(1).strip().strip(":").strip()
            if rest:
                divs.append(_div_class(rest))
            elif divs:
                divs.pop()
            continue
        code = _CODE_FENCE.match(line)
        if code:
            begin("code")
            code_fence = code.group(1)[0] * len(code.group(1))
            continue
        atx = _ATX.match(line)
        if atx:
            heading = begin("heading")
            content = atx.group(2)
            tail = _HEADING_TAIL.search(content)
            attrs = tail.group(1) if tail else None
            content = content[: tail.start()] if tail else content
            heading.level = len(atx.group(1))
            if attrs:
                ident = _ATTRS_ID.search(attrs)
                heading.ident = ident.group(1) if ident else None
            heading.add(content, offset + atx.start(2))
            flush()
            continue
        if (pending is not None and pending.kind == "paragraph" and pending.lines == 1
                and _SETEXT.match(line) and not in_table):
            pending.kind = "heading"
            pending.level = 1 if stripped.startswith("=") else 2
            flush()
            continue
        if _HR.match(line):
            flush()
            continue
        next_line = ""
        if index + 1 < nlines:
            nxt_end = line_starts[index + 2] - 1 if index + 2 < nlines else len(markdown)
            next_line = markdown[line_starts[index + 1]:nxt_end]
        if _TABLE_SEP.match(line) and "-" in line and (in_table or "|" in line):
            in_table = True
            flush()
            continue
        caption = _CAPTION.match(line)
        if caption and (in_table or (pending is None and blocks and blocks[-1].kind == "row")
                        or (pending is None and "|" in next_line)):
            block = begin("caption")
            content = line[caption.end():]
            tail = re.search(r"[ \t]*\{[^{}]*\}[ \t]*$", content)
            if tail:
                ident = _ATTRS_ID.search(tail.group())
                block.ident = ident.group(1) if ident else None
                content = content[: tail.start()]
            block.add(content, offset + caption.end())
            flush()
            in_table = False
            continue
        starts_table = "|" in line and bool(_TABLE_SEP.match(next_line)) and "-" in next_line
        if "|" in line and (in_table or starts_table
                            or (stripped.startswith("|") and pending is None)):
            in_table = True
            row = begin("row")
            for found in re.finditer(r"[^|]+", line):
                cell = found.group()
                if cell.strip():
                    lead = len(cell) - len(cell.lstrip())
                    row.add(cell.strip(), offset + found.start() + lead)
            flush()
            continue
        footnote = _FOOTNOTE_DEF.match(line)
        if footnote:
            begin("footnote").add(line[footnote.end():], offset + footnote.end())
            continue
        item = _LIST_ITEM.match(line)
        if item:
            begin("item").add(line[item.end():], offset + item.end())
            continue
        quote = _QUOTE_MARK.match(line)
        if quote:
            cut = quote.end()
            while True:
                more = _QUOTE_MARK.match(line[cut:])
                if not more:
                    break
                cut += more.end()
            content = line[cut:]
            if not content.strip():
                flush()
                continue
            if pending is None or pending.kind != "quote":
                begin("quote")
            assert pending is not None
            pending.add(content, offset + cut)
            continue
        lead = len(line) - len(line.lstrip())
        if pending is None:
            begin("paragraph")
        assert pending is not None
        pending.add(line[lead:], offset + lead)
    flush()
    return Projection(source=markdown, text="".join(out.chars), offsets=out.starts,
                      ends=out.ends, blocks=blocks, line_starts=line_starts)
