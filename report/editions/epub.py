"""The EPUB 3 edition: pandoc's EPUB writer on the shared render, one file per chapter.

For readers on phones and e-readers. The package carries what a library or a shop
needs to file it: title, authors, publisher, the EPUB's own ISBN (each format has its
own) as ``urn:isbn``, the licence as rights, the date and the language; the cover is
the same picture the release shares (:mod:`report.editions.cover`). Open Sans is
embedded so the book looks like the others where the reading system allows it. A draft
says so on its cover and at the start of every chapter, since an EPUB has no page
margins to carry a stamp.
"""

from __future__ import annotations

import html
import io
import uuid
import zipfile
from pathlib import Path

from PIL import Image

from report.editions import EditionResult
from report.editions.context import BuildContext
from report.editions.cover import cover_png
from report.editions.pandoc_writer import (
    chapters,
    common_meta,
    div,
    div_attr,
    document,
    para,
    repack,
    write,
)
from report.editions.stamp import sha256_of
from report.manuscript.manifest import Manifest
from report.outputs import atomic_path

STYLES = Path(__file__).resolve().parent.parent / "styles"
FONT_FILES = ("OpenSans-Regular.ttf", "OpenSans-Bold.ttf", "OpenSans-Italic.ttf",
              "OpenSans-BoldItalic.ttf")


def identifier(manifest: Manifest) -> dict[str, str]:
    """The EPUB's unique identifier: its ISBN, else a UUID that is stable per version.

    pandoc would otherwise invent a random UUID on every build, and a reading system
    would take each rebuild for a different book.
    """
    isbn = manifest.isbn.get("epub")
    if isbn:
        return {"scheme": "ISBN-13", "text": f"urn:isbn:{isbn.strip()}"}
    name = f"{manifest.slug}/{manifest.version}"
    return {"text": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"}


def _stamp_chapters(blocks: list[dict], stamp: str) -> None:
    """Put the draft stamp right after each chapter's heading."""
    for chapter in chapters(blocks):
        content = chapter["c"][1]
        at = 1 if content and content[0].get("t") == "Header" else 0
        content.insert(at, div([para(stamp)], ["draft-stamp"], {"role": "note"}))


def _chapter_types(blocks: list[dict]) -> None:
    """Tell the reading system which chapters are front or back matter (epub:type)."""
    types = {"front": "preface", "appendix": "appendix"}
    for chapter in chapters(blocks):
        _identifier, _classes, attributes = div_attr(chapter)
        kind = dict(attributes).get("chapter-kind", "chapter")
        label = dict(attributes).get("label", "")
        epub_type = types.get(kind)
        if kind == "back" and label == "ch-references":
            epub_type = "bibliography"
        content = chapter["c"][1]
        if epub_type and content and content[0].get("t") == "Header":
            content[0]["c"][1][2].append(["epub:type", epub_type])


_COVER_PAGE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" \
lang="{lang}" xml:lang="{lang}">
<head>
  <meta charset="utf-8" />
  <title>{title}</title>
  <link rel="stylesheet" type="text/css" href="../styles/stylesheet1.css" />
</head>
<body id="cover">
<div id="cover-image">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" \
version="1.1" width="100%" height="100%" viewBox="0 0 {width} {height}" \
preserveAspectRatio="xMidYMid">
<image width="{width}" height="{height}" xlink:href="../media/cover.png" />
</svg>
</div>
</body>
</html>
"""


def _dress(package: bytes, css: bytes, cover: bytes, title: str, lang: str) -> bytes:
    """Put the report's stylesheet and cover into the EPUB pandoc wrote.

    The writer runs sandboxed, and pandoc's sandbox does not let it read ``--css`` or
    ``--epub-cover-image``; so both are added here, as pandoc itself lays them out
    (``styles/stylesheet1.css``, ``text/cover.xhtml`` first in the spine, the
    ``cover-image`` item and the cover landmark).
    """
    width, height = Image.open(io.BytesIO(cover)).size
    page = _COVER_PAGE.format(lang=html.escape(lang), title=html.escape(title),
                              width=width, height=height).encode("utf-8")
    source = zipfile.ZipFile(io.BytesIO(package))
    nav = source.read("EPUB/nav.xhtml")
    if b'id="landmarks"' in nav:
        nav = nav.replace(b"<ol>\n", b'<ol>\n    <li>\n      <a href="text/cover.xhtml" '
                          b'epub:type="cover">Cover</a>\n    </li>\n', 1)
    opf = _with_cover(source.read("EPUB/content.opf").decode("utf-8")).encode("utf-8")
    return repack(package, changed={"EPUB/styles/stylesheet1.css": css,
                                    "EPUB/content.opf": opf, "EPUB/nav.xhtml": nav},
                  added={"EPUB/styles/stylesheet1.css": [("EPUB/text/cover.xhtml", page),
                                                         ("EPUB/media/cover.png", cover)]})


def _with_cover(opf: str) -> str:
    opf = opf.replace('<item id="stylesheet1"', '<item id="cover_xhtml" href="text/cover.xhtml" '
                      'media-type="application/xhtml+xml" properties="svg" />\n    '
                      '<item properties="cover-image" id="cover_png" href="media/cover.png" '
                      'media-type="image/png" />\n    <item id="stylesheet1"', 1)
    opf = opf.replace('<spine toc="ncx">\n',
                      '<spine toc="ncx">\n    <itemref idref="cover_xhtml" />\n', 1)
    return opf.replace("</guide>", '  <reference type="cover" title="Cover" '
                       'href="text/cover.xhtml" />\n  </guide>', 1)


def build(context: BuildContext) -> EditionResult:
    manifest = context.manuscript.manifest
    out = context.path(f"{manifest.slug}.epub")
    meta = common_meta(context)
    meta.pop("author", None)
    meta.update({
        "creator": [{"role": "author", "text": name} for name in manifest.authors] or None,
        "publisher": manifest.publisher or " and ".join(manifest.partners) or None,
        "identifier": [identifier(manifest)],
        "rights": manifest.licence or manifest.copyright,
        "description": context.stamp if context.draft else manifest.config.get(
            "site_description"),
        "toc-title": "Contents",
    })
    doc = document(context, meta)
    if context.draft:
        _stamp_chapters(doc["blocks"], context.stamp)
    _chapter_types(doc["blocks"])
    args = ["--split-level=1", "--toc", "--toc-depth=2"]
    for name in FONT_FILES:
        args += ["--epub-embed-font", str(STYLES / "fonts" / name)]
    write(context, doc, out, "epub3", args)
    dressed = _dress(out.read_bytes(), (STYLES / "epub.css").read_bytes(),
                     cover_png(manifest, context.stamp if context.draft else None),
                     manifest.full_title, manifest.language)
    with atomic_path(out) as tmp:
        tmp.write_bytes(dressed)
    return EditionResult("epub", out, sha256=sha256_of(out))
