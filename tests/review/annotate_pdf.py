"""Annotate a pack PDF the ways PDF viewers do (the fixtures of test_import_pdf.py).

Each variant writes annotations with a real PDF library, in the shape a family of viewers
writes them (ISO 32000-1, 12.5.6):

- ``pdfium``: through PDFium's own annotation API (pypdfium2's raw ``FPDFAnnot_*``
  calls): PDFium is the PDF engine of Chrome and Edge, and writes their highlights and
  notes. Highlight and Text with ``/Contents`` and ``/T``.
- ``acrobat``: dictionaries as Acrobat Reader and Foxit write them (pikepdf): ``/NM``
  ids, ``/CreationDate`` and ``/M``, a ``/Popup`` per note, replies with ``/IRT``, review
  states (``/StateModel /Review``, ``/State /Accepted``), "replace text" as a StrikeOut
  with a Caret grouped to it (``/RT /Group``), "insert text" as a lone Caret.
- ``preview-okular``: Underline and Squiggly (Preview's and Okular's underline tools),
  a FreeText box whose text is only in ``/RC`` rich text, dates without a time zone.

Positions come from the PDF's own text (PDFium's search and character boxes), so every
quad covers the words it names, as a viewer's selection does.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import pikepdf
import pypdfium2
import pypdfium2.raw as raw


def phrase_quads(path: Path, phrase: str) -> tuple[int, list[float]]:
    """(page index, QuadPoints) covering ``phrase``, one quad per line it spans."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        for index in range(len(document)):
            text = document[index].get_textpage()
            searcher = text.search(phrase, match_case=True)
            hit = searcher.get_next()
            if hit is None:
                continue
            start, count = hit
            lines: list[list[float]] = []
            for i in range(start, start + count):
                left, bottom, right, top = text.get_charbox(i)
                if right <= left:
                    continue
                if lines and lines[-1][1] - 4 < bottom < lines[-1][3] and top > lines[-1][1]:
                    line = lines[-1]  # same line: overlaps it vertically
                    line[0], line[2] = min(line[0], left), max(line[2], right)
                    line[1], line[3] = min(line[1], bottom), max(line[3], top)
                else:
                    lines.append([left, bottom, right, top])
            quads: list[float] = []
            for left, bottom, right, top in lines:
                quads += [left, top, right, top, left, bottom, right, bottom]
            return index, quads
    finally:
        document.close()
    raise ValueError(f"{phrase!r} is not in {path}")


def _box(quads: list[float]) -> list[float]:
    xs, ys = quads[0::2], quads[1::2]
    return [min(xs), min(ys), max(xs), max(ys)]


def pdfium_variant(pack: Path, out: Path, marks: list[dict]) -> Path:
    """Highlights and notes through PDFium's annotation API (Chrome, Edge)."""
    document = pypdfium2.PdfDocument(str(pack))
    for mark in marks:
        page_index, quads = phrase_quads(pack, mark["phrase"])
        page = document[page_index]
        subtype = raw.FPDF_ANNOT_HIGHLIGHT if mark["kind"] == "highlight" else \
            raw.FPDF_ANNOT_TEXT
        annot = raw.FPDFPage_CreateAnnot(page, subtype)
        left, bottom, right, top = _box(quads)
        if mark["kind"] == "highlight":
            for i in range(0, len(quads), 8):
                q = quads[i:i + 8]
                points = raw.FS_QUADPOINTSF(*q)
                raw.FPDFAnnot_AppendAttachmentPoints(annot, ctypes.byref(points))
            rect = raw.FS_RECTF(left, top, right, bottom)
        else:
            rect = raw.FS_RECTF(right + 4, top, right + 24, top - 20)
        raw.FPDFAnnot_SetRect(annot, ctypes.byref(rect))
        for key, value in (("Contents", mark["text"]), ("T", mark["author"])):
            encoded = (value + "\0").encode("utf-16-le")
            raw.FPDFAnnot_SetStringValue(annot, key.encode(), ctypes.cast(
                ctypes.create_string_buffer(encoded), ctypes.POINTER(raw.FPDF_WCHAR)))
        raw.FPDFPage_CloseAnnot(annot)
        raw.FPDFPage_GenerateContent(page)
    document.save(str(out))
    document.close()
    return out


def _annotation(pdf: pikepdf.Pdf, page: pikepdf.Page, fields: dict) -> pikepdf.Dictionary:
    annot = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, F=4, **fields))
    if "/Annots" not in page.obj:
        page.obj.Annots = pdf.make_indirect(pikepdf.Array())
    page.obj.Annots.append(annot)
    return annot


