"""The redline: what changed in the manuscript since a consultation round opened.

Reviewers who read the round's pack want to see what the author did with the text,
and the author wants to check that nothing changed by accident. Comparing the words a
reader sees (not the Markdown) keeps the redline free of markup noise; comparing word by
word (difflib on word tokens, whitespace normalised) keeps a re-wrapped paragraph from
showing as rewritten. Unchanged chapters are folded so that the changes stand out.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from report.manuscript import Manuscript, load
from report.manuscript.provenance import provenance
from report.outputs import write_text
from report.review import round as rounds
from report.review.history import ChapterAt, History
from report.review.paragraphs import projected

_TOKEN = re.compile(r"\s+|\w+(?:['’]\w+)*|[^\w\s]")
_WORD = re.compile(r"\w")
PARAGRAPH_BREAK = "\n\n"
HEADING = "\ue000"  # private use: cannot occur in a chapter's text


@dataclass(frozen=True)
class Piece:
    """A run of tokens that is ``equal``, ``insert``-ed or ``delete``-d."""

    op: str
    text: str


@dataclass
class ChapterRedline:
    """One chapter, matched across the round by path or, failing that, by label."""

    title: str
    rel: str | None
    old_rel: str | None
    pieces: list[Piece]

    @property
    def inserted(self) -> int:
        return _words(p.text for p in self.pieces if p.op == "insert")

    @property
    def deleted(self) -> int:
        return _words(p.text for p in self.pieces if p.op == "delete")

    @property
    def changed(self) -> bool:
        return self.rel != self.old_rel or any(p.op != "equal" for p in self.pieces)

    @property
    def state(self) -> str:
        if self.old_rel is None:
            return "added"
        if self.rel is None:
            return "removed"
        if self.rel != self.old_rel:
            return "renamed and changed" if self.inserted or self.deleted else "renamed"
        return "changed" if self.changed else "unchanged"

    @property
    def anchor(self) -> str:
        return "ch-" + re.sub(r"[^a-z0-9]+", "-", (self.rel or self.old_rel or "").lower())


@dataclass
class Redline:
    """The whole manuscript now against the round's commit."""

    title: str
    round: str
    commit: str
    current: str
    chapters: list[ChapterRedline] = field(default_factory=list)

    @property
    def changed(self) -> list[ChapterRedline]:
        return [c for c in self.chapters if c.changed]


def _words(texts) -> int:
    return sum(len([t for t in _TOKEN.findall(text) if _WORD.search(t)]) for text in texts)


def reader_text(text: str) -> str:
    """The words a reader sees in a chapter file, as the review pack shows them.

    Blocks are separated by a blank line; a heading starts with :data:`HEADING` so that
    the redline can show it as a heading (the mark is a token of its own, never a word).
    """
    projection = projected(text)
    blocks = []
    for block in projection.blocks:
        words = projection.text[block.start:block.end]
        blocks.append(f"{HEADING} {words}" if block.kind == "heading" else words)
    return PARAGRAPH_BREAK.join(blocks)


def first_heading(text: str, fallback: str) -> str:
    """A chapter's title from its text (for a chapter that no longer exists)."""
    projection = projected(text)
    heading = next((b for b in projection.blocks if b.kind == "heading"), None)
    return projection.text[heading.start:heading.end] if heading else fallback


def tokens(text: str) -> list[str]:
    """Word tokens; a blank line stays a paragraph break, any other space is one space."""
    out: list[str] = []
    for token in _TOKEN.findall(text):
        if token.isspace():
            token = PARAGRAPH_BREAK if token.count("\n") >= 2 else " "
        out.append(token)
    while out and out[0] in (" ", PARAGRAPH_BREAK):
        out.pop(0)
    while out and out[-1] in (" ", PARAGRAPH_BREAK):
        out.pop()
    return out


def diff_words(old: str, new: str) -> list[Piece]:
    """Insertions and deletions word by word; a replacement is a deletion then an insertion."""
    a, b = tokens(old), tokens(new)
    pieces: list[Piece] = []

    def add(op: str, toks: list[str]) -> None:
        if not toks:
            return
        text = "".join(toks)
        if pieces and pieces[-1].op == op:
            pieces[-1] = Piece(op, pieces[-1].text + text)
        else:
            pieces.append(Piece(op, text))

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            add("equal", a[i1:i2])
        else:
            add("delete", a[i1:i2])
            add("insert", b[j1:j2])
    return pieces


def compare(old: list[ChapterAt], new: Manuscript) -> list[ChapterRedline]:
    """Pair chapters by path, then by label (a renamed file keeps its label)."""
    by_rel = {c.rel: c for c in old}
    by_label = {c.label: c for c in old}
    used: set[str] = set()
    out: list[ChapterRedline] = []
    for chapter in new.chapters:
        before = by_rel.get(chapter.rel)
        if before is None or before.rel in used:
            before = by_label.get(chapter.label)
        if before is not None and before.rel in used:
            before = None
        if before is not None:
            used.add(before.rel)
        old_text = reader_text(before.text) if before else ""
        out.append(ChapterRedline(chapter.title, chapter.rel, before.rel if before else None,
                                  diff_words(old_text, reader_text(chapter.text))))
    for before in old:
        if before.rel not in used:
            out.append(ChapterRedline(first_heading(before.text, before.rel), None, before.rel,
                                      diff_words(reader_text(before.text), "")))
    return out


