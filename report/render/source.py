"""The report as one pandoc document: every chapter wrapped in a ``.chapter`` Div.

Parsing the whole report in one pandoc run is what makes numbers, citations and
footnotes identical in every edition; the wrapper Divs carry each chapter's file, kind
and label so the filters and the editions can tell chapters apart again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from report.errors import Problem
from report.manuscript import Manuscript
from report.manuscript.chapter import Chapter

_IMAGE = re.compile(r"!\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_FENCE = re.compile(r"^(```|~~~)", re.M)


@dataclass(frozen=True)
class Span:
    """Where a chapter's body sits in the combined document (1-based lines)."""

    chapter: Chapter
    first_line: int
    last_line: int


def _attr(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def combine(manuscript: Manuscript) -> tuple[str, list[Span]]:
    parts: list[str] = []
    spans: list[Span] = []
    line = 1
    for chapter in manuscript.chapters:
        attrs = (f'source="{_attr(chapter.rel)}" kind="{chapter.kind}" '
                 f'label="{_attr(chapter.label)}" title="{_attr(chapter.title)}"')
        if chapter.draft:
            attrs += ' draft="true"'
        head = f"::: {{.chapter {attrs}}}\n\n"
        body = chapter.body.rstrip("\n") + "\n"
        parts.append(head)
        line += head.count("\n")
        spans.append(Span(chapter, line, line + body.count("\n") - 1))
        parts.append(body)
        line += body.count("\n")
        tail = "\n:::\n\n"
        parts.append(tail)
        line += tail.count("\n")
    return "".join(parts), spans


def _outside_code(text: str) -> list[tuple[int, int]]:
    """Character ranges of ``text`` outside fenced code blocks."""
    ranges, start, inside = [], 0, False
    for match in _FENCE.finditer(text):
        if not inside:
            ranges.append((start, match.start()))
        else:
            start = match.end()
        inside = not inside
    if not inside:
        ranges.append((start, len(text)))
    return ranges


def image_problems(manuscript: Manuscript) -> list[Problem]:
    """Images that are missing, remote, or outside the tree: the build reads neither."""
    problems: list[Problem] = []
    for chapter in manuscript.chapters:
        text = chapter.text
        for lo, hi in _outside_code(text):
            for match in _IMAGE.finditer(text, lo, hi):
                src = match.group(1)
                line = text.count("\n", 0, match.start()) + 1
                column = match.start() - text.rfind("\n", 0, match.start())
                if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
                    problems.append(Problem(chapter.rel, line, f"remote image not allowed "
                                            f"(builds fetch nothing): {src}", column))
                    continue
                target = (chapter.path.parent / src).resolve()
                if manuscript.root not in target.parents:
                    problems.append(Problem(chapter.rel, line,
                                            f"image outside the report tree: {src}", column))
                elif not target.is_file():
                    problems.append(Problem(chapter.rel, line, f"image not found: {src}", column))
    return problems
