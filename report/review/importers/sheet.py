"""The comment template, filled in: a spreadsheet (.xlsx) or its CSV.

Columns are those of the ISO/IEC comment form the pack's template carries (reviewer,
chapter, paragraph, type, comment, proposed change) plus the author's
observations/response column, which is ignored on import. A column we do not know is
refused rather than silently dropped: it would be a comment someone expects an answer
to. Paragraph numbers are the pack's, so they are mapped back through the numbering
*at the round's commit*, whatever has changed since.

Nothing a reviewer wrote is lost: a cell the spreadsheet turned into a formula (text
typed starting with ``=``, ``+`` or ``-``) is read as the text typed, not the error the
sheet shows; a row whose chapter or paragraph does not exist is kept, unanchored, with a
warning naming the row; CSV is read in the dialects spreadsheet programs write.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from report.errors import InputError, Problem
from report.manuscript.manifest import slugify
from report.review.anchoring import Found
from report.review.importers import Marked, RoundText
from report.review.importers.safety import check_size, open_office_zip, refuse
from report.review.text import fold

COLUMNS = {
    "reviewer": "reviewer", "name": "reviewer", "reviewer name": "reviewer",
    "chapter": "chapter", "section": "chapter",
    "paragraph": "paragraph", "paragraph number": "paragraph", "para": "paragraph",
    "para no": "paragraph", "paragraph no": "paragraph", "locator": "paragraph",
    "type": "type", "type of comment": "type", "comment type": "type",
    "comment": "comment", "comments": "comment",
    "proposed change": "proposed", "proposed changes": "proposed", "proposal": "proposed",
    "observations": "response", "response": "response", "observations/response": "response",
    "observations / response": "response", "author response": "response",
    "observations of the secretariat": "response",
}
TYPES = {"ge": "ge", "general": "ge", "te": "te", "technical": "te", "ed": "ed",
         "editorial": "ed"}


MAX_ROWS = 20_000  # a consultation's comments; a million-row sheet is not one


def _header(value: object) -> str:
    text = re.sub(r"[\s_]+", " ", str(value or "")).strip().lower().rstrip(".:*")
    return text


def _rows_xlsx(path: Path, display: str) -> list[tuple[int, list[object]]]:
    open_office_zip(path, display, "Excel", "xl/workbook.xml").close()
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise refuse(display, f"not a readable Excel file: {exc}") from None
    try:
        sheets = list(workbook.worksheets)
        chosen = None
        for sheet in sheets:
            for row in sheet.iter_rows(min_row=1, max_row=5, values_only=True):
                if any(COLUMNS.get(_header(cell)) == "comment" for cell in row):
                    chosen = sheet
                    break
            if chosen is not None:
                break
        chosen = chosen or (sheets[0] if sheets else None)
        if chosen is None:
            return []
        rows = [(index, list(row)) for index, row in
                enumerate(chosen.iter_rows(values_only=True, max_row=MAX_ROWS + 1), start=1)]
        if len(rows) > MAX_ROWS:  # read in streaming mode, so a huge sheet stops here
            raise refuse(display, f"more than {MAX_ROWS} rows: split the sheet")
        return rows
    finally:
        workbook.close()


def decode_csv(raw: bytes) -> str:
    """The text of a CSV as spreadsheet programs save it.

    UTF-8 (with or without the byte-order mark Excel writes) first; anything that is not
    UTF-8 is Windows-1252, as older Excel saves "CSV (Comma delimited)", with the five
    bytes that code page leaves undefined kept as their Latin-1 characters, not lost.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1").translate(_CP1252)


#: Latin-1 code points 0x80-0x9F to the characters Windows-1252 puts there.
_CP1252 = {b: bytes([b]).decode("cp1252") for b in range(0x80, 0xA0)
           if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def csv_delimiter(text: str) -> str:
    """``,``, ``;`` or tab: whichever separates the header row (outside quotes).

    The header is the one row we know the shape of; ``csv.Sniffer`` also guesses the
    quoting, and guesses Excel's doubled quotes (``""victim""``) wrong, so it is not used.
    """
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            if any(counts.values()):
                break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] else ","


def _rows_csv(path: Path, display: str) -> list[tuple[int, list[object]]]:
    check_size(path, display)
    text = decode_csv(path.read_bytes())
    if "\0" in text:
        raise refuse(display, "not a CSV file (binary content)")
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))  # no comment is too long
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text),
                        quotechar='"', doublequote=True, strict=False)
    rows: list[tuple[int, list[object]]] = []
    line = 1
    try:
        for row in reader:
            rows.append((line, list(row)))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise refuse(display, f"malformed CSV at line {line}: {exc}") from None
    return rows


