"""The EPUB 3 edition: pandoc's EPUB writer on the shared render, one file per chapter.

For readers on phones and e-readers. The package carries what a library or a shop
needs to file it: title, authors, publisher, the EPUB's own ISBN (each format has its
own) as ``urn:isbn``, the licence as rights, the date and the language; the cover is
the same picture the release shares (:mod:`report.editions.cover`). Open Sans is
embedded so the book looks like the others where the reading system allows it. A draft
says so on its cover and at the start of every chapter, since an EPUB has no page
margins to carry a stamp.

It is also a book a reader using assistive technology can rely on, and says so as
EPUB Accessibility 1.1 asks: access modes, features, hazards, a summary and the
conformance claim in the package; alt text on the cover; a copyright page; every file
typed as front, body or back matter, and a landmark where the body starts. pandoc
writes most of it; the few things it cannot say are set in the package afterwards.
"""

from __future__ import annotations

import html
import io
import re
import uuid
import zipfile
from pathlib import Path

from PIL import Image

from report import fingerprint
from report.cache import cached
from report.editions import EditionResult, epub_chapters, package, verso
from report.editions.context import BuildContext
from report.editions.cover import cover_png
from report.editions.pandoc_writer import (
    Writing,
    blocks_text,
    chapters,
    common_meta,
    div,
    div_attr,
    inlines,
    kept_runs,
    meta_nodes,
    para,
    repack,
    source_text,
    taken,
    unlooked_code,
)
from report.editions.stamp import sha256_of
from report.manuscript import MANIFEST
from report.manuscript.manifest import Manifest

STYLES = Path(__file__).resolve().parent.parent / "styles"
FONT_FILES = ("OpenSans-Regular.ttf", "OpenSans-Bold.ttf", "OpenSans-Italic.ttf",
              "OpenSans-BoldItalic.ttf")
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
ACCESSIBILITY = {
    "accessModes": ["textual", "visual"],
    "accessModeSufficient": ["textual"],
    "accessibilityFeatures": ["alternativeText", "displayTransformability", "readingOrder",
                              "structuralNavigation", "tableOfContents"],
    "accessibilityHazards": ["none"],
    "accessibilitySummary": (
        "This EPUB meets WCAG 2.2 Level AA. Every figure and the cover have a text "
        "alternative. Headings, a table of contents and landmarks give structural navigation; the "
        "reading order is the order of the text; text can be resized and restyled. "
        "Citations, cross-references and notes are links. There are no hazards."),
}
# The matter each chapter kind belongs to (the body's epub:type).
MATTER = {"front": "frontmatter", "chapter": "bodymatter", "appendix": "backmatter",
          "back": "backmatter"}


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
    """Tell the reading system what each chapter is (epub:type on its heading)."""
    types = {"front": "preface", "appendix": "appendix", "chapter": "chapter"}
    by_label = {"ch-references": "bibliography", "ch-glossary": "glossary",
                "ch-foreword": "foreword", "ch-acknowledgements": "acknowledgments",
                "ch-contributors": "contributors"}
    for chapter in chapters(blocks):
        _identifier, _classes, attributes = div_attr(chapter)
        kind = dict(attributes).get("chapter-kind", "chapter")
        label = dict(attributes).get("label", "")
        epub_type = by_label.get(label, types.get(kind))
        content = chapter["c"][1]
        if epub_type and content and content[0].get("t") == "Header":
            content[0]["c"][1][2].append(["epub:type", epub_type])


def _copyright_page(context: BuildContext) -> list[dict]:
    """The title verso of the PDFs, as the page after the title page (out of the contents)."""
    heading = {"t": "Header", "c": [1, ["copyright", ["unnumbered", "unlisted"],
                                        [["epub:type", "copyright-page"]]],
                                    inlines("Copyright and licence")]}
    return [heading, div([para(line) for line in verso.lines(context)], ["copyright-page"])]


