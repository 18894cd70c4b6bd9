"""The redline: what changed in the manuscript since a consultation round opened.

Reviewers who read the round's pack want to see what the author did with the text,
and the author wants to check that nothing changed by accident. Comparing the words a
reader sees (not the Markdown) keeps the redline free of markup noise; comparing word by
word (difflib on word tokens, whitespace normalised) keeps a re-wrapped paragraph from
showing as rewritten. Unchanged chapters are folded so that the changes stand out.

A paragraph taken out in one place and put back word for word in another (in the same
chapter, or in a chapter split off from it) is a move, shown as one (``move-from`` and
``move-to`` pieces sharing a number), not as a deletion and an unrelated insertion. Each
paragraph the reviewers read carries its pack number, so a reviewer can find what became
of the paragraph they commented on.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from report.errors import InputError
from report.manuscript import Manuscript, load
from report.manuscript.provenance import provenance
from report.outputs import atomic_named, write_text
from report.review import round as rounds
from report.review.history import ChapterAt, History
from report.review.paragraphs import (
    by_chapter,
    parsed_blocks,
    reading_of,
    rendered_blocks,
    round_blocks,
)
from report.review.reading import Reading

_TOKEN = re.compile(r"\s+|\w+(?:['’]\w+)*|[^\w\s]")
_WORD = re.compile(r"\w")
PARAGRAPH_BREAK = "\n\n"
HEADING = "\ue000"  # private use: cannot occur in a chapter's text


@dataclass(frozen=True)
class Piece:
    """A run of tokens: ``equal``, ``insert``, ``delete``, ``move-from`` or ``move-to``.

    ``move`` numbers a move: its ``move-from`` and ``move-to`` pieces share it.
    """

    op: str
    text: str
    move: int | None = None


MOVE_MIN_WORDS = 5  # a shorter paragraph found twice is a coincidence, not a move


@dataclass
class ChapterRedline:
    """One chapter, matched across the round by path or, failing that, by label."""

    title: str
    rel: str | None
    old_rel: str | None
    pieces: list[Piece]
    numbers: list[int | None] = field(default_factory=list)  # pack number per old block

    @property
    def inserted(self) -> int:
        return _words(p.text for p in self.pieces if p.op == "insert")

    @property
    def deleted(self) -> int:
        return _words(p.text for p in self.pieces if p.op == "delete")

    @property
    def moved(self) -> int:
        return _words(p.text for p in self.pieces if p.op == "move-to")

    @property
    def changed(self) -> bool:
        return self.rel != self.old_rel or any(p.op != "equal" for p in self.pieces)

    @property
    def state(self) -> str:
        if self.old_rel is None:
            return "split off (moved text)" if self.moved and not self.inserted else "added"
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


def reader_text(reading: Reading) -> str:
    """The words a reader sees in a chapter, as the review pack shows them.

    Blocks are separated by a blank line; a heading starts with :data:`HEADING` so that
    the redline can show it as a heading (the mark is a token of its own, never a word).
    """
    return PARAGRAPH_BREAK.join(
        f"{HEADING} {reading.block_text(b)}" if b.kind == "heading" else reading.block_text(b)
        for b in reading.blocks)


def first_heading(reading: Reading, fallback: str) -> str:
    """A chapter's title from its text (for a chapter that no longer exists)."""
    heading = next((b for b in reading.blocks if b.kind == "heading"), None)
    return reading.block_text(heading) if heading else fallback


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


def compare(old: list[ChapterAt], new: Manuscript, old_blocks: list | None = None,
            new_blocks: list | None = None) -> list[ChapterRedline]:
    """Pair chapters by path, then by label (a renamed file keeps its label).

    ``old_blocks`` and ``new_blocks`` are the render's blocks of each side (the round's
    pack numbers are the old side's); without them, each side is read from its parse."""
    new_texts = [(c.rel, c.text) for c in new.chapters]
    old_read = _readings([(c.rel, c.text) for c in old], old_blocks, new.build_dir)
    new_read = _readings(new_texts, new_blocks, new.build_dir)
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
        old_text = reader_text(old_read[before.rel]) if before else ""
        out.append(ChapterRedline(chapter.title, chapter.rel, before.rel if before else None,
                                  diff_words(old_text, reader_text(new_read[chapter.rel]))))
    for before in old:
        if before.rel not in used:
            reading = old_read[before.rel]
            out.append(ChapterRedline(first_heading(reading, before.rel), None, before.rel,
                                      diff_words(reader_text(reading), "")))
    for chapter in out:
        reading = old_read.get(chapter.old_rel or "")
        chapter.numbers = pack_numbers(reading) if reading is not None else []
    find_moves(out)
    return out