def redline(root: Path, round_name: str) -> Redline:
    """Compare the manuscript now (working tree) with the round's commit."""
    root = Path(root).resolve()
    rounds.check_name(round_name)
    commit = rounds.round_commit(root, round_name)
    now = load(root)
    old = History(root).chapters_at(commit, [c.rel for c in now.chapters])
    prov = provenance(root)
    current = prov.short + (" with uncommitted edits" if prov.dirty else "")
    return Redline(title=now.manifest.full_title, round=round_name, commit=commit,
                   current=current, chapters=compare(old, now))


_CSS = """
body { font-family: "Report Sans", "Open Sans", sans-serif; line-height: 1.5;
       max-width: 46em;
       margin: 2em auto; padding: 0 1em; color: #1b1b1b; }
ins { background: #dff3e4; color: #0b5a1f; text-decoration: underline; }
del { background: #fbe3e3; color: #8a1111; text-decoration: line-through;
      margin-right: .1em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border-bottom: 1px solid #ccc; padding: .25em .75em; text-align: left; }
td.n { text-align: right; }
summary { cursor: pointer; font-weight: 600; }
.state { font-size: .85em; color: #555; font-weight: normal; }
.key { font-size: .9em; color: #444; }
"""

_PRINT_CSS = """
@page { size: A4; margin: 20mm 18mm 22mm;
        @bottom-center { content: "Changes since review round " string(round)
                         " · page " counter(page) " of " counter(pages);
                         font: 8pt "Report Sans", "Open Sans", sans-serif; color: #555; } }
body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
h1 { string-set: round attr(data-round); }
h2 { break-before: page; }
"""


_TAGS = {"insert": "ins", "delete": "del"}


def _paragraphs(pieces: list[Piece]) -> str:
    """Pieces to ``<p>`` (or heading) elements; a marked run across paragraphs is split."""
    paragraphs: list[list[tuple[str, str]]] = [[]]
    for piece in pieces:
        for i, chunk in enumerate(piece.text.split(PARAGRAPH_BREAK)):
            if i:
                paragraphs.append([])
            if chunk:
                paragraphs[-1].append((piece.op, chunk))
    out = []
    for runs in paragraphs:
        element = "p"
        if runs and runs[0][1].startswith(HEADING):
            element = "h3"
            op, first = runs[0]
            runs[0] = (op, first[len(HEADING):].lstrip(" "))
        inner = "".join(
            f"<{tag}>{html.escape(text)}</{tag}>" if (tag := _TAGS.get(op)) else html.escape(text)
            for op, text in runs if text)
        if inner:
            out.append(f"<{element}>{inner}</{element}>")
    return "\n".join(out)


def to_html(red: Redline, *, printed: bool = False) -> str:
    """A self-contained page (no scripts, no remote files); ``printed`` for the PDF."""
    esc = html.escape
    rows = []
    for ch in red.chapters:
        rows.append(f'<tr><td><a href="#{ch.anchor}">{esc(ch.title)}</a></td>'
                    f"<td>{esc(ch.state)}</td><td class=n>{ch.inserted}</td>"
                    f"<td class=n>{ch.deleted}</td></tr>")
    sections = []
    for ch in red.chapters:
        where = esc(ch.rel or ch.old_rel or "")
        if ch.rel and ch.old_rel and ch.rel != ch.old_rel:
            where = f"{esc(ch.old_rel)} → {esc(ch.rel)}"
        heading = (f'{esc(ch.title)} <span class="state">({esc(ch.state)}, {where}; '
                   f"{ch.inserted} words inserted, {ch.deleted} deleted)</span>")
        body = _paragraphs(ch.pieces)
        if ch.changed:
            sections.append(f'<section id="{ch.anchor}"><h2>{heading}</h2>\n{body}</section>')
        elif printed:
            sections.append(f'<section id="{ch.anchor}" class="unchanged"><h3>{heading}</h3>'
                            "<p>Unchanged since the round.</p></section>")
        else:
            sections.append(f'<section id="{ch.anchor}"><details><summary>{heading}</summary>'
                            f"\n{body}</details></section>")
    changed = len(red.changed)
    css = _CSS + (_PRINT_CSS if printed else "")
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Changes since review round {esc(red.round)}: {esc(red.title)}</title>
<style>{css}</style>
</head>
<body>
<h1 data-round="{esc(red.round)}">Changes since review round {esc(red.round)}</h1>
<p>{esc(red.title)}: the text at the round (commit {esc(red.commit[:7])}) against the text
now ({esc(red.current)}). {changed} of {len(red.chapters)} chapters changed.</p>
<p class="key">Key: <ins>inserted words</ins>, <del>deleted words</del>.</p>
<table>
<thead><tr><th>Chapter</th><th>Change</th><th>Words inserted</th><th>Words deleted</th></tr>
</thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
{chr(10).join(sections)}
</body>
</html>
"""


def default_output(root: Path, round_name: str) -> Path:
    return Path(root) / "build" / "review" / round_name / "changes.html"


def write(red: Redline, target: Path, root: Path) -> Path:
    """HTML, or a PDF when ``target`` ends with ``.pdf`` (WeasyPrint, no network)."""
    target = Path(target)
    if target.suffix.lower() != ".pdf":
        write_text(target, to_html(red))
        return target
    from report.editions.pdf import write_pdf

    root = Path(root).resolve()
    write_pdf(to_html(red, printed=True), target, root, root, stylesheets=["fonts.css"])
    return target
