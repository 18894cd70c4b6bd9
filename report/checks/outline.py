"""A chapter's outline as the checks need it: headings, labels (``{#id}``) and link anchors.

Pandoc gives a heading without an explicit id an automatic one, and MkDocs (the web
edition) slugs headings a little differently; a link anchor is accepted when it is an
explicit id or either automatic form, so a link that works in one edition is not reported
as broken because of the other.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$", re.M)
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_ATTRIBUTES = re.compile(r"\{([^{}\n]*)\}")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_ID_TOKEN = re.compile(r"(?:^|(?<=\s))#([A-Za-z][\w:.-]*)")
_TRAILING_ATTRIBUTES = re.compile(r"\s*\{[^{}]*\}\s*$")
_CLOSING_HASHES = re.compile(r"\s+#+\s*$")
_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|>|:::|\||```|~~~)")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    offset: int
    explicit_id: str | None


@dataclass(frozen=True)
class Label:
    name: str
    offset: int


def headings(text: str) -> list[Heading]:
    """ATX (``## Title``) and setext (underlined) headings in blanked prose
    (``ChapterSource.prose_masked``): code and comments are already out of the way."""
    found: list[Heading] = []
    for match in _ATX.finditer(text):
        raw = _CLOSING_HASHES.sub("", match.group(2) or "")
        found.append(_heading(len(match.group(1)), raw, match.start()))
    lines = text.split("\n")
    offset = 0
    offsets = []
    for line in lines:
        offsets.append(offset)
        offset += len(line) + 1
    for index in range(1, len(lines)):
        underline = _SETEXT.match(lines[index])
        above = lines[index - 1]
        if not underline or not above.strip() or _ATX.match(above) or _BLOCK_START.match(above):
            continue
        if index >= 2 and lines[index - 2].strip():
            continue  # only a one-line paragraph is taken for a setext heading
        level = 1 if underline.group(1).startswith("=") else 2
        found.append(_heading(level, above.strip(), offsets[index - 1]))
    return sorted(found, key=lambda heading: heading.offset)


def _heading(level: int, raw: str, offset: int) -> Heading:
    explicit = None
    attributes = _TRAILING_ATTRIBUTES.search(raw)
    if attributes:
        ids = _ID_TOKEN.findall(_QUOTED.sub("", attributes.group(0).strip()[1:-1]))
        explicit = ids[0] if ids else None
        raw = raw[: attributes.start()]
    return Heading(level, raw.strip(), offset, explicit)


def labels(text: str) -> list[Label]:
    """Every ``#id`` in an attribute block: headings, divs, spans, figures, tables."""
    found: list[Label] = []
    for block in _ATTRIBUTES.finditer(text):
        inner = _QUOTED.sub(lambda m: " " * len(m.group(0)), block.group(1))
        for token in _ID_TOKEN.finditer(inner):
            found.append(Label(token.group(1), block.start(1) + token.start()))
    return found


def _plain(text: str) -> str:
    """Heading text without inline markup: link targets, footnotes, emphasis, code ticks."""
    text = re.sub(r"\[\^[^\]]*\]", "", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return re.sub(r"[*_`\[\]]", "", text)


def pandoc_identifier(text: str) -> str:
    """Pandoc's ``auto_identifiers`` rule."""
    ident = re.sub(r"[^\w\s.-]", "", _plain(text).lower())
    ident = re.sub(r"\s+", "-", ident.strip())
    ident = re.sub(r"^[^a-z]+", "", ident)
    return ident or "section"


def mkdocs_identifier(text: str) -> str:
    """Python-Markdown's ``toc`` slugify, as MkDocs uses it."""
    value = unicodedata.normalize("NFKD", _plain(text)).encode("ascii", "ignore").decode()
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(r"[-\s]+", "-", value)


def anchors(text: str) -> set[str]:
    """Every fragment a link may point to in a chapter's blanked prose."""
    found = {label.name for label in labels(text)}
    seen: dict[tuple[int, str], int] = {}
    for heading in headings(text):
        if heading.explicit_id:
            found.add(heading.explicit_id)
            continue
        for variant, ident in enumerate((pandoc_identifier(heading.text),
                                         mkdocs_identifier(heading.text))):
            count = seen.get((variant, ident), 0)
            seen[(variant, ident)] = count + 1
            found.add(ident if not count else f"{ident}{'-' if variant == 0 else '_'}{count}")
    return found
