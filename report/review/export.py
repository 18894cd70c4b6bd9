"""The comment resolution matrix, the dashboard and the letters back to reviewers.

Consultees expect to hear what became of each comment; the author needs one table of
every comment with its answer. Both come from ``status.entries`` (the records behind
the contract's status rows: anchors computed now, never stored by hand), which also
carry what the review files hold (the reviewer's name, the ISO type, the paragraph
number the reviewer saw).

Privacy: ``anonymise`` replaces reviewers by "Reviewer 1", "Reviewer 2"… (numbered in
order of first appearance, not by name, so the numbering gives nothing away), in the
reviewer column and wherever a reviewer's or author's name appears in what was written
("Reply to Pat Jones"); a letter only ever holds its own reviewer's comments.

Safety: what reviewers wrote is untrusted text that lands in spreadsheets, Markdown and
HTML. Every xlsx cell holding text is a text cell (never a formula, whatever it starts
with); CSV cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR get OWASP's leading
apostrophe; Markdown escapes HTML and Markdown syntax; control and bidirectional-override
characters are shown as ``<U+202E>`` rather than passed through to reorder a line; a
text longer than an xlsx cell holds continues on a linked sheet, never cut.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from report.manuscript import Manuscript
from report.outputs import write_bytes, write_text

STATUS_WORDS = {
    "open": "Still under consideration",
    "accepted": "Accepted: the text has been changed",
    "accepted-in-principle": "Accepted in principle",
    "declined": "Not accepted",
    "noted": "Noted",
    "out-of-scope": "Outside the scope of this report",
    "withdrawn": "Withdrawn",
}
STATUS_ORDER = tuple(STATUS_WORDS)
TYPE_WORDS = {"ge": "general", "te": "technical", "ed": "editorial"}


@dataclass
class Entry:
    """One row of the matrix: one comment or suggested change."""

    number: int
    id: str
    round: str
    reviewer_id: str
    reviewer: str
    chapter: str | None
    paragraph: int | None
    line: int | None
    type: str
    kind: str
    quote: str
    comment: str
    proposed: str
    status: str
    response: str
    anchor: str
    current_text: str = ""
    author: str = ""


#: Columns of the xlsx, csv and md matrix: (header, Entry attribute).
COLUMNS = (("No.", "number"), ("Reviewer", "reviewer"), ("Author", "author"),
           ("Chapter", "chapter"),
           ("Paragraph", "paragraph"), ("Line", "line"), ("Type", "type"),
           ("Kind", "kind"), ("Text marked", "quote"), ("Comment", "comment"),
           ("Proposed change", "proposed"), ("Status", "status"),
           ("Response", "response"), ("Anchor", "anchor"), ("Id", "id"))


def _text(value) -> str:
    return "" if value is None else str(value)


#: Characters that reorder or hide text: bidi embeddings, overrides and isolates, and
#: the marks that act alone; shown, never passed through.
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "\ufeff\u2028\u2029]")


def shown(value: str) -> str:
    """Text with control and bidi-override characters made visible (``<U+202E>``).

    Line breaks and tabs stay (CRLF becomes a line break); anything else that would
    hide or reorder what a reviewer wrote is written out as its code point.
    """
    value = value.replace("\r\n", "\n")
    return _HIDDEN.sub(lambda m: f"<U+{ord(m.group()):04X}>", value)


class NameScrubber:
    """Replaces people's names in free text by pseudonyms (``--anonymise``).

    Full names as written and "Surname, Given" forms, case-insensitive, longest first,
    on word boundaries; ids that are slugs of names are matched with the hyphens.
    """

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None

    def add(self, name: str | None, pseudonym: str) -> None:
        name = " ".join((name or "").split())
        if len(name) < 3:
            return
        self.names.setdefault(name.lower(), pseudonym)
        words = name.split(" ")
        if len(words) >= 2:
            self.names.setdefault(f"{words[-1]}, {' '.join(words[:-1])}".lower(), pseudonym)
        self._pattern = None

    def __call__(self, text: str) -> str:
        if not self.names or not text:
            return text
        if self._pattern is None:
            alternatives = sorted(self.names, key=len, reverse=True)
            self._pattern = re.compile(
                r"(?<!\w)(" + "|".join(re.escape(n).replace(r"\ ", r"\s+")
                                      for n in alternatives) + r")(?!\w)", re.I)
        return self._pattern.sub(
            lambda m: self.names.get(" ".join(m.group(1).split()).lower(), "a reviewer"), text)


def current_paragraphs(manuscript: Manuscript) -> dict[str, list]:
    """Paragraphs now, by chapter, in order; to show each comment beside its text."""
    from report.review.paragraphs import number_paragraphs

    by_chapter: dict[str, list] = {}
    for para in number_paragraphs(manuscript):
        by_chapter.setdefault(para.chapter, []).append(para)
    return by_chapter


def paragraph_at(paragraphs: list, offset: int | None):
    """The paragraph holding a source offset (or the last one starting before it)."""
    if offset is None:
        return None
    found = None
    for para in paragraphs:
        if para.start > offset:
            break
        found = para
    return found


def entries(manuscript: Manuscript, round_name: str | None = None, *,
            anonymise: bool = False) -> list[Entry]:
    """Every comment of the round (default: as ``status``), in reading order.

    ``paragraph`` is the number the reviewer saw in the round's pack when the comment
    records it, else the number of the paragraph it is anchored to now.
    """
    from report.review import status

    paragraphs = current_paragraphs(manuscript)
    pseudonyms: dict[str, str] = {}
    scrub = NameScrubber()
    found_all = status.entries(manuscript, round_name)
    if anonymise:
        for found in found_all:
            reviewer = found.review.reviewer
            pseudonym = pseudonyms.setdefault(reviewer.id, f"Reviewer {len(pseudonyms) + 1}")
            for name in (reviewer.name, found.comment.author):
                scrub.add(name, pseudonym)
            if "-" in reviewer.id:
                scrub.add(reviewer.id, pseudonym)

    def text(value) -> str:
        return shown(scrub(_text(value)))

    out: list[Entry] = []
    for number, found in enumerate(found_all, start=1):
        row = found.row()
        reviewer = found.review.reviewer
        name = pseudonyms[reviewer.id] if anonymise else (reviewer.name or reviewer.id)
        anchor = found.anchor
        para = (paragraph_at(paragraphs.get(row["chapter"], []), anchor.start)
                if row["chapter"] and anchor.status not in ("deleted", "orphaned") else None)
        out.append(Entry(
            number=number, id=row["id"], round=row["round"], reviewer_id=reviewer.id,
            reviewer=shown(name), chapter=row["chapter"],
            paragraph=found.comment.target.paragraph or (para.number if para else None),
            line=row["line"], type=found.comment.type or "ge", kind=row["kind"],
            quote=text(row["quote"]), comment=text(row["body"]),
            proposed=text(row["proposed"]), status=row["status"],
            response=text(row["response"]), anchor=row["anchor"],
            current_text=shown(" ".join(para.text.split())) if para else "",
            author=text(found.comment.author),
        ))
    return out


def _cells(entry: Entry) -> list:
    return [getattr(entry, attr) for _, attr in COLUMNS]


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> object:
    """A CSV cell no spreadsheet will run: a leading formula character gets ``'``."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(items: list[Entry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([header for header, _ in COLUMNS])
    for entry in items:
        writer.writerow([csv_safe(v) for v in _cells(entry)])
    return buffer.getvalue()


