"""Each chapter parsed on its own, in a few pandoc processes, and cached by its text.

A chapter is a Markdown document of its own: its footnote labels (``[^1]``) and link
reference definitions belong to it alone, so two chapters may both have a ``[^1]``.
Parsing chapter by chapter gives exactly that and, with the parse of each chapter cached by
a hash of its text, means an edit re-parses one chapter, not the book. The chapters the
cache misses are read in one pandoc process per core, each reading its share with
``pandoc.read`` (``filters/parsebatch.lua``): starting pandoc costs more than parsing a
chapter. The parsed chapters are then wrapped in ``.chapter`` Divs, filtered, cited and
written (see ``report.render``)."""

from __future__ import annotations

import functools
import json
import re
from concurrent.futures import ThreadPoolExecutor

from report import __version__
from report.errors import Problem
from report.manuscript import Manuscript
from report.manuscript.chapter import Chapter
from report.render import batches, pandoc
from report.render.cache import JsonCache, digest
from report.render.diagnostics import unclosed_div

_UNCLOSED_DIV = re.compile(r"Div at line \d+ column \d+ unclosed")


def text_key(chapter: Chapter) -> str:
    """The cache key of a chapter's parse: its text and the parser's version.

    Asked about five times a chapter in a render; the text (the same string each time,
    whose hash Python keeps) is hashed with SHA-256 once: on the corpus, 26 ms of every
    render went to hashing the 111 chapters' texts again and again."""
    return _digest_once(__version__, pandoc.version(), pandoc.MARKDOWN, chapter.body)


# The texts of the chapters lately rendered, and no more: report serve renders a new
# text of the chapter being written on every save, for hours.
_digest_once = functools.lru_cache(maxsize=1024)(digest)


class ParseCache(JsonCache):
    """Parsed chapters by the hash of their text, kept in ``build/.cache/parse``."""

    def cached(self, chapter: Chapter) -> dict | None:
        """The chapter's parse if the cache holds a sound one."""
        cached = self.get(text_key(chapter))
        if (isinstance(cached, dict) and isinstance(cached.get("api"), list)
                and isinstance(cached.get("blocks"), list)
                and isinstance(cached.get("warnings"), list)):
            return cached
        return None

    def parse(self, chapter: Chapter) -> dict:
        """One chapter, from the cache or its own pandoc process."""
        cached = self.cached(chapter)
        if cached is not None:
            return cached
        result = pandoc.run(["-f", pandoc.MARKDOWN, "-t", "json"],
                            stdin=chapter.body.encode("utf-8"))
        document = json.loads(result.stdout)
        parsed = {"api": document["pandoc-api-version"], "blocks": document["blocks"],
                  "warnings": result.warnings}
        self.put(text_key(chapter), parsed)
        return parsed

    def parse_batch(self, chapters: list[Chapter]) -> list[dict]:
        """Chapters the cache missed, all in one pandoc process (``filters/parsebatch.lua``),
        each parsed exactly as :meth:`parse` would: same reader, same blocks, same warnings."""
        texts = [{"t": "MetaString", "c": reader_input(c.body)} for c in chapters]
        request = {"pandoc-api-version": [1, 23, 1], "blocks": [],
                   "meta": {"format": {"t": "MetaString", "c": pandoc.MARKDOWN},
                            "texts": {"t": "MetaList", "c": texts}}}
        result = pandoc.run(["-f", "json", "-t", "json",
                             "--lua-filter", pandoc.filter_path("parsebatch.lua")],
                            stdin=json.dumps(request).encode("utf-8"))
        document = json.loads(result.stdout)
        parses = []
        for chapter, div in zip(chapters, document["blocks"], strict=True):
            (_, _, attributes), blocks = div["c"]
            parsed = {"api": document["pandoc-api-version"], "blocks": blocks,
                      # Lua encodes an empty list as {}
                      "warnings": json.loads(dict(attributes)["warnings"]) or []}
            self.put(text_key(chapter), parsed)
            parses.append(parsed)
        return parses

    def parse_all(self, chapters: list[Chapter]) -> list[dict]:
        """``chapters`` parsed, from the cache where it can, the misses in one pandoc
        process per core, or more where a process would hold too much text
        (:func:`report.render.batches.dealt`): on the 470-page corpus (111 chapters, 2
        cores, under load) a cold parse takes about 3.4 s in two processes against 10.1 s
        with a process per chapter."""
        parsed: list[dict | None] = [self.cached(c) for c in chapters]
        missed = [i for i, p in enumerate(parsed) if p is None]
        if len(missed) == 1:
            parsed[missed[0]] = self.parse(chapters[missed[0]])
        elif missed:
            shares = [[missed[n] for n in group]
                      for group in batches.dealt([len(chapters[i].body) for i in missed])]
            with ThreadPoolExecutor(max_workers=min(len(shares), batches.cores())) as pool:
                done = pool.map(lambda share: self.parse_batch([chapters[i] for i in share]),
                                shares)
                for share, batch in zip(shares, done, strict=True):
                    for i, result in zip(share, batch, strict=True):
                        parsed[i] = result
        return [p for p in parsed if p is not None]


def reader_input(text: str) -> str:
    """``text`` as pandoc's command line hands it to a reader: carriage returns dropped,
    tabs expanded to stops of 4, each line ended by a newline (Text.Pandoc.App's
    ``tabFilter``). ``pandoc.read`` in Lua gets its text as is, so the batch does this."""
    lines = text.replace("\r", "").split("\n")
    if lines[-1] == "":
        lines.pop()
    return "".join(_expand_tabs(line) + "\n" for line in lines)


def _expand_tabs(line: str) -> str:
    pieces = line.split("\t")
    expanded = pieces[0]
    for piece in pieces[1:]:
        expanded += " " * (4 - len(expanded) % 4) + piece
    return expanded


def wrapper(chapter: Chapter, blocks: list) -> dict:
    """The chapter's blocks in the Div that gives the filters its source, kind, label,
    title and draft mark."""
    attributes = [["source", chapter.rel], ["kind", chapter.kind], ["label", chapter.label],
                  ["title", chapter.title]]
    if chapter.draft:
        attributes.append(["draft", "true"])
    return {"t": "Div", "c": [["", ["chapter"], attributes], blocks]}


def parse_chapters(chapters: list[Chapter], cache: ParseCache
                   ) -> tuple[list[dict], list[dict], list[Problem]]:
    """``chapters`` parsed (in parallel, from the cache where it can): their wrapper Divs,
    the parses, and the fenced divs they leave open."""
    parsed = cache.parse_all(chapters)
    problems: list[Problem] = []
    for chapter, result in zip(chapters, parsed, strict=True):
        if any(_UNCLOSED_DIV.search(warning) for warning in result["warnings"]):
            problems.append(Problem(chapter.rel, unclosed_div(chapter),
                                    "fenced div (:::) is never closed"))
    wrappers = [wrapper(c, r["blocks"]) for c, r in zip(chapters, parsed, strict=True)]
    return wrappers, parsed, problems


def parse_document(manuscript: Manuscript,
                   cache: ParseCache) -> tuple[dict, list[Problem]]:
    """The whole report as one pandoc document (JSON), each chapter in its wrapper Div."""
    wrappers, parsed, problems = parse_chapters(manuscript.chapters, cache)
    api = parsed[0]["api"] if parsed else [1, 23, 1]
    document = {"pandoc-api-version": api, "meta": {}, "blocks": wrappers}
    return document, problems