def _readings(chapters: list[tuple[str, str]], blocks: list | None,
              build_dir: Path) -> dict[str, Reading]:
    if blocks is None:
        blocks = parsed_blocks(chapters, build_dir)
    found = by_chapter(blocks)
    return {rel: reading_of(text, found.get(rel, ())) for rel, text in chapters}


def pack_numbers(reading: Reading) -> list[int | None]:
    """A chapter's blocks' pack numbers, in the order :func:`reader_text` lays them out
    (None for a heading)."""
    return [b.number for b in reading.blocks]


def _key(text: str) -> str:
    """A paragraph's words only: a diff may leave its final full stop with its neighbour."""
    return " ".join(re.findall(r"\w+(?:['’]\w+)*", text.replace(HEADING, " ")))


def find_moves(chapters: list[ChapterRedline]) -> None:
    """Turn a paragraph deleted in one place and inserted word for word elsewhere into a
    move (``move-from``/``move-to``), across the whole report."""
    def split(chapter: ChapterRedline, op: str):
        pieces: list[Piece] = []
        for piece in chapter.pieces:
            if piece.op != op:
                pieces.append(piece)
                continue
            for i, chunk in enumerate(piece.text.split(PARAGRAPH_BREAK)):
                if i:
                    pieces.append(Piece(op, PARAGRAPH_BREAK))
                if chunk:
                    pieces.append(Piece(op, chunk))
        chapter.pieces = pieces

    deleted: dict[str, list[tuple[ChapterRedline, int]]] = {}
    for chapter in chapters:
        split(chapter, "delete")
        split(chapter, "insert")
        for index, piece in enumerate(chapter.pieces):
            if piece.op == "delete" and _words([piece.text]) >= MOVE_MIN_WORDS:
                deleted.setdefault(_key(piece.text), []).append((chapter, index))
    number = 0
    for chapter in chapters:
        for index, piece in enumerate(chapter.pieces):
            if piece.op != "insert" or _words([piece.text]) < MOVE_MIN_WORDS:
                continue
            sources = deleted.get(_key(piece.text))
            if not sources:
                continue
            number += 1
            source, at = sources.pop(0)
            source.pieces[at] = Piece("move-from", source.pieces[at].text, number)
            chapter.pieces[index] = Piece("move-to", piece.text, number)