def _package_edits(context: BuildContext, data: bytes) -> dict[str, package.Edit]:
    """What pandoc's EPUB writer cannot set: the full title, the conformance claim, each
    file's matter and the landmark where the body starts."""
    manifest = context.manuscript.manifest
    names = package.names(data)
    opf_name = next(n for n in names if n.endswith(".opf"))
    base = opf_name.rsplit("/", 1)[0] + "/" if "/" in opf_name else ""
    texts = package.members(data, [n for n in names if n.startswith(base + "text/")
                                    and n.endswith(".xhtml")])
    kinds: dict[str, str] = {}
    for name, content in texts.items():
        found = re.search(rb'data-chapter-kind="([a-z]+)"', content)
        if found:
            kinds[name] = found.group(1).decode()
        elif b'epub:type="copyright-page"' in content:
            kinds[name] = "front"
    body_start = next((n for n, kind in kinds.items() if kind == "chapter"), None)

    def opf(content: bytes) -> bytes:
        title = html.escape(manifest.full_title).encode()
        content = re.sub(rb'(<dc:title id="epub-title-1">)[^<]*(</dc:title>)',
                         lambda m: m.group(1) + title + m.group(2), content, count=1)
        claim = f'  <meta property="dcterms:conformsTo">{CONFORMS_TO}</meta>\n  '.encode()
        return content.replace(b"</metadata>", claim + b"</metadata>", 1)

    def nav(content: bytes) -> bytes:
        if body_start is None:
            return content
        href = body_start[len(base):]
        entry = (f'<li>\n      <a href="{href}" epub:type="bodymatter">Start of content</a>'
                 f"\n    </li>\n  </ol>\n</nav>").encode()
        landmarks = content.index(b'epub:type="landmarks"')
        end = content.index(b"</ol>", landmarks)
        close = content.index(b"</nav>", end) + len(b"</nav>")
        return content[:end] + entry + content[close:]

    def matter(kind: str) -> package.Edit:
        return lambda content: re.sub(rb'<body epub:type="[a-z]+">',
                                      f'<body epub:type="{MATTER[kind]}">'.encode(), content,
                                      count=1)

    edits: dict[str, package.Edit] = {opf_name: opf, base + "nav.xhtml": nav}
    edits.update({name: matter(kind) for name, kind in kinds.items()})
    where = _identifiers(texts)
    for name in texts:
        own = edits.get(name)
        edits[name] = _linked_across(name, where, own)
    return edits


_ID = re.compile(rb'\sid="([^"]+)"')
_FRAGMENT_HREF = re.compile(rb'href="#([^"]+)"')


def _identifiers(texts: dict[str, bytes]) -> dict[bytes, str]:
    """Each identifier of the book's text files -> the file it stands in (the first)."""
    where: dict[bytes, str] = {}
    for name, content in texts.items():
        for found in _ID.finditer(content):
            where.setdefault(found.group(1), name)
    return where


def _linked_across(name: str, where: dict[bytes, str],
                   then: package.Edit | None) -> package.Edit:
    """A link to an identifier in another chapter's file pointed at that file.

    pandoc's EPUB writer files the identifiers of sections and divisions under their
    chapter and rewrites links to them, but not those of figures, code blocks or inline
    code: a cross-reference from one chapter to another's figure would stay ``#fig-…``,
    a link to nothing (epubcheck RSC-012)."""
    folder = name.rsplit("/", 1)[0] + "/"

    def edit(content: bytes) -> bytes:
        if then is not None:
            content = then(content)
        own = {found.group(1) for found in _ID.finditer(content)}

        def target(match: re.Match[bytes]) -> bytes:
            fragment = match.group(1)
            other = where.get(fragment)
            if fragment in own or other is None or other == name:
                return match.group(0)
            return b'href="' + other.removeprefix(folder).encode() + b"#" + fragment + b'"'

        return _FRAGMENT_HREF.sub(target, content)

    return edit