def acrobat_variant(pack: Path, out: Path, author: str) -> Path:
    """Comments, a reply, a review state, a replacement and an insertion (Acrobat, Foxit)."""
    pdf = pikepdf.open(pack)
    date = "D:20211103091500+01'00'"

    def markup(subtype: str, phrase: str, text: str, name: str, **extra):
        index, quads = phrase_quads(pack, phrase)
        page = pdf.pages[index]
        annot = _annotation(pdf, page, dict(
            Subtype=pikepdf.Name(subtype), Rect=_box(quads), QuadPoints=quads,
            Contents=pikepdf.String(text), T=pikepdf.String(author), NM=pikepdf.String(name),
            CreationDate=date, M=date, C=[1, 0.82, 0], P=page.obj, **extra))
        popup = _annotation(pdf, page, dict(Subtype=pikepdf.Name.Popup, Parent=annot,
                                            Rect=[400, 600, 580, 700], Open=False))
        annot.Popup = popup
        return index, quads, annot

    _i, _q, highlight = markup("/Highlight", "Poverty, insecure",
                               "Say which kinds of poverty.", "acro-1")
    page = pdf.pages[_i]
    _annotation(pdf, page, dict(Subtype=pikepdf.Name.Text, IRT=highlight,
                                Contents=pikepdf.String("A colleague agrees."),
                                T=pikepdf.String("Sam Lee"), NM=pikepdf.String("acro-2"),
                                M="D:20211104100000Z", Rect=[0, 0, 20, 20]))
    _annotation(pdf, page, dict(Subtype=pikepdf.Name.Text, IRT=highlight,
                                State=pikepdf.String("Accepted"),
                                StateModel=pikepdf.String("Review"),
                                Contents=pikepdf.String(f"Accepted set by {author}"),
                                T=pikepdf.String(author), NM=pikepdf.String("acro-3"),
                                M="D:20211105100000Z", Rect=[0, 0, 20, 20]))
    index, quads, strike = markup("/StrikeOut", "closure of youth services",
                                  "", "acro-4")
    _annotation(pdf, pdf.pages[index], dict(
        Subtype=pikepdf.Name.Caret, IRT=strike, RT=pikepdf.Name.Group,
        Rect=[quads[2], quads[5], quads[2] + 6, quads[1]],
        Contents=pikepdf.String("cuts to youth services"), T=pikepdf.String(author),
        NM=pikepdf.String("acro-5"), M=date))
    index, quads = phrase_quads(pack, "came up in every roundtable")
    x = quads[0]
    _annotation(pdf, pdf.pages[index], dict(
        Subtype=pikepdf.Name.Caret, Rect=[x - 3, quads[5], x + 3, quads[1]],
        Contents=pikepdf.String("also "), T=pikepdf.String(author),
        NM=pikepdf.String("acro-6"), CreationDate=date, M=date))
    index, quads = phrase_quads(pack, "Exclusion from school")
    _annotation(pdf, pdf.pages[index], dict(
        Subtype=pikepdf.Name.Text, Name=pikepdf.Name.Comment,
        Rect=[quads[2] + 4, quads[1] - 20, quads[2] + 24, quads[1]],
        Contents=pikepdf.String("Include off-rolling."), T=pikepdf.String(author),
        NM=pikepdf.String("acro-7"), CreationDate=date, M=date))
    pdf.save(out)
    pdf.close()
    return out


def preview_okular_variant(pack: Path, out: Path, author: str) -> Path:
    """Underline, Squiggly and a FreeText box with rich text only (Preview, Okular)."""
    pdf = pikepdf.open(pack)
    for subtype, phrase, text in (("/Underline", "Poverty, insecure", "Underlined: why?"),
                                  ("/Squiggly", "Exclusion from school", "Squiggle here.")):
        index, quads = phrase_quads(pack, phrase)
        _annotation(pdf, pdf.pages[index], dict(
            Subtype=pikepdf.Name(subtype), Rect=_box(quads), QuadPoints=quads,
            Contents=pikepdf.String(text), T=pikepdf.String(author),
            M="D:20211106080000"))
    index, quads = phrase_quads(pack, "closure of youth services")
    rich = ('<?xml version="1.0"?><body xmlns="http://www.w3.org/1999/xhtml">'
            "<p>Boxed note, rich text only.</p></body>")
    _annotation(pdf, pdf.pages[index], dict(
        Subtype=pikepdf.Name.FreeText, Rect=[quads[2] + 10, quads[1] - 30, quads[2] + 150,
                                             quads[1]],
        RC=pikepdf.String(rich), DA=pikepdf.String("/Helv 10 Tf 0 g"),
        T=pikepdf.String(author), M="D:20211106081500"))
    pdf.save(out)
    pdf.close()
    return out
