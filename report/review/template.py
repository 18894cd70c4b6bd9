"""The comment template: a spreadsheet shaped on the ISO/IEC comment form.

Many consultees (police, social workers, NGO staff) are used to commenting on drafts in
a comment form rather than in the document. The columns follow the ISO/IEC template
(locator, type of comment, comment, proposed change, observations), with the paragraph
numbers printed in the review pack as the locator. Data validation catches the usual
slips at the reviewer's desk rather than at import: a paragraph number that does not
exist, a type other than ge/te/ed, a chapter name typed differently.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from report.outputs import atomic_path

COMMENTS_SHEET = "Comments"
INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Lists"
#: Header row of the Comments sheet, in order; the importer reads these names.
COLUMNS = ("Reviewer", "Chapter", "Paragraph", "Type", "Comment", "Proposed change",
           "Observations / response")
TYPES = ("ge", "te", "ed")
TYPE_NAMES = {"ge": "general", "te": "technical (facts, evidence, law, practice)",
              "ed": "editorial (wording, spelling, layout)"}
_WIDTHS = (22, 34, 11, 8, 60, 50, 40)
ROWS = 500


def instructions_lines(round_name: str, paragraphs: int, deadline: str | None) -> list[str]:
    by = f" by {deadline}" if deadline else ""
    return [
        f"Comment form for review round {round_name}",
        "",
        "One row per comment. Please return this file" + by + ".",
        "Reviewer: your name (it is not published; comments are never attributed in "
        "the report).",
        "Chapter: pick the chapter from the list.",
        f"Paragraph: the number printed in the margin of the draft (1 to {paragraphs}).",
        "Type: ge = " + TYPE_NAMES["ge"] + "; te = " + TYPE_NAMES["te"] + "; ed = "
        + TYPE_NAMES["ed"] + ".",
        "Comment: what you think and why.",
        "Proposed change: the wording you suggest, if any.",
        "Observations / response: leave blank; the author fills this in.",
    ]


def build_template(target: Path, *, round_name: str, paragraphs: int, chapters: list[str],
                   deadline: str | None = None, reviewer: str | None = None) -> Path:
    """Write the template to ``target`` (atomically) and return it.

    ``reviewer``: the invited reviewer this copy is for, named in its properties (as the
    Word and PDF copies are), so that a form returned with the Reviewer column blank is
    still filed under them.
    """
    from report.review.pack import pack_mark

    book = Workbook()
    sheet = book.active
    sheet.title = COMMENTS_SHEET
    sheet.append(list(COLUMNS))
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    author_fill = PatternFill("solid", fgColor="EEEEEE")
    for index, width in enumerate(_WIDTHS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = width
    response_letter = sheet.cell(row=1, column=len(COLUMNS)).column_letter
    for row in range(2, ROWS + 2):
        sheet[f"{response_letter}{row}"].fill = author_fill
        for letter in ("E", "F", response_letter):
            sheet[f"{letter}{row}"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"

    lists = book.create_sheet(LISTS_SHEET)
    for index, title in enumerate(chapters, start=1):
        lists.cell(row=index, column=1, value=title)
    lists.sheet_state = "hidden"

    last = ROWS + 1
    kinds = DataValidation(type="list", formula1='"' + ",".join(TYPES) + '"',
                           allow_blank=True, showErrorMessage=True,
                           errorTitle="Type of comment", error="Use ge, te or ed.")
    kinds.add(f"D2:D{last}")
    numbers = DataValidation(type="whole", operator="between", formula1="1",
                             formula2=str(max(paragraphs, 1)), allow_blank=True,
                             showErrorMessage=True, errorTitle="Paragraph number",
                             error=f"A paragraph number from 1 to {paragraphs}.")
    numbers.add(f"C2:C{last}")
    chapter_list = DataValidation(type="list", formula1=f"={LISTS_SHEET}!$A$1:$A$"
                                  f"{max(len(chapters), 1)}", allow_blank=True,
                                  showErrorMessage=True, errorTitle="Chapter",
                                  error="Pick a chapter from the list.")
    chapter_list.add(f"B2:B{last}")
    for validation in (kinds, numbers, chapter_list):
        sheet.add_data_validation(validation)

    help_sheet = book.create_sheet(INSTRUCTIONS_SHEET, 1)
    help_sheet.column_dimensions["A"].width = 110
    for line in instructions_lines(round_name, paragraphs, deadline):
        help_sheet.append([line])
    help_sheet["A1"].font = Font(bold=True, size=13)

    book.properties.title = f"Comment form, review round {round_name}"
    book.properties.keywords = f"report-review-round:{round_name}"
    book.properties.description = pack_mark(round_name, reviewer)
    with atomic_path(target) as tmp:
        book.save(tmp)
    return target
