"""Preflight of the printer's files (PRINT codes): what a printer's prepress would send
back, checked on the built print PDF and cover, as ``report check --built`` and the
release gate see them.

PRINT001 no room for marks outside the bleed (MediaBox ⊄ beyond BleedBox), or the
         bleed is not 3 mm (marks would print over a bled background)
PRINT002 a page without TrimBox or BleedBox, or a BleedBox that does not hold the TrimBox
PRINT003 PDF/X claimed without an output intent (an ICC profile of the printing condition)
PRINT004 a font not embedded
PRINT005 RGB colour in a file that claims CMYK (a CMYK output intent or PDF/X)
PRINT006 a URL hyphenated at a line end (a hyphen the URL does not have)
PRINT007 a chapter's last page with fewer than :data:`SHORT_PAGE` lines of text before a
         blank page (a chapter that fits on its opening page is not a runt)
PRINT008 a heading or a box label stranded at the foot of a page

Text and type sizes come from PDFium (pypdfium2), boxes and colour from pikepdf: the
built file, not the HTML, is what the printer gets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from report.checks.built import _finding, _unembedded_fonts
from report.checks.findings import Finding

MM = 72 / 25.4
MARK_ROOM = 5 * MM          # the least slug outside the bleed that holds a crop mark
BLEED = 3 * MM
SHORT_PAGE = 5              # a chapter's last page before a blank needs more lines than this
# Body text area: inside the running head and folio margins of paged.css (22/24 mm).
BODY_TOP, BODY_BOTTOM = 20 * MM, 20 * MM
# A box's label or a draft label: the first line of a box, set on a line of its own.
LABEL = re.compile(r"^(Recommendation \d+ \(to: .*\)|Case study \d+(: .*)?|Key findings|"
                   r"Draft text to be confirmed.*)$")
URL_START = re.compile(r"(https?://|www\.|\b[a-z0-9-]+\.(?:gov|org|ac|co|com|net)\b)\S*$",
                       re.IGNORECASE)
URL_PART = re.compile(r"\w[./]\w")  # a fragment of a URL: a dot or slash inside
RGB_OPERATORS = {"rg", "RG"}
SOFT_HYPHEN = "\x02"        # PDFium's mark for a hyphen at a line break


@dataclass
class Line:
    text: str
    top: float      # distance from the trim's top edge, pt
    size: float     # the largest font size on the line (PDFium units)
    weight: int     # the smallest font weight on the line


def preflight_findings(path: Path | str, display: str | None = None) -> list[Finding]:
    """Every PRINT finding on a print PDF (the inside pages or the cover)."""
    path = Path(path)
    shown = display or str(path)
    try:
        pdf = pikepdf.open(path)
    except (pikepdf.PdfError, OSError) as exc:
        return [_finding(shown, "PRINT002", "error", f"cannot read the PDF: {exc}")]
    findings: list[Finding] = []

    def add(code: str, message: str, suggestion: str) -> None:
        findings.append(_finding(shown, code, "error", message, suggestion))

    with pdf:
        _boxes(pdf, add)
        claims_x = _claims_pdfx(pdf)
        intent_n = _output_intent_components(pdf)
        if claims_x and intent_n is None:
            add("PRINT003", "the file claims PDF/X but has no output intent",
                "name the printer's profile (extra.print_profile) or build the toolkit's")
        for name in _unembedded_fonts(pdf):
            add("PRINT004", f"font not embedded: {name}", "embed every font")
        if claims_x or intent_n == 4:
            for page_number, what in _rgb_uses(pdf):
                add("PRINT005", f"page {page_number}: RGB colour ({what}) in a file that "
                    "claims CMYK", "define the colour in CMYK (device-cmyk) for print")
        uris = _link_uris(pdf)
    pages = text_lines(path)
    for number, lines in enumerate(pages, 1):
        for index, line in enumerate(lines[:-1]):
            broken = _hyphenated_url(line.text, lines[index + 1].text, uris)
            if broken:
                add("PRINT006", f"page {number}: URL hyphenated at a line end: {broken}",
                    "URLs break after / . or - only, with no hyphen (paged.css: a.url)")
        size = _body_size(pages)
        body = [line for line in lines if line.size >= size * 0.9]
        opener = any(line.size >= size * 1.6 for line in lines)  # a chapter's own title
        if number < len(pages) and lines and not pages[number] and len(body) < SHORT_PAGE \
                and not opener:
            add("PRINT007", f"page {number}: {len(body)} line(s) of text before a blank page",
                "tighten or loosen the chapter so its last page holds more, or fewer, lines")
        if body and number < len(pages) and _stranded(body[-1], size):
            add("PRINT008", f"page {number}: {body[-1].text!r} stranded at the foot of the "
                "page", "keep headings and labels with what follows (break-after: avoid)")
    return findings


def _link_uris(pdf: pikepdf.Pdf) -> list[str]:
    uris: set[str] = set()
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            if isinstance(action, pikepdf.Dictionary) and "/URI" in action:
                uris.add(str(action.URI))
    return sorted(uris)


def _hyphenated_url(line: str, following: str, uris: list[str]) -> str | None:
    """The URL as broken, when ``line`` ends in a hyphen the URL does not have: the links'
    targets say whether "legisla-" + "tion" is "legislation" (a hyphen added) or a real
    hyphen. A URL with no link is judged by its look: a hyphen after a URL fragment that
    the next line continues in lower case."""
    if not line.endswith("-") or not following:
        return None
    tail, head = line.split()[-1], following.split()[0]
    if not (URL_START.search(tail) or URL_PART.search(tail)):
        return None
    left, right = tail[:-1], head.rstrip("-.,;)")
    if uris:
        if any(left + "-" + right in uri for uri in uris):
            return None
        return f"{tail} {head}" if any(left + right in uri for uri in uris) else None
    if head[:1].islower() and not left.endswith(("/", ".", "-")):
        return f"{tail} {head}"
    return None


def _boxes(pdf: pikepdf.Pdf, add) -> None:
    missing: list[int] = []
    no_room: list[int] = []
    for number, page in enumerate(pdf.pages, 1):
        obj = page.obj
        if "/TrimBox" not in obj or "/BleedBox" not in obj:
            missing.append(number)
            continue
        media = [float(v) for v in obj.MediaBox]
        bleed = [float(v) for v in obj.BleedBox]
        trim = [float(v) for v in obj.TrimBox]
        holds = (bleed[0] <= trim[0] and bleed[1] <= trim[1] and bleed[2] >= trim[2]
                 and bleed[3] >= trim[3])
        if not holds:
            missing.append(number)
            continue
        room = min(bleed[0] - media[0], bleed[1] - media[1], media[2] - bleed[2],
                   media[3] - bleed[3])
        bled = min(trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2],
                   bleed[3] - trim[3])
        if room < MARK_ROOM or bled < BLEED - 0.1:
            no_room.append(number)
    if missing:
        add("PRINT002", f"{len(missing)} page(s) without TrimBox and BleedBox, first page "
            f"{missing[0]}", "lay out the print edition with bleed (print.css)")
    if no_room:
        add("PRINT001", f"{len(no_room)} page(s) with no room outside the 3 mm bleed for "
            f"crop marks, first page {no_room[0]}: marks would print in the bleed",
            "draw marks on a sheet larger than the bleed (report.editions.printed)")


def _claims_pdfx(pdf: pikepdf.Pdf) -> bool:
    info = pdf.docinfo if pdf.docinfo is not None else {}
    if "/GTS_PDFXVersion" in info:
        return True
    metadata = pdf.Root.get("/Metadata")
    return metadata is not None and b"GTS_PDFXVersion" in metadata.read_bytes()


def _output_intent_components(pdf: pikepdf.Pdf) -> int | None:
    """The number of colour components of the output intent's profile (4 for CMYK)."""
    for intent in pdf.Root.get("/OutputIntents", []):
        profile = intent.get("/DestOutputProfile")
        if isinstance(profile, pikepdf.Stream):
            return int(profile.get("/N", 0)) or None
    return None


