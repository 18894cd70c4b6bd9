"""The Word edition: pandoc's docx writer on the shared render, with the report's styles.

Reviewers and partner organisations work in Word, and people who ask for another format
often want it. pandoc gives real Word footnotes, bookmarks for every label (so
cross-references and citations are working internal links), alt text on images (from
``fig-alt``, via the image description) and the document title and language in the
file's properties; the reference document (:mod:`report.editions.reference_doc`) gives
the look, the partners in the footer and, in a draft, the stamp in the header.

What a publisher's Word file needs beyond that is added here: a title verso, boxes that
hold all of their content (a one-cell table: the one box Word, LibreOffice and Google
Docs all draw around lists and quotes too), and, after pandoc has written the file
(:mod:`report.editions.docx_parts`), a contents list with its entries filled in and
figures as PNG with the SVG kept beside them.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from report import fingerprint
from report.editions import (
    EditionResult,
    docx_chapters,
    docx_parts,
    package,
    page_map,
    verso,
)
from report.editions.context import BuildContext
from report.editions.pandoc_writer import (
    FOLDER,
    Writing,
    blocks_text,
    common_meta,
    div,
    div_attr,
    kept_runs,
    meta_nodes,
    para,
    source_text,
    taken,
    walk,
)
from report.editions.reference_doc import BOXES, reference_docx
from report.editions.stamp import sha256_of
from report.render.cache import digest

# The report's boxed blocks (their Div class) and the Word style of each box.
BOX_CLASSES = {"recommendation": "Recommendation", "case-study": "Case Study",
               "key-findings": "Key Findings", "quote": "Quote", "draft": "Draft"}


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


def pack_number(node: dict) -> None:
    """In the reviewer pack, a citable block reads ``[N] text`` and its text is bookmark
    ``p-N``: the bookmark is how a reviewer's Word comment finds its block again.

    citable.lua marks each block with an empty ``.pn`` Span carrying ``n``; here it takes
    the rest of the block's words inside it (in the edition it stays an empty bookmark).
    """
    if node.get("t") not in ("Para", "Plain") or not node["c"]:
        return
    first = node["c"][0]
    if first.get("t") != "Span" or "pn" not in first["c"][0][1]:
        return
    identifier, _classes, attributes = first["c"][0]
    number = dict(attributes).get("n", "")
    node["c"] = [{"t": "Str", "c": f"[{number}]"}, {"t": "Space"},
                 {"t": "Span", "c": [[identifier, [], []], node["c"][1:]]}]


def _one_cell_table(blocks: list[dict], marker: str) -> dict:
    """A full-width table of one cell holding ``blocks``; its id marks it as a box."""
    empty = ["", [], []]
    cell = [empty, {"t": "AlignDefault"}, 1, 1, blocks]
    return {"t": "Table", "c": [
        [marker, [], []], [None, []], [[{"t": "AlignDefault"}, {"t": "ColWidth", "c": 1.0}]],
        [empty, []], [[empty, 0, [], [[empty, [cell]]]]], [empty, []]]}


def box_tables(node: Any, counter: list[int] | None = None) -> Any:
    """Every boxed block, however deep, put in a one-cell table marked with its style.

    The marker (a bookmark name, ``report-box-`` + style + number, removed later) is how
    :func:`docx_parts.draw_boxes` finds the table again to draw the box. The tree is
    changed in place (it is the writer's own copy): copying every node of it was 0.4 s
    of a rebuild of the 470-page corpus.
    """
    counter = counter if counter is not None else [0]
    if isinstance(node, list):
        for index, item in enumerate(node):
            if isinstance(item, list | dict):
                node[index] = box_tables(item, counter)
        return node
    if not isinstance(node, dict):
        return node
    out = node
    for key, value in node.items():
        if isinstance(value, list | dict):
            node[key] = box_tables(value, counter)
    if out.get("t") == "Div":
        _identifier, classes, _attributes = div_attr(out)
        kind = next((BOX_CLASSES[c] for c in classes if c in BOX_CLASSES), None)
        if kind is not None:
            counter[0] += 1
            return _one_cell_table([out], f"report-box-{kind.replace(' ', '')}-{counter[0]}")
    return out


def _verso(context: BuildContext) -> list[dict]:
    """The title verso on the page after the title, as in the PDFs."""
    page_break = {"t": "RawBlock", "c": ["openxml",
                                         '<w:p><w:r><w:br w:type="page"/></w:r></w:p>']}
    return [page_break, div([para(line) for line in verso.lines(context)], [],
                            {"custom-style": "Verso"})]


def build(context: BuildContext) -> EditionResult:
    out = context.path(f"{context.manuscript.manifest.slug}.docx")
    lay_out(context, out)
    return EditionResult("docx", out, sha256=sha256_of(out))


def start(context: BuildContext) -> Writing:
    """pandoc's Word writer, started on the document (see :meth:`Writing`)."""
    manifest = context.manuscript.manifest
    meta = common_meta(context)
    meta.update({
        "description": context.stamp if context.draft
        else (manifest.config.get("site_description") or manifest.full_title),
        "keywords": ["draft" if context.draft else "final"],
        "toc-title": "Contents",
    })
    pack = context.pack

    def word_blocks(blocks: list[dict], boxes: int) -> int:
        """A chapter's blocks as the Word writer is given them; the boxes numbered on."""
        walk(blocks, _style_drafts)
        if pack:
            walk(blocks, pack_number)
        counter = [boxes]
        box_tables(blocks, counter)
        return counter[0]

    runs = kept_runs(context, "word-blocks", f"pack={pack}", word_blocks,
                     docx_chapters.facts, docx_chapters.valid)
    verso = blocks_text(_verso(context))
    reference = reference_docx(manifest.full_title, manifest.partners or manifest.authors,
                               context.stamp if context.draft else None)
    args = ["--reference-doc", f"{FOLDER}/reference.docx", "--toc", "--toc-depth=2"]
    nodes = meta_nodes(meta)
    # Chapters whose XML an earlier build wrote are given to pandoc as stubs.
    chosen = docx_chapters.plan(verso, runs, [args, nodes, context.rendered.api,
                                              digest(reference)],
                                context.path(".cache"), fingerprint.toolkit(context.path(".")))
    return Writing(context, source_text(context, nodes, chosen.given), "docx", args,
                   files={"reference.docx": reference}, keep=(chosen, args, nodes, reference))


def written(context: BuildContext, writing: Writing) -> bytes:
    """What pandoc's Word writer wrote, dated (:meth:`Writing.finish`), the chapters kept
    from an earlier build put in place of their stubs (those it wrote kept for the next);
    written whole when they do not fit (:func:`docx_chapters.splice`)."""
    chosen, args, nodes, reference = writing.keep

    def again(plan: docx_chapters.Plan) -> bytes:
        return Writing(context, source_text(context, nodes, plan.given), "docx", args,
                       files={"reference.docx": reference}).finish(
                           context, changed=partial(_spliced, plan))

    try:
        return writing.finish(context, changed=partial(_spliced, chosen))
    except ValueError:
        pass
    try:  # whole, its chapters kept for the next build
        return again(replace(chosen, given=chosen.whole, kept={}))
    except ValueError:  # pandoc did not keep the marks: whole, unmarked, nothing kept
        return again(replace(chosen, folder=None, given=chosen.plain, keys=[], kept={}))


def _spliced(chosen: docx_chapters.Plan, members: dict[str, bytes]) -> dict[str, bytes]:
    """The document and footnotes parts of ``members`` (the package's, by name) spliced."""
    document, notes = docx_chapters.splice(
        chosen, members[docx_chapters.DOCUMENT], members.get(docx_chapters.NOTES, b""))
    # Both parts compressed here, whatever the cache gave and however the book was
    # written (stubs, whole, unmarked): the same file every way.
    return {docx_chapters.DOCUMENT: document, docx_chapters.NOTES: notes}


def lay_out(context: BuildContext, out: Path) -> None:
    """The Word edition into ``out``; as the reviewer pack when ``context.pack``.
    pandoc's package is the one the build made ahead, if it did (:func:`taken`)."""
    before = len(context.warnings)
    written_package = taken(context, "docx", start, written)
    package.refuse_missing_images(context.warnings[before:], "Word",
                                  context.manuscript.manifest.docs_dir)
    # The contents' page numbers are the print edition's, laid out by now in a build.
    finished = docx_parts.finish(written_package, pages=page_map.load(context), boxes=BOXES,
                                 fonts=docx_parts.font_files(),
                                 source_dir=context.manuscript.manifest.docs_dir,
                                 cache=context.path(".cache"))
    package.replace_file(out, finished)
