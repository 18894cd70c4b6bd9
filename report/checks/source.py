"""A chapter's text as the checks see it: the whole file, with what is not prose blanked.

Every check reports ``path:line:col`` in the file the author edits, so the checks work on
the whole file text (front matter included) rather than on ``Chapter.body``. What must not
be checked (front matter, fenced code, inline code, HTML comments) is replaced by spaces of
the same length, newlines kept: an offset in a blanked text is an offset in the file, and
no check needs an offset map of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from report.checks.findings import Finding, position
from report.manuscript import Chapter

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?:.*?\n)?(?:---|\.\.\.)[ \t]*\n", re.S)
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.S)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)


def blank(text: str, start: int, end: int) -> str:
    """``text`` with ``[start, end)`` replaced by spaces, newlines kept."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def blank_matches(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with every match of ``pattern`` blanked."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def front_matter_end(text: str) -> int:
    """Offset just after the closing ``---`` of the front matter (0 without any)."""
    match = _FRONT_MATTER.match(text)
    return match.end() if match else 0


def fenced_code_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of fenced code blocks, fences included; an unclosed fence runs to the end,
    as in pandoc."""
    spans: list[tuple[int, int]] = []
    offset = 0
    opening: tuple[str, int] | None = None
    start = 0
    for line in text.splitlines(keepends=True):
        match = _FENCE_OPEN.match(line.rstrip("\n"))
        if opening is None:
            if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                opening = (match.group(1)[0], len(match.group(1)))
                start = offset
        elif match and match.group(1)[0] == opening[0] and len(match.group(1)) >= opening[1] \
                and not match.group(2).strip():
            spans.append((start, offset + len(line)))
            opening = None
        offset += len(line)
    if opening is not None:
        spans.append((start, len(text)))
    return spans


def mask_code(text: str) -> str:
    """Front matter, fenced code blocks and inline code blanked."""
    masked = blank(text, 0, front_matter_end(text))
    for start, end in fenced_code_spans(masked):
        masked = blank(masked, start, end)
    return blank_matches(masked, _INLINE_CODE)


def mask_prose(text: str) -> str:
    """Also HTML comments blanked: what readers of the editions see, with its markup."""
    return blank_matches(mask_code(text), _HTML_COMMENT)


@dataclass
class ChapterSource:
    """One chapter file, read once, with the blanked views the checks share."""

    chapter: Chapter
    text: str

    @classmethod
    def read(cls, chapter: Chapter) -> ChapterSource:
        return cls(chapter=chapter, text=chapter.path.read_text(encoding="utf-8"))

    @property
    def rel(self) -> str:
        return self.chapter.rel

    @cached_property
    def code_masked(self) -> str:
        """Front matter and code blanked: what draft marks are looked for in (a TODO in an
        HTML comment is still a TODO)."""
        return mask_code(self.text)

    @cached_property
    def prose_masked(self) -> str:
        """Also HTML comments blanked: the text readers of the editions see, with markup."""
        return blank_matches(self.code_masked, _HTML_COMMENT)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of an offset in the file."""
        return position(self.text, offset)

    def finding(self, offset: int, code: str, severity: str, message: str,
                suggestion: str | None = None) -> Finding:
        line, column = self.position(offset)
        return Finding(self.rel, line, column, code, severity, message, suggestion)