def _is_rgb_space(space) -> bool:
    if isinstance(space, pikepdf.Name):
        return space == pikepdf.Name.DeviceRGB
    if isinstance(space, pikepdf.Array) and len(space):
        if space[0] == pikepdf.Name.ICCBased:
            return int(space[1].get("/N", 0)) == 3
        if space[0] == pikepdf.Name.Indexed:
            return _is_rgb_space(space[1])
    return False


def _rgb_uses(pdf: pikepdf.Pdf) -> list[tuple[int, str]]:
    """(page, what) for each page drawing in RGB: operators, colour spaces, images."""
    found: list[tuple[int, str]] = []
    seen: set[tuple[int, int]] = set()

    def scan(container, resources, number: int) -> None:
        kinds: set[str] = set()
        spaces = resources.get("/ColorSpace", {}) if resources is not None else {}
        rgb_names = {str(name) for name, space in spaces.items() if _is_rgb_space(space)}
        for operands, operator in pikepdf.parse_content_stream(container):
            op = str(operator)
            if op in RGB_OPERATORS:
                kinds.add(f"{op} operator")
            elif op in ("cs", "CS") and operands and (
                    str(operands[0]) in rgb_names or operands[0] == pikepdf.Name.DeviceRGB):
                kinds.add(f"{operands[0]} colour space")
        for name, xobject in (resources.get("/XObject", {}) if resources is not None
                              else {}).items():
            if xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
            if xobject.get("/Subtype") == pikepdf.Name.Image:
                if _is_rgb_space(xobject.get("/ColorSpace")):
                    kinds.add(f"RGB image {name}")
            elif xobject.get("/Subtype") == pikepdf.Name.Form:
                scan(xobject, xobject.get("/Resources"), number)
        found.extend((number, kind) for kind in sorted(kinds))

    for number, page in enumerate(pdf.pages, 1):
        scan(page, page.obj.get("/Resources"), number)
    # One finding per kind of use, with its first page: enough to find and fix it.
    first: dict[str, int] = {}
    for number, kind in found:
        first.setdefault(kind, number)
    return [(number, kind) for kind, number in first.items()]


