"""Each chapter parsed on its own, in parallel, and cached by its text.

A chapter is a Markdown document of its own: its footnote labels (``[^1]``) and link
reference definitions belong to it alone, so two chapters may both have a ``[^1]``.
Parsing chapter by chapter gives exactly that, lets several pandoc processes share the
cores, and, with the parse of each chapter cached by a hash of its text, means an edit
re-parses one chapter, not the book. The parsed chapters are then wrapped in ``.chapter``
Divs, filtered, cited and written (see ``report.render``).
"""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor

from report import __version__
from report.errors import Problem
from report.manuscript import Manuscript
from report.manuscript.chapter import Chapter
from report.render import pandoc
from report.render.cache import JsonCache, digest
from report.render.diagnostics import unclosed_div

_UNCLOSED_DIV = re.compile(r"Div at line \d+ column \d+ unclosed")


def text_key(chapter: Chapter) -> str:
    """The cache key of a chapter's parse: its text and the parser's version."""
    return digest(__version__, pandoc.version(), pandoc.MARKDOWN, chapter.body)


class ParseCache(JsonCache):
    """Parsed chapters by the hash of their text, kept in ``build/.cache/parse``."""

    def parse(self, chapter: Chapter) -> dict:
        key = text_key(chapter)
        cached = self.get(key)
        if (isinstance(cached, dict) and isinstance(cached.get("api"), list)
                and isinstance(cached.get("blocks"), list)
                and isinstance(cached.get("warnings"), list)):
            return cached
        result = pandoc.run(["-f", pandoc.MARKDOWN, "-t", "json"],
                            stdin=chapter.body.encode("utf-8"))
        document = json.loads(result.stdout)
        parsed = {"api": document["pandoc-api-version"], "blocks": document["blocks"],
                  "warnings": result.warnings}
        self.put(key, parsed)
        return parsed


def _wrapper(chapter: Chapter, blocks: list) -> dict:
    attributes = [["source", chapter.rel], ["kind", chapter.kind], ["label", chapter.label],
                  ["title", chapter.title]]
    if chapter.draft:
        attributes.append(["draft", "true"])
    return {"t": "Div", "c": [["", ["chapter"], attributes], blocks]}


def parse_chapters(chapters: list[Chapter], cache: ParseCache
                   ) -> tuple[list[dict], list[dict], list[Problem]]:
    """``chapters`` parsed (in parallel, from the cache where it can): their wrapper Divs,
    the parses, and the fenced divs they leave open."""
    workers = max(1, min(len(chapters), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parsed = list(pool.map(cache.parse, chapters))
    problems: list[Problem] = []
    for chapter, result in zip(chapters, parsed, strict=True):
        if any(_UNCLOSED_DIV.search(warning) for warning in result["warnings"]):
            problems.append(Problem(chapter.rel, unclosed_div(chapter),
                                    "fenced div (:::) is never closed"))
    wrappers = [_wrapper(c, r["blocks"]) for c, r in zip(chapters, parsed, strict=True)]
    return wrappers, parsed, problems


def parse_document(manuscript: Manuscript,
                   cache: ParseCache) -> tuple[dict, list[Problem]]:
    """The whole report as one pandoc document (JSON), each chapter in its wrapper Div."""
    wrappers, parsed, problems = parse_chapters(manuscript.chapters, cache)
    api = parsed[0]["api"] if parsed else [1, 23, 1]
    document = {"pandoc-api-version": api, "meta": {}, "blocks": wrappers}
    return document, problems
