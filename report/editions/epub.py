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

import uuid
from pathlib import Path
from tempfile import TemporaryDirectory

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
    write,
)
from report.editions.stamp import sha256_of
from report.manuscript.manifest import Manifest

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
    with TemporaryDirectory(prefix="report-epub-") as tmp:
        cover = Path(tmp) / "cover.png"
        cover.write_bytes(cover_png(manifest, context.stamp if context.draft else None))
        meta["cover-image"] = str(cover)
        doc = document(context, meta)
        if context.draft:
            _stamp_chapters(doc["blocks"], context.stamp)
        _chapter_types(doc["blocks"])
        args = ["--split-level=1", "--toc", "--toc-depth=2", "--css", str(STYLES / "epub.css")]
        for name in FONT_FILES:
            args += ["--epub-embed-font", str(STYLES / "fonts" / name)]
        write(context, doc, out, "epub3", args)
    return EditionResult("epub", out, sha256=sha256_of(out))
