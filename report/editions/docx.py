"""The Word edition: pandoc's docx writer on the shared render, with the report's styles.

Reviewers and partner organisations work in Word, and people who ask for another format
often want it. pandoc gives real Word footnotes, bookmarks for every label (so
cross-references and citations are working internal links), alt text on images (from
``fig-alt``, via the image description) and the document title and language in the
file's properties; the reference document (:mod:`report.editions.reference_doc`) gives
the look, the partners in the footer and, in a draft, the stamp in the header.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from tempfile import TemporaryDirectory

from report.editions import EditionResult
from report.editions.context import BuildContext
from report.editions.pandoc_writer import (
    common_meta,
    div_attr,
    document,
    repack,
    walk,
    write,
)
from report.editions.reference_doc import reference_docx
from report.editions.stamp import sha256_of
from report.outputs import atomic_path

# A picture's blip that pandoc left without its PNG, and the SVG it holds.
_SVG_BLIP = re.compile(r'<a:blip>(?=(?:(?!</a:blip>).)*?<asvg:svgBlip[^>]*r:embed="(rId\d+)")',
                       re.S)


def _style_drafts(node: dict) -> None:
    """Draft passages and draft chapters' notes get the Draft paragraph style.

    blocks.lua names it on ``.draft`` Divs; the note it adds to a draft chapter is a Div
    of its own that no filter visits again, so it is named here.
    """
    if node.get("t") != "Div":
        return
    _identifier, classes, attributes = div_attr(node)
    if "draft" in classes and not any(key == "custom-style" for key, _ in attributes):
        attributes.append(["custom-style", "Draft"])


def _png(svg: bytes) -> bytes | None:
    """The SVG drawn as PNG at pandoc's resolution, by rsvg-convert (as pandoc would)."""
    if not shutil.which("rsvg-convert"):
        return None
    proc = subprocess.run(["rsvg-convert", "-f", "png", "--dpi-x", "96", "--dpi-y", "96"],
                          input=svg, capture_output=True, timeout=60)
    return proc.stdout if proc.returncode == 0 and proc.stdout else None


def png_fallbacks(package: bytes) -> bytes:
    """Give every SVG picture the PNG that Word before 2016 and other readers show.

    pandoc draws it with rsvg-convert, but not when sandboxed (it runs no program
    then): it leaves the picture's ``<a:blip>`` without its PNG, which is added here.
    """
    source = zipfile.ZipFile(io.BytesIO(package))
    document = source.read("word/document.xml").decode("utf-8")
    rels_name = "word/_rels/document.xml.rels"
    rels = source.read(rels_name).decode("utf-8")
    targets = dict(re.findall(r'Id="(rId\d+)" Target="([^"]+)"', rels))
    added: dict[str, bytes] = {}
    for svg_id in dict.fromkeys(_SVG_BLIP.findall(document)):
        target = targets.get(svg_id)
        png = _png(source.read(f"word/{target}")) if target else None
        if png is None:
            continue
        added[svg_id] = png
    if not added:
        return package
    for svg_id in added:
        rels = rels.replace("</Relationships>", '<Relationship Type="http://schemas.openxmlformats'
                            '.org/officeDocument/2006/relationships/image" '
                            f'Id="{svg_id}png" Target="media/{svg_id}.png" /></Relationships>')
    document = _SVG_BLIP.sub(lambda m: f'<a:blip r:embed="{m.group(1)}png">', document)
    overrides = "".join(f'<Override PartName="/word/media/{i}.png" ContentType="image/png" />'
                        for i in added)
    types = source.read("[Content_Types].xml").replace(b"</Types>",
                                                       overrides.encode() + b"</Types>")
    return repack(package, changed={"word/document.xml": document.encode("utf-8"),
                                    rels_name: rels.encode("utf-8"),
                                    "[Content_Types].xml": types},
                  added={"word/document.xml": [(f"word/media/{i}.png", png)
                                               for i, png in added.items()]})


def build(context: BuildContext) -> EditionResult:
    manifest = context.manuscript.manifest
    out = context.path(f"{manifest.slug}.docx")
    meta = common_meta(context)
    meta.update({
        "description": context.stamp if context.draft
        else (manifest.config.get("site_description") or manifest.full_title),
        "keywords": ["draft" if context.draft else "final"],
        "toc-title": "Contents",
    })
    doc = document(context, meta)
    walk(doc["blocks"], _style_drafts)
    reference = reference_docx(manifest.full_title, manifest.partners or manifest.authors,
                               context.stamp if context.draft else None)
    with TemporaryDirectory(prefix="report-docx-") as tmp:
        reference_path = Path(tmp) / "reference.docx"
        reference_path.write_bytes(reference)
        write(context, doc, out, "docx",
              ["--reference-doc", str(reference_path), "--toc", "--toc-depth=2"])
    finished = png_fallbacks(out.read_bytes())
    with atomic_path(out) as tmp:
        tmp.write_bytes(finished)
    return EditionResult("docx", out, sha256=sha256_of(out))