def redline(root: Path, round_name: str) -> Redline:
    """Compare the manuscript now (working tree) with the round's commit."""
    root = Path(root).resolve()
    rounds.check_name(round_name)
    commit = rounds.round_commit(root, round_name)
    now = load(root)
    history = History(root)
    old = history.chapters_at(commit, [c.rel for c in now.chapters])
    old_blocks = round_blocks(history, history.resolve(commit), [(c.rel, c.text) for c in old],
                              now.build_dir)
    try:
        new_blocks = rendered_blocks(now)
    except InputError:  # mid-edit: the text now is read from its parse
        new_blocks = None
    prov = provenance(root)
    current = prov.short + (" with uncommitted edits" if prov.dirty else "")
    return Redline(title=now.manifest.full_title, round=round_name, commit=commit,
                   current=current, chapters=compare(old, now, old_blocks, new_blocks))


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
.moved { background: #e3ecfb; color: #133a7a; text-decoration: none; }
del.moved { text-decoration: line-through; }
.num { font-size: .8em; font-weight: 600; color: #555; }
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


_TAGS = {"insert": "ins", "delete": "del", "move-from": "del", "move-to": "ins"}


def _paragraphs(pieces: list[Piece], numbers: list[int | None] | None = None) -> str:
    """Pieces to ``<p>`` (or heading) elements; a marked run across paragraphs is split.

    A paragraph that was in the round's text starts with its pack number (``¶12``);
    moves link to each other.
    """
    numbers = numbers or []
    paragraphs: list[list[tuple[Piece, str]]] = [[]]
    olds: list[int | None] = [0]
    old_index = 0
    for piece in pieces:
        for i, chunk in enumerate(piece.text.split(PARAGRAPH_BREAK)):
            if i:
                if piece.op in ("equal", "delete", "move-from"):
                    old_index += 1
                paragraphs.append([])
                olds.append(old_index if piece.op in ("equal", "delete", "move-from")
                            else None)
            if chunk:
                if olds[-1] is None and piece.op in ("equal", "delete", "move-from"):
                    olds[-1] = old_index
                paragraphs[-1].append((piece, chunk))
    out = []
    for runs, old in zip(paragraphs, olds, strict=True):
        runs = [(piece, text) for piece, text in runs if text]
        if not runs:
            continue
        element = "p"
        if runs[0][1].startswith(HEADING):
            element = "h3"
            runs[0] = (runs[0][0], runs[0][1][len(HEADING):].lstrip(" "))
        has_old = any(piece.op in ("equal", "delete", "move-from") and _WORD.search(text)
                      for piece, text in runs)
        number = numbers[old] if has_old and old is not None and old < len(numbers) else None
        label = f'<span class="num">¶{number}</span> ' if number else ""
        inner = "".join(_run(piece, text) for piece, text in runs)
        out.append(f"<{element}>{label}{inner}</{element}>")
    return "\n".join(out)


def _run(piece: Piece, text: str) -> str:
    tag = _TAGS.get(piece.op)
    if tag is None:
        return html.escape(text)
    if piece.move is None:
        return f"<{tag}>{html.escape(text)}</{tag}>"
    there = "to" if piece.op == "move-from" else "from"
    here = "from" if piece.op == "move-from" else "to"
    words = "moved: see where it went" if piece.op == "move-from" else \
        "moved here: see where it was"
    return (f'<{tag} class="moved" id="move-{piece.move}-{here}">{html.escape(text)}'
            f'</{tag}> <a class="move" href="#move-{piece.move}-{there}">({words})</a>')


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
        moved = f", {ch.moved} moved in" if ch.moved else ""
        heading = (f'{esc(ch.title)} <span class="state">({esc(ch.state)}, {where}; '
                   f"{ch.inserted} words inserted, {ch.deleted} deleted{moved})</span>")
        body = _paragraphs(ch.pieces, ch.numbers)
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
<p class="key">Key: <ins>inserted words</ins>, <del>deleted words</del>,
<ins class="moved">moved paragraphs</ins>; ¶ the paragraph number in the round's pack.</p>
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


class NamedWithoutConsent(Exception):
    """The redline would name someone without consent: nothing was written."""

    def __init__(self, leaks: list[str]):
        self.leaks = leaks
        super().__init__("\n".join(leaks))


def write(red: Redline, target: Path, root: Path) -> Path:
    """HTML, or a PDF when ``target`` ends with ``.pdf`` (WeasyPrint, no network).

    A redline is sent with the next draft, so it passes the build's last gate: when it
    holds the name of someone without consent (added since the round, or struck out
    since, which a redline would show as it was), :class:`NamedWithoutConsent` is raised
    and nothing is written."""
    from report.checks.consent import leaks_as_published

    target = Path(target)
    root = Path(root).resolve()
    with atomic_named(target) as made:  # under its own name: the scan knows it by kind
        if target.suffix.lower() != ".pdf":
            write_text(made, to_html(red))
        else:
            from report.editions.pdf import write_pdf

            write_pdf(to_html(red, printed=True), made, root, root, stylesheets=["fonts.css"])
        leaks = leaks_as_published(made, target, root)
        if leaks:
            raise NamedWithoutConsent(leaks)
    return target