def _cell(row: list[object], index: int | None) -> str:
    if index is None or index >= len(row) or row[index] is None:
        return ""
    value = row[index]
    value = getattr(value, "text", value)  # an array formula: its text
    if isinstance(value, str) and value.startswith(("=+", "=-", "=@")):
        value = value[1:]  # typed "-word" or "+word": the sheet made it a formula
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _chapter_rel(value: str, round_text: RoundText) -> str | None:
    """A chapter named as a file, a page, a title or a nav title."""
    wanted = fold(value).lower()
    if not wanted:
        return None
    nav_titles = {f"{round_text.manuscript.manifest.docs_dir}/{e.file}": (e.title or "")
                  for e in round_text.manuscript.manifest.nav}
    for chapter in round_text.corpus.chapters:
        stem = Path(chapter.rel).stem
        titles = [h[0].lower() for h in chapter.headings()[:1]]
        names = {chapter.rel.lower(), Path(chapter.rel).name.lower(), stem.lower(),
                 fold(nav_titles.get(chapter.rel, "")).lower(), *titles}
        if wanted in names or slugify(wanted) == slugify(stem):
            return chapter.rel
    return None


def read(path: Path, display: str, round_text: RoundText) -> list[Marked]:
    rows = _rows_xlsx(path, display) if path.suffix.lower() == ".xlsx" else \
        _rows_csv(path, display)
    rows = [(line, row) for line, row in rows if any(_cell(row, i) for i in range(len(row)))]
    if not rows:
        raise refuse(display, "no rows: the template is empty")
    header_line, header = rows[0]
    columns: dict[str, int] = {}
    problems: list[Problem] = []
    for index, value in enumerate(header):
        name = _header(value)
        if not name:
            continue
        known = COLUMNS.get(name)
        if known is None:
            problems.append(Problem(display, header_line, f"unknown column {str(value)!r}; "
                                    "expected reviewer, chapter, paragraph, type, comment, "
                                    "proposed change (and observations/response)"))
        elif known in columns:
            problems.append(Problem(display, header_line, f"column {str(value)!r} twice"))
        else:
            columns[known] = index
    if "comment" not in columns and "proposed" not in columns:
        problems.append(Problem(display, header_line, "no 'comment' column: is this the "
                                "comment template?"))
    if problems:
        raise InputError(problems)

    items: list[Marked] = []
    for line, row in rows[1:]:
        comment = _cell(row, columns.get("comment"))
        proposed = _cell(row, columns.get("proposed"))
        if not comment and not proposed:
            continue
        notes: list[str] = []
        kind_value = _cell(row, columns.get("type"))
        ctype = TYPES.get(kind_value.lower() or "ge")
        if ctype is None:
            notes.append(f"type {kind_value!r} is not ge, te or ed: filed as ge")
            ctype = "ge"
        target = _row_target(_cell(row, columns.get("chapter")),
                             _cell(row, columns.get("paragraph")), round_text, notes)
        reviewer_value = _cell(row, columns.get("reviewer"))
        items.append(Marked(
            native_id=f"row-{line}", kind="comment", target=target, type=ctype,
            body=comment or None, proposed=proposed or None,
            author=reviewer_value or None,
            reviewer_name=reviewer_value or None,
            warning=f"row {line}: " + "; ".join(notes) if notes else None, line=line))
    return items


def _row_target(chapter_value: str, number_value: str, round_text: RoundText,
                notes: list[str]):
    """Where a row points: its paragraph, else its chapter, else nowhere.

    A chapter or paragraph that does not exist is noted (the caller warns, naming the
    row) and the row is kept with what could be placed: a comment someone wrote is never
    refused or dropped for a wrong locator.
    """
    rel = _chapter_rel(chapter_value, round_text) if chapter_value else None
    if chapter_value and rel is None:
        notes.append(f"no chapter {chapter_value!r} in the report: kept unanchored")
    paragraph = None
    if number_value:
        digits = re.sub(r"^(?:para(?:graph)?\.?\s*|¶\s*|\[)", "", number_value,
                        flags=re.I).rstrip("]").strip()
        if not digits.isdigit():
            notes.append(f"paragraph {number_value!r} is not a number: kept unanchored")
        else:
            paragraph = round_text.paragraph(int(digits))
            if paragraph is None:
                notes.append(f"no paragraph {digits} (the pack numbers 1 to "
                             f"{len(round_text.paragraphs)}): kept unanchored")
    if paragraph is not None:
        chapter = round_text.chapter(paragraph.chapter)
        _rel, a, b = round_text.region(paragraph)
        return round_text.target(Found(chapter, a, b, "text", 100.0))
    return round_text.unlocated("", rel=rel)


def pack_identity(path: Path, display: str) -> tuple[str | None, str | None]:
    """(round, reviewer) a comment form's properties name (the pack's copies do)."""
    if path.suffix.lower() != ".xlsx":
        return None, None
    from report.review.importers.safety import core_description
    from report.review.pack import read_mark

    return read_mark(core_description(path, display, "Excel", "xl/workbook.xml"))