#: Characters an xlsx cell holds (Excel's limit; LibreOffice and openpyxl agree).
XLSX_CELL = 32_767
CONTINUED = "Continued"


def _text_cell(cell, value: str) -> None:
    """A text cell, never a formula: inline string, shown with Excel's quote prefix."""
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True


def to_xlsx(items: list[Entry], title: str) -> bytes:
    """The matrix as a workbook: every text a text cell; long texts continue, linked.

    A text over :data:`XLSX_CELL` characters keeps its first part in its cell, with a
    link to the rows of the sheet "Continued" that hold the rest, in order.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    book = Workbook()
    sheet = book.active
    sheet.title = "Comments"
    sheet.append([header for header, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    more = None
    for row_index, entry in enumerate(items, start=2):
        for col_index, value in enumerate(_cells(entry), start=1):
            cell = sheet.cell(row=row_index, column=col_index)
            if not isinstance(value, str):
                cell.value = value
                continue
            if len(value) <= XLSX_CELL:
                _text_cell(cell, value)
                continue
            if more is None:
                more = book.create_sheet(CONTINUED)
                more.append(["Id", "Column", "Part", "Text"])
            header = COLUMNS[col_index - 1][0]
            note = "… [continued on sheet Continued]"
            parts = _split(value, XLSX_CELL - len(note))
            first_row = more.max_row + 1
            _text_cell(cell, parts[0] + note)
            cell.hyperlink = Hyperlink(ref=cell.coordinate,
                                       location=f"'{CONTINUED}'!D{first_row}")
            for number, part in enumerate(parts[1:], start=2):
                more.append([entry.id, header, f"{number} of {len(parts)}"])
                _text_cell(more.cell(row=more.max_row, column=4), part)
    widths = {"Text marked": 40, "Comment": 60, "Proposed change": 40, "Response": 50,
              "Chapter": 30, "Reviewer": 20, "Id": 14}
    for index, (header, _) in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = widths.get(header, 11)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    book.properties.title = title
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _split(text: str, size: int) -> list[str]:
    """``text`` in pieces of at most ``size``, later ones at most :data:`XLSX_CELL`."""
    parts = [text[:size]]
    rest = text[size:]
    while rest:
        parts.append(rest[:XLSX_CELL])
        rest = rest[XLSX_CELL:]
    return parts


_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])", re.M)


def md_text(value) -> str:
    """Reviewers' text for Markdown: HTML escaped, Markdown syntax taken literally.

    ``<script>`` becomes text, ``*``, ``_``, `````, ``[``… are backslash-escaped, and a
    line that would start a heading, quote or list starts with an escaped character.
    """
    escaped = _MD_INLINE.sub(r"\\\1", html.escape(_text(value), quote=False))
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def _md_cell(value) -> str:
    return md_text(value).replace("\r", "").replace("\n", "<br>")


def to_md(items: list[Entry], title: str) -> str:
    lines = [f"# Comment resolution: {title}", ""]
    lines.append("| " + " | ".join(h for h, _ in COLUMNS) + " |")
    lines.append("|" + " --- |" * len(COLUMNS))
    for entry in items:
        lines.append("| " + " | ".join(_md_cell(v) for v in _cells(entry)) + " |")
    return "\n".join(lines) + "\n"


def bar_chart(counts: list[tuple[str, int]], label: str) -> str:
    """Horizontal bars as inline SVG: readable without scripts, with a text alternative."""
    esc = html.escape
    if not counts:
        return f"<p>{esc(label)}: no comments.</p>"
    top = max(n for _, n in counts) or 1
    ident = "chart-" + re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    bar_h, gap, left, width = 18, 6, 260, 300
    height = len(counts) * (bar_h + gap) + gap
    parts = [f'<svg role="img" aria-labelledby="{ident}" width="{left + width + 50}" '
             f'height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{ident}">{esc(label)}: '
             + esc(", ".join(f"{k} {n}" for k, n in counts)) + "</title>"]
    for i, (key, n) in enumerate(counts):
        y = gap + i * (bar_h + gap)
        w = max(1, round(width * n / top))
        short = key if len(key) <= 40 else key[:39] + "…"
        parts.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end" '
                     f'font-size="12">{esc(short)}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w}" height="{bar_h}" '
                     'fill="#1d5f8a"/>')
        parts.append(f'<text x="{left + w + 6}" y="{y + 13}" font-size="12">{n}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _highlight(text: str, quote: str) -> str:
    esc = html.escape
    needle = " ".join(quote.split())
    if needle and needle in text:
        start = text.index(needle)
        return (esc(text[:start]) + "<mark>" + esc(needle) + "</mark>"
                + esc(text[start + len(needle):]))
    return esc(text)


NOW_WORDS = {"deleted": "This text has been deleted from the report.",
             "general": "A general comment, on no particular passage.",
             "orphaned": "Not found in the text now."}


def _now_cell(entry: Entry) -> str:
    """The dashboard's "text now": the paragraph, or what became of the text."""
    if entry.anchor in NOW_WORDS:
        return f'<em class="{entry.anchor}">{html.escape(NOW_WORDS[entry.anchor])}</em>'
    return _highlight(entry.current_text, entry.quote)


_DASHBOARD_CSS = """
body { font-family: "Open Sans", system-ui, sans-serif; margin: 2em; color: #1b1b1b; }
.charts { display: flex; flex-wrap: wrap; gap: 2em; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: .4em .6em; vertical-align: top;
         text-align: left; }
td.now { color: #333; background: #f7f7f7; max-width: 40em; }
mark { background: #ffe58a; }
.status { font-weight: 600; white-space: nowrap; }
.orphaned, .deleted { color: #a40000; }
"""


def to_html(items: list[Entry], title: str, chapter_titles: dict[str, str]) -> str:
    """The dashboard: charts by chapter and status, each comment beside its text now."""
    esc = html.escape
    by_chapter = Counter(chapter_titles.get(e.chapter or "", e.chapter or "(not found)")
                         for e in items)
    chapter_order = list(dict.fromkeys(list(chapter_titles.values()) + list(by_chapter)))
    chapter_counts = [(c, by_chapter[c]) for c in chapter_order if by_chapter[c]]
    by_status = Counter(e.status for e in items)
    status_counts = [(s, by_status[s]) for s in
                     list(STATUS_ORDER) + sorted(set(by_status) - set(STATUS_ORDER))
                     if by_status[s]]
    rows = []
    for e in items:
        where = esc(chapter_titles.get(e.chapter or "", e.chapter or "not found"))
        locator = (f"{where}<br>para {e.paragraph if e.paragraph else '–'}, "
                   f"line {e.line if e.line else '–'}")
        proposed = f"<p><em>Proposed:</em> {esc(e.proposed)}</p>" if e.proposed else ""
        quote = f"<blockquote>{esc(e.quote)}</blockquote>" if e.quote else ""
        rows.append(
            f'<tr id="{esc(e.id)}"><td>{e.number}</td><td>{esc(e.reviewer)}</td>'
            f"<td>{locator}</td><td>{esc(e.type)} / {esc(e.kind)}</td>"
            f"<td>{quote}<p>{esc(e.comment)}</p>{proposed}</td>"
            f'<td class="now">{_now_cell(e)}</td>'
            f'<td class="anchor {esc(e.anchor)}">{esc(e.anchor)}</td>'
            f'<td><span class="status">{esc(e.status)}</span><br>{esc(e.response)}</td></tr>')
    open_count = by_status.get("open", 0)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>Review dashboard: {esc(title)}</title><style>{_DASHBOARD_CSS}</style></head>
<body>
<h1>Review dashboard: {esc(title)}</h1>
<p>{len(items)} comments; {open_count} still open.</p>
<div class="charts">
<figure><figcaption>Comments by chapter</figcaption>
{bar_chart(chapter_counts, "Comments by chapter")}</figure>
<figure><figcaption>Comments by status</figcaption>
{bar_chart(status_counts, "Comments by status")}</figure>
</div>
<table>
<thead><tr><th>No.</th><th>Reviewer</th><th>Where</th><th>Type / kind</th>
<th>Comment</th><th>Text now</th><th>Anchor</th><th>Status and response</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</body>
</html>
"""


def letter_md(reviewer: str, items: list[Entry], title: str, round_name: str) -> str:
    def one_line(value: str) -> str:
        return md_text(" ".join(value.split()))

    lines = [f"# Your comments on the draft: {md_text(title)}", "",
             f"Dear {md_text(reviewer)},", "",
             f"Thank you for your comments on the draft (review round {md_text(round_name)}). "
             f"You sent {len(items)}. Here is what we did with each of them.", ""]
    for i, e in enumerate(items, start=1):
        where = f"paragraph {e.paragraph}" if e.paragraph else "the draft"
        lines.append(f"## {i}. On {where}")
        lines.append("")
        if e.quote:
            lines.append("> " + one_line(e.quote))
            lines.append("")
        if e.comment:
            lines.append(f"You wrote: {one_line(e.comment)}")
            lines.append("")
        if e.proposed:
            lines.append(f"You proposed: {one_line(e.proposed)}")
            lines.append("")
        lines.append(f"**{STATUS_WORDS.get(e.status, e.status)}.**"
                     + (f" {one_line(e.response)}" if e.response else ""))
        lines.append("")
    lines.append("With thanks,")
    lines.append("")
    lines.append("The report team")
    return "\n".join(lines) + "\n"


def letter_html(reviewer: str, items: list[Entry], title: str, round_name: str) -> str:
    esc = html.escape
    parts = []
    for i, e in enumerate(items, start=1):
        where = f"paragraph {e.paragraph}" if e.paragraph else "the draft"
        parts.append(f"<h2>{i}. On {esc(where)}</h2>")
        if e.quote:
            parts.append(f"<blockquote>{esc(e.quote)}</blockquote>")
        if e.comment:
            parts.append(f"<p>You wrote: {esc(e.comment)}</p>")
        if e.proposed:
            parts.append(f"<p>You proposed: {esc(e.proposed)}</p>")
        parts.append(f"<p><strong>{esc(STATUS_WORDS.get(e.status, e.status))}.</strong> "
                     f"{esc(e.response)}</p>")
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>Your comments on the draft: {esc(title)}</title></head>
<body>
<h1>Your comments on the draft: {esc(title)}</h1>
<p>Dear {esc(reviewer)},</p>
<p>Thank you for your comments on the draft (review round {esc(round_name)}).
You sent {len(items)}. Here is what we did with each of them.</p>
{chr(10).join(parts)}
<p>With thanks,</p><p>The report team</p>
</body></html>
"""


def _file_stem(entry: Entry, anonymise: bool) -> str:
    stem = entry.reviewer if anonymise else entry.reviewer_id
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-").lower() or "reviewer"


def write_letters(folder: Path, items: list[Entry], *, fmt: str, title: str,
                  round_name: str | None = None, anonymise: bool = False) -> list[Path]:
    """One letter per reviewer into ``folder``; other files there are left alone."""
    by_reviewer: dict[str, list[Entry]] = {}
    for entry in items:
        by_reviewer.setdefault(entry.reviewer_id, []).append(entry)
    written: list[Path] = []
    for own in by_reviewer.values():
        name = own[0].reviewer
        rounds = ", ".join(dict.fromkeys(e.round for e in own))
        render = letter_html if fmt == "html" else letter_md
        target = folder / f"{_file_stem(own[0], anonymise)}.{fmt}"
        write_text(target, render(name, own, title, round_name or rounds))
        written.append(target)
    return written


def write_matrix(target: Path, items: list[Entry], *, fmt: str, title: str,
                 chapter_titles: dict[str, str]) -> Path:
    if fmt == "xlsx":
        write_bytes(target, to_xlsx(items, title))
    elif fmt == "csv":
        write_text(target, to_csv(items))
    elif fmt == "md":
        write_text(target, to_md(items, title))
    else:
        write_text(target, to_html(items, title, chapter_titles))
    return target
