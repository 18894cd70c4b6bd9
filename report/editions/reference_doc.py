"""The Word edition's reference document: pandoc's default, restyled like the report.

pandoc takes styles, page set-up, headers and footers from a "reference docx". We build
it by code for every build rather than keeping a binary in git: it starts from pandoc's
own default (so every style name pandoc writes exists), then python-docx gives it the
report's look: Open Sans (with Arial named as the fallback Word should substitute on a
machine without it), headings in the report's blue, the paragraph styles the Lua
filters name with ``custom-style`` (Recommendation, Case Study, Key Findings, Draft) and
the Word edition adds (Quote, Verso, the contents list's TOC 1 and TOC 2), references
with a hanging indent, language en-GB, the partners' names in the footer and, in a
draft, the draft stamp in the header of every page.
"""

from __future__ import annotations

import datetime as dt
import functools
import io

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph
from lxml import etree

from report.editions import package
from report.editions.pandoc_writer import repack
from report.render import pandoc

FONT = "Open Sans"
FALLBACK_FONT = "Arial"
OPEN_SANS_PANOSE = "020B0606030504020204"
ACCENT = "1D4E89"
BOX = "EEF3F9"
DRAFT = "8A3B12"
MUTED = "4A4A4A"
REFERENCE_DATE = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)  # the same report, the same bytes

# The order of a paragraph's properties in WordprocessingML (Word rejects other orders).
_PPR_ORDER = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr",
              "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd",
              "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
              "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
              "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
              "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
              "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
              "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_RPR_ORDER = ("w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps",
              "w:smallCaps", "w:strike", "w:dstrike", "w:outline", "w:shadow", "w:emboss",
              "w:imprint", "w:noProof", "w:snapToGrid", "w:vanish", "w:webHidden",
              "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz", "w:szCs",
              "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText",
              "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
              "w:specVanish", "w:oMath")

# The report's boxed blocks: name, border (sides, style, eighths of a point, colour),
# shading; the PDFs draw the same boxes (paged.css). The Word edition draws each as a
# one-cell table (report.editions.docx_parts); the style of the same name is the look of
# the paragraphs inside.
BOXES = {
    "Recommendation": {"sides": ("left",), "line": "single", "size": 24, "colour": ACCENT,
                       "fill": BOX},
    "Case Study": {"sides": ("top", "left", "bottom", "right"), "line": "single", "size": 6,
                   "colour": ACCENT, "fill": None},
    "Key Findings": {"sides": ("top", "left", "bottom", "right"), "line": "single",
                     "size": 6, "colour": ACCENT, "fill": BOX},
    "Draft": {"sides": ("top", "left", "bottom", "right"), "line": "dashed", "size": 6,
              "colour": DRAFT, "fill": None},
    "Quote": {"sides": ("left",), "line": "single", "size": 16, "colour": MUTED, "fill": None},
}
TEXT_WIDTH_TWIPS = round((210 - 22 - 20) / 25.4 * 1440)  # A4 less the margins below


@functools.cache
def pandoc_default() -> bytes:
    """pandoc's own reference.docx, whose style names its docx writer uses."""
    return pandoc.run(["--print-default-data-file", "reference.docx"]).stdout


def _place(parent, element, order: tuple[str, ...]) -> None:
    """Put ``element`` into ``parent`` where the schema's order wants it, replacing any."""
    tag = element.tag
    for old in parent.findall(tag):
        parent.remove(old)
    names = [qn(name) for name in order]
    later = names[names.index(tag) + 1:] if tag in names else []
    for child in parent:
        if child.tag in later:
            child.addprevious(element)
            return
    parent.append(element)


def _element(name: str, **attributes: str):
    element = OxmlElement(name)
    for key, value in attributes.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _fonts(rpr, name: str = FONT) -> None:
    """Name the font outright: theme font attributes would win over a plain name."""
    _place(rpr, _element("w:rFonts", ascii=name, hAnsi=name, cs=name, eastAsia=name),
           _RPR_ORDER)