def text_lines(path: Path) -> list[list[Line]]:
    """Each page's lines of text inside the body area (no running head, folio or stamp)."""
    document = pdfium.PdfDocument(str(path))
    try:
        return [_page_lines(page) for page in document]
    finally:
        document.close()


def _page_lines(page) -> list[Line]:
    trim = page.get_trimbox()
    top_limit, bottom_limit = trim[3] - BODY_TOP, trim[1] + BODY_BOTTOM
    textpage = page.get_textpage()
    lines: list[Line] = []
    # One line's characters: (char, size, weight, top of its box)
    current: list[tuple[str, float, int, float]] = []

    def flush() -> None:
        text = "".join(char for char, *_ in current).strip()
        inked = [entry for entry in current if not entry[0].isspace()]
        tops = [entry[3] for entry in inked]
        if text and tops and bottom_limit < min(tops) and max(tops) < top_limit:
            lines.append(Line(text, trim[3] - max(tops), max(e[1] for e in inked),
                              min(e[2] for e in inked)))
        current.clear()

    for index in range(textpage.count_chars()):
        code = pdfium_raw.FPDFText_GetUnicode(textpage, index)
        char = chr(code) if code else ""
        if char in ("\r", "\n"):
            flush()
            continue
        line_end = char == SOFT_HYPHEN  # PDFium joins a hyphenated line to the next
        current.append(("-" if line_end or char == "\u2010" else char,
                        pdfium_raw.FPDFText_GetFontSize(textpage, index),
                        pdfium_raw.FPDFText_GetFontWeight(textpage, index),
                        textpage.get_charbox(index)[3]))
        if line_end:
            flush()
    flush()
    textpage.close()
    page.close()
    return lines


def _body_size(pages: list[list[Line]]) -> float:
    """The most common type size: the body text's."""
    counts: dict[float, int] = {}
    for lines in pages:
        for line in lines:
            size = round(line.size, 1)
            counts[size] = counts.get(size, 0) + 1
    return max(counts, key=counts.get) if counts else 0.0


def _stranded(line: Line, body: float) -> bool:
    """A heading (larger, or bold and short) or a box label as the last line of a page."""
    if LABEL.match(line.text):
        return True
    return line.size > body * 1.04 and len(line.text) < 90 or (
        line.weight >= 600 and len(line.text) < 60 and not line.text.endswith((".", ",", ";")))
