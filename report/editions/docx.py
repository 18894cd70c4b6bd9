"""The Word edition: pandoc's docx writer on the shared render, with the report's styles.

Reviewers and partner organisations work in Word, and people who ask for another format
often want it. pandoc gives real Word footnotes, bookmarks for every label (so
cross-references and citations are working internal links), alt text on images (from
``fig-alt``, via the image description) and the document title and language in the
file's properties; the reference document (:mod:`report.editions.reference_doc`) gives
the look, the partners in the footer and, in a draft, the stamp in the header.
"""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

from report.editions import EditionResult
from report.editions.context import BuildContext
from report.editions.pandoc_writer import common_meta, div_attr, document, walk, write
from report.editions.reference_doc import reference_docx
from report.editions.stamp import sha256_of


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
    return EditionResult("docx", out, sha256=sha256_of(out))