def _colour(rpr, rgb: str) -> None:
    _place(rpr, _element("w:color", val=rgb), _RPR_ORDER)


def _size(rpr, points: float) -> None:
    half_points = str(round(points * 2))
    _place(rpr, _element("w:sz", val=half_points), _RPR_ORDER)
    _place(rpr, _element("w:szCs", val=half_points), _RPR_ORDER)


def _rpr(style: BaseStyle):
    return style.element.get_or_add_rPr()


def _defaults(styles) -> None:
    """Document defaults: Open Sans 10.5 pt, British English for spelling and hyphens."""
    root = styles.element
    rpr = root.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    _fonts(rpr)
    _size(rpr, 10.5)
    _place(rpr, _element("w:lang", val="en-GB", eastAsia="en-GB", bidi="ar-SA"), _RPR_ORDER)


def _headings(styles) -> None:
    sizes = {"Title": 28, "Subtitle": 16, "Heading 1": 22, "Heading 2": 14, "Heading 3": 11.5,
             "Heading 4": 10.5, "TOC Heading": 16}
    for name, points in sizes.items():
        try:
            style = styles[name]
        except KeyError:
            continue
        rpr = _rpr(style)
        _fonts(rpr)
        _colour(rpr, ACCENT if name != "Subtitle" else MUTED)
        _size(rpr, points)
        if name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
            style.font.bold = True
        style.font.italic = False
        if name in ("Title", "Subtitle"):
            style.paragraph_format.alignment = 0  # left, as on the PDF's title page
    # Every chapter starts on a new page, as in the PDFs.
    styles["Heading 1"].paragraph_format.page_break_before = True
    styles["Heading 1"].paragraph_format.space_after = Pt(18)


def _character_styles(styles) -> None:
    for name, rgb in (("Hyperlink", ACCENT),):
        try:
            _colour(_rpr(styles[name]), rgb)
        except KeyError:
            continue
    for name, points in (("Footnote Text", 8.5), ("Image Caption", 9), ("Table Caption", 9)):
        try:
            _size(_rpr(styles[name]), points)
        except KeyError:
            continue


def _paragraph_style(styles, name: str, base: str = "Body Text"):
    """The named paragraph style, added (based on ``base``) when pandoc's default lacks it."""
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles[base]
    return style


def _box_style(styles, name: str) -> None:
    """The paragraphs inside a box: the table around them draws the border and shading."""
    style = _paragraph_style(styles, name)
    style.quick_style = True
    fmt = style.paragraph_format
    fmt.space_before = Pt(3)
    fmt.space_after = Pt(3)


def _front_matter_styles(styles) -> None:
    """The title verso's small type, and the contents list (which Word's TOC field keeps
    using when it updates): level 1 bold, level 2 indented, page numbers on a dotted tab."""
    verso = _paragraph_style(styles, "Verso")
    verso.font.size = Pt(9)
    verso.font.color.rgb = RGBColor.from_string(MUTED)
    verso.paragraph_format.space_after = Pt(6)
    styles["TOC Heading"].paragraph_format.page_break_before = True
    for level, indent, bold in ((1, 0, True), (2, 5, False)):
        style = _paragraph_style(styles, f"toc {level}", "Normal")
        style.element.set(qn("w:styleId"), f"TOC{level}")
        style.font.bold = bold
        fmt = style.paragraph_format
        fmt.left_indent = Mm(indent)
        fmt.space_before = Pt(6 if level == 1 else 0)
        fmt.space_after = Pt(2)
        ppr = style.element.get_or_add_pPr()
        tabs = OxmlElement("w:tabs")
        tabs.append(_element("w:tab", val="right", leader="dot", pos=str(TEXT_WIDTH_TWIPS)))
        _place(ppr, tabs, _PPR_ORDER)


