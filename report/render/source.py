"""Checks on the Markdown source that pandoc cannot make: images the build may read."""

from __future__ import annotations

import re

from report.errors import Problem
from report.manuscript import Manuscript

_IMAGE = re.compile(r"!\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_FENCE = re.compile(r"^(```|~~~)", re.M)


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