def _cover_alt(manifest: Manifest) -> str:
    """The cover's text alternative: what it shows, the full title and who publishes it."""
    alt = f"Cover: {manifest.full_title}"
    if manifest.partners:
        alt += f", a report of {' and '.join(manifest.partners)}"
    return alt


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
preserveAspectRatio="xMidYMid" role="img" aria-label="{alt}">
<title>{alt}</title>
<image width="{width}" height="{height}" xlink:href="../media/cover.png" />
</svg>
</div>
</body>
</html>
"""


def _dress(package: bytes, css: bytes, cover: bytes, title: str, lang: str,
           alt: str) -> bytes:
    """Put the report's stylesheet and cover into the EPUB pandoc wrote.

    The writer runs sandboxed, and pandoc's sandbox does not let it read ``--css`` or
    ``--epub-cover-image``; so both are added here, as pandoc itself lays them out
    (``styles/stylesheet1.css``, ``text/cover.xhtml`` first in the spine, the
    ``cover-image`` item and the cover landmark).
    """
    width, height = Image.open(io.BytesIO(cover)).size
    page = _COVER_PAGE.format(lang=html.escape(lang), title=html.escape(title),
                              width=width, height=height, alt=html.escape(alt)).encode("utf-8")
    source = zipfile.ZipFile(io.BytesIO(package))
    nav = source.read("EPUB/nav.xhtml")
    landmarks = nav.find(b'id="landmarks"')
    at = nav.find(b"<ol>", landmarks) if landmarks >= 0 else -1
    if at >= 0:
        at += len(b"<ol>")
        nav = nav[:at] + (b'\n    <li>\n      <a href="text/cover.xhtml" epub:type="cover">'
                          b"Cover</a>\n    </li>") + nav[at:]
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


def start(context: BuildContext) -> Writing:
    """pandoc's EPUB writer, started on the document (see :meth:`Writing`)."""
    manifest = context.manuscript.manifest
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
        **ACCESSIBILITY,
    })
    stamp = context.stamp if context.draft else None

    def epub_blocks(blocks: list[dict], count: int) -> int:
        """A chapter's blocks as the EPUB writer is given them."""
        if stamp is not None:
            _stamp_chapters(blocks, stamp)
        _chapter_types(blocks)
        return count

    copyright_page = _copyright_page(context)
    unlooked_code(copyright_page, frozenset(context.rendered.plain_code))
    runs = [{"blocks": blocks_text(copyright_page), **epub_chapters.facts(copyright_page)},
            *kept_runs(context, "epub-blocks", f"stamp={stamp}", epub_blocks,
                       epub_chapters.facts, epub_chapters.valid)]
    args = ["--split-level=1", "--toc", "--toc-depth=2"]
    for name in FONT_FILES:
        args += ["--epub-embed-font", str(STYLES / "fonts" / name)]
    # Chapters whose files an earlier build wrote are given to pandoc as stubs.
    nodes = meta_nodes(meta)
    chosen = epub_chapters.plan(runs, [args, nodes, context.rendered.api],
                                context.path(".cache"), fingerprint.toolkit(context.path(".")))
    return Writing(context, source_text(context, nodes, chosen.given), "epub3", args,
                   keep=(chosen, args, nodes))


def written(context: BuildContext, writing: Writing) -> bytes:
    """What pandoc's EPUB writer wrote, dated, the chapter files kept from an earlier
    build put in place of their stubs (the files it wrote kept for the next), dressed
    with the stylesheet and cover and finished (:func:`_package_edits`): the whole
    package, made in the writer's own process when the build starts it ahead."""
    chosen, args, nodes = writing.keep
    written_package = writing.finish(context, changed=epub_chapters.kept_members(chosen))
    try:
        epub_chapters.remember(written_package, chosen)
    except ValueError:  # pandoc split the book otherwise than expected: written whole
        written_package = Writing(context, source_text(context, nodes, chosen.whole),
                                  "epub3", args).finish(context)
    manifest = context.manuscript.manifest
    stamp = context.stamp if context.draft else None
    # The cover is drawn from the manifest and the stamp alone: drawn once per change.
    cover = cached(context.path(".cache"), "epub-cover",
                   [(context.manuscript.root / MANIFEST).read_bytes(), stamp or ""],
                   lambda: cover_png(manifest, stamp))
    dressed = _dress(written_package, (STYLES / "epub.css").read_bytes(), cover,
                     manifest.full_title, manifest.language, _cover_alt(manifest))
    return repack(dressed, changed=package.edited(dressed, _package_edits(context, dressed)))


def build(context: BuildContext) -> EditionResult:
    manifest = context.manuscript.manifest
    out = context.path(f"{manifest.slug}.epub")
    before = len(context.warnings)
    finished = taken(context, "epub", start, written)
    package.refuse_missing_images(context.warnings[before:], "EPUB", manifest.docs_dir)
    package.replace_file(out, finished)
    return EditionResult("epub", out, sha256=sha256_of(out))
