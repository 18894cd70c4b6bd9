"""Turning what the filters and pandoc report into ``path:line: message``.

Pandoc does not keep source positions in its document model, so a filter reports the
label, citation key or image it objects to, and we find where the author wrote it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from report.errors import Problem
from report.manuscript import Manuscript

_CITEPROC_MISSING = re.compile(r"Citeproc: citation (\S+) not found")
_FENCE_OPEN = re.compile(r"^:{3,}\s*\S")
_FENCE_CLOSE = re.compile(r"^:{3,}\s*$")
_CODE_FENCE = re.compile(r"^(```|~~~)")


def _locate(manuscript: Manuscript, needles: list[str], prefer: str | None,
            message: str, nth: int = 1) -> Problem:
    chapters = sorted(manuscript.chapters, key=lambda c: c.rel != prefer)  # stable: nav order
    for needle in needles:
        seen = 0
        for chapter in chapters:
            text = chapter.text
            for match in re.finditer(needle, text):
                seen += 1
                if seen < nth:
                    continue
                line = text.count("\n", 0, match.start()) + 1
                column = match.start() - text.rfind("\n", 0, match.start())
                return Problem(chapter.rel, line, message, column)
    return Problem(prefer or "chapters", None, message)


def _label_needles(label: str) -> list[str]:
    escaped = re.escape(label)
    return [rf"@{escaped}(?![\w-])", rf"#{escaped}(?![\w-])"]


def from_filters(manuscript: Manuscript, path: Path,
                 chapter: str | None = None) -> list[Problem]:
    """The filters' problems; ``chapter`` is the one rendered, when a run renders one."""
    problems: list[Problem] = []
    if not path.exists():
        return problems
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        code, message = record.get("code"), record["message"]
        source = record.get("source") or chapter
        if code == "duplicate-label":
            label = record["label"]
            # The second place the label is defined, in reading order, is the duplicate.
            problems.append(_locate(manuscript, [rf"#{re.escape(label)}(?![\w-])"], None,
                                    message, nth=2))
        elif code == "unknown-label" or code == "mixed-cite":
            problems.append(_locate(manuscript, [rf"@{re.escape(record['label'])}(?![\w-])"],
                                    source, message))
        elif code == "image-no-alt":
            needles = [re.escape(record["src"])]
            if record.get("label"):
                needles.insert(0, rf"#{re.escape(record['label'])}(?![\w-])")
            problems.append(_locate(manuscript, needles, source, message))
        elif code == "extra-h1":
            title = record.get("title", "")
            problems.append(_locate(manuscript, [rf"(?m)^#\s+{re.escape(title)}"], source,
                                    message))
        elif code == "rec-no-addressee" and record.get("label"):
            problems.append(_locate(manuscript, _label_needles(record["label"]), source, message))
        else:
            problems.append(Problem(source or "chapters", None, message))
    return problems


def unclosed_div(chapter) -> int | None:
    """The line of the last fenced div (``:::``) a chapter opens and never closes."""
    stack: list[int] = []
    in_code = False
    for number, line in enumerate(chapter.text.splitlines(), 1):
        if _CODE_FENCE.match(line):
            in_code = not in_code
        elif in_code:
            continue
        elif _FENCE_CLOSE.match(line):
            if stack:
                stack.pop()
        elif _FENCE_OPEN.match(line):
            stack.append(number)
    return stack[-1] if stack else None


def from_pandoc(manuscript: Manuscript, warnings: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    for warning in warnings:
        missing = _CITEPROC_MISSING.search(warning)
        if missing:
            key = missing.group(1)
            problems.append(_locate(manuscript, [rf"@{re.escape(key)}(?![\w-])"], None,
                                    f"citation key not in the bibliography: {key}"))
    return problems