def _references(styles) -> None:
    """References with a hanging indent, as in the PDFs."""
    try:
        style = styles["Bibliography"]
    except KeyError:
        return
    style.paragraph_format.left_indent = Mm(7.5)
    style.paragraph_format.first_line_indent = Mm(-7.5)
    style.paragraph_format.space_after = Pt(4)


def _field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A simple field (PAGE): Word fills it in on every page."""
    field = _element("w:fldSimple", instr=instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = placeholder
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _page_styles(styles) -> None:
    """The header and footer styles python-docx names, which pandoc's default lacks."""
    for name in ("Header", "Footer"):
        try:
            styles[name]
        except KeyError:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.style_id = name  # python-docx's header paragraphs name "Header", not "header"
            style.base_style = styles["Normal"]
            style.paragraph_format.space_after = Pt(0)


def _header_and_footer(document, title: str, partners: list[str], stamp: str | None) -> None:
    section = document.sections[-1]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(22), Mm(24)
    section.left_margin, section.right_margin = Mm(22), Mm(20)
    section.header_distance, section.footer_distance, section.gutter = Mm(10), Mm(10), Mm(0)
    text_width = section.page_width - section.left_margin - section.right_margin

    header = section.header
    header.is_linked_to_previous = False
    paragraph = header.paragraphs[0]
    paragraph.alignment = 1  # centred, as the PDFs' stamp
    run = paragraph.add_run(stamp or title)
    run.font.size = Pt(7.5 if stamp else 8.5)
    run.font.name = FONT
    if stamp:
        run.font.bold = True
        run.font.color.rgb = RGBColor.from_string(DRAFT)
    else:
        run.font.italic = True
        run.font.color.rgb = RGBColor.from_string(MUTED)

    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.paragraph_format.tab_stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT)
    if partners:
        run = paragraph.add_run(" · ".join(partners))
        run.font.size = Pt(8.5)
        run.font.color.rgb = RGBColor.from_string(MUTED)
    paragraph.add_run("\t")
    _field(paragraph, "PAGE", "1")


_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _theme_fonts(root: etree._Element) -> None:
    for latin in root.iter(f"{_A}latin"):
        latin.set("typeface", FONT)
        latin.set("panose", OPEN_SANS_PANOSE)


def _font_table(root: etree._Element) -> None:
    """Declare Open Sans with Arial as the font Word should use where it is missing."""
    for old in root.findall(f"{_W}font[@{_W}name='{FONT}']"):
        root.remove(old)
    font = etree.SubElement(root, f"{_W}font", {f"{_W}name": FONT})
    for tag, value in (("altName", FALLBACK_FONT), ("panose1", OPEN_SANS_PANOSE),
                       ("charset", "00"), ("family", "swiss"), ("pitch", "variable")):
        etree.SubElement(font, f"{_W}{tag}", {f"{_W}val": value})


def reference_docx(title: str, partners: list[str], stamp: str | None) -> bytes:
    """The reference document for one build; ``stamp`` is given for a draft only."""
    document = docx.Document(io.BytesIO(pandoc_default()))
    styles = document.styles
    _defaults(styles)
    _headings(styles)
    _character_styles(styles)
    for name in BOXES:
        _box_style(styles, name)
    _front_matter_styles(styles)
    _references(styles)
    draft_style = styles["Draft"]
    draft_style.font.color.rgb = RGBColor.from_string(DRAFT)
    _page_styles(styles)
    _header_and_footer(document, title, partners, stamp)
    buffer = io.BytesIO()
    document.save(buffer)
    # python-docx does not model themes or font tables; a fixed date: the same report
    # gives the same reference document.
    data = buffer.getvalue()
    return repack(data, REFERENCE_DATE, changed=package.edited(data, {
        "word/theme/theme1.xml": package.xml_edit(_theme_fonts),
        "word/fontTable.xml": package.xml_edit(_font_table),
    }))
