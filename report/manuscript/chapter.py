"""A chapter: one Markdown file, its optional front matter, and its place in the report.

Front matter keys (all optional):

- ``kind``: ``front`` (foreword, summary; roman-numbered pages), ``chapter`` (numbered),
  ``appendix`` (lettered) or ``back`` (glossary, references; unnumbered).
- ``label``: the chapter's cross-reference label (default ``ch-<file stem>``).
- ``title``: overrides the first heading.
- ``draft``: true marks the whole chapter as draft text to be confirmed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from report.errors import InputError, Problem
from report.manuscript import yamlsource

KINDS = ("front", "chapter", "appendix", "back")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*\n", re.S)
_HEADING = re.compile(r"^#\s+(.+?)\s*(?:\{([^}]*)\})?\s*#*\s*$", re.M)
_ID = re.compile(r"#([A-Za-z][\w:.-]*)")
_STEM_NUMBER = re.compile(r"^\d+[-_.]?")


@dataclass
class Chapter:
    """A chapter file as loaded; ``body_line`` is the file line where the body starts."""

    path: Path
    rel: str
    nav_title: str | None
    meta: dict[str, Any]
    body: str
    body_line: int
    kind: str = "chapter"
    label: str = ""
    title: str = ""
    draft: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    # The file's text where it is not the file on disk (a chapter as a commit had it, or
    # as an editor holds it): what ``text`` gives, for a problem's line.
    source: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        if self.source is not None:
            return self.source
        return self.path.read_text(encoding="utf-8")

    @property
    def page(self) -> str:
        """The path of the chapter inside docs_dir, as MkDocs names it."""
        return self.rel.split("/", 1)[1] if "/" in self.rel else self.rel


def body_offset(text: str) -> int:
    """Where a chapter file's body starts (after its front matter, if any)."""
    match = _FRONT_MATTER.match(text)
    return match.end() if match else 0


def _default_label(path: Path) -> str:
    stem = _STEM_NUMBER.sub("", path.stem) or path.stem
    return "ch-" + re.sub(r"[^a-z0-9-]+", "-", stem.lower()).strip("-")


def _heading_id(heading: re.Match | None) -> str | None:
    if heading and heading.group(2):
        found = _ID.search(heading.group(2))
        return found.group(1) if found else None
    return None


def first_heading(body: str) -> re.Match[str] | None:
    """``_HEADING.search(body)``, tried only where a line starts with ``#``: Python's
    search tries the pattern at every character, which took 10 ms of each load of the
    470-page corpus's 111 chapters (every preview save loads them), against 2 ms so."""
    start = 0
    if not body.startswith("#"):
        start = body.find("\n#") + 1
        if not start:
            return None
    while True:
        match = _HEADING.match(body, start)
        if match:
            return match
        start = body.find("\n#", start) + 1
        if not start:
            return None


def load_chapter(path: Path, rel: str, nav_title: str | None) -> Chapter:
    """Read one chapter; malformed front matter is a ``path:line`` input error."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(rel, None, f"not UTF-8 text: {exc.reason}")) from None
    meta: dict[str, Any] = {}
    body, body_line = text, 1
    match = _FRONT_MATTER.match(text)
    if text.startswith("---\n") and not match:
        raise InputError(Problem(rel, 1, "front matter is not closed with '---'"))
    if match:
        parsed = yamlsource.parse(match.group(1) or "", rel, line_offset=1)
        if parsed is None:
            parsed = {}
        if not isinstance(parsed, dict):
            raise InputError(Problem(rel, 2, "front matter must be a mapping of keys"))
        meta = parsed
        body = text[match.end():]
        body_line = text[: match.end()].count("\n") + 1
    kind = str(meta.get("kind", "chapter"))
    if kind not in KINDS:
        line = meta.line_of("kind") + 1 if isinstance(meta, yamlsource.LinedDict) else 2
        raise InputError(Problem(rel, line,
                                 f"unknown kind {kind!r}; use one of {', '.join(KINDS)}"))
    heading = first_heading(body)
    title = str(meta.get("title") or (heading.group(1) if heading else None) or nav_title
                or path.stem)
    return Chapter(
        path=path,
        rel=rel,
        nav_title=nav_title,
        meta=dict(meta),
        body=body,
        body_line=body_line,
        kind=kind,
        label=str(meta.get("label") or _heading_id(heading) or _default_label(path)),
        title=title,
        draft=bool(meta.get("draft", False)),
    )
