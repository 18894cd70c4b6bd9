"""Which code classes name no syntax pandoc highlights, asked of pandoc once per binary.

pandoc's HTML writer looks each class of a code block up in skylighting's syntaxes: by
full name, then by short name, then by file extension ("rs" is Rust), each but the
first by going through every syntax, which loads all of them (a definition is decoded
when first used). A class that names none ("console", "text", "rust,ignore") thus costs
a render process about 90 MiB and 0.8 s of CPU, only to write the block unhighlighted.
``filters/plaincode.lua`` gives the render's HTML writer (``filters/emit.lua``), and
``report.editions.pandoc_writer.unlooked_code`` the Word and EPUB writers, code whose
classes are all known to name no syntax so that they skip that lookup (the same
output); this module says which classes those are.

The answer comes from pandoc itself (``filters/highlightable.lua`` writes a code block
and an inline code with each class, highlighted and not, and compares), so it is
exactly pandoc's lookup, including names in any case, extensions and its special cases,
never a list to keep in step. That process loads every syntax once; its verdicts are
kept in ``build/.cache/highlight`` for this pandoc binary, so it runs again only for a
class not seen before.

A class found only by short name or extension ("cmd" is a batch file, "rs" Rust) still
makes pandoc go through every syntax: such code is highlighted, so that lookup is
pandoc's to do. On the 470-page corpus (scripts/corpus_tree.py), cold: seven of eight
render batches peak at 139-141 MiB instead of 224-230 MiB, and the eight use about
19 s of CPU instead of 24 s (this code with the verdicts on and off, alternated, load
about 2; noisy by a second or two); the eighth holds two "cmd" blocks. The Word and
EPUB writers write the whole book, so they gain only where no such class is used (the
corpus with "cmd" made "console": 329/384 -> 272/323 MiB).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable

from report.render import pandoc
from report.render.cache import JsonCache, digest

_SCHEMA = "highlight 1"  # bump when the verdicts change meaning


def code_classes(items: Iterable[dict]) -> list[str]:
    """The classes of the code blocks and inline code among ``items`` (pandoc JSON objects,
    as :func:`report.render.source.elements` gives them), each once, first seen first."""
    found: dict[str, None] = {}
    for item in items:
        if item.get("t") in ("CodeBlock", "Code"):
            found.update(dict.fromkeys(item["c"][0][1]))
    return list(found)


def _binary_key() -> str:
    """The pandoc binary the verdicts hold for: its version, path, size and time."""
    path = pandoc.binary()
    stat = os.stat(path)
    return digest(_SCHEMA, pandoc.version(), path, str(stat.st_size), str(stat.st_mtime_ns),
                  (pandoc.FILTERS / "highlightable.lua").read_bytes())


def _ask_pandoc(classes: list[str], api: list) -> set[str]:
    """The ``classes`` with which pandoc writes code the same highlighted or not."""
    document = {"pandoc-api-version": api, "blocks": [], "meta": {
        "report-classes": {"t": "MetaList",
                           "c": [{"t": "MetaString", "c": c} for c in classes]}}}
    result = pandoc.run(["-f", "json", "-t", "json", "--lua-filter",
                         pandoc.filter_path("highlightable.lua")],
                        stdin=json.dumps(document).encode("utf-8"))
    meta = json.loads(result.stdout)["meta"]
    return {value["c"] for value in meta["report-plain"]["c"]}


def plain_classes(classes: Iterable[str], cache: JsonCache, api: list) -> list[str]:
    """Those of ``classes`` that name no syntax pandoc highlights (sorted), asking pandoc
    about the ones its binary's kept verdicts do not cover (a document of pandoc API
    ``api``); the verdicts are put back in ``cache`` (saved by the caller, with the
    render's other caches)."""
    key = _binary_key()
    kept = cache.get(key)
    # A damaged entry (a verdict not true or false) is asked again, never trusted.
    verdicts: dict[str, bool] = ({c: v for c, v in kept.items() if isinstance(v, bool)}
                                 if isinstance(kept, dict) else {})
    cache.keep(key)
    wanted = sorted(set(classes))
    unknown = [c for c in wanted if c not in verdicts]
    if unknown:
        plain = _ask_pandoc(unknown, api)
        verdicts = {**verdicts, **{c: c in plain for c in unknown}}
        cache.put(key, verdicts)
    return [c for c in wanted if verdicts[c]]


def meta(plain: list[str]) -> dict:
    """The document metadata (pandoc JSON) that gives ``filters/plaincode.lua`` the
    ``plain`` classes; none when there are none. In the document's own metadata, not a
    metadata file, whose strings pandoc would read as Markdown ("*x*" would be "x")."""
    if not plain:
        return {}
    return {"report-plain-code": {"t": "MetaList",
                                  "c": [{"t": "MetaString", "c": c} for c in plain]}}
