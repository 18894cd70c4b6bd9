"""Images and links (STRUCT03x, STRUCT04x): present on disk, described, pointing somewhere.

A figure without alt text fails WCAG 1.1.1 in every edition, and a missing image or a
link to a missing anchor only shows up as a broken page after a long build; both are found
here from the source. External links are listed for a person to check (never fetched: the
checks must run offline and give the same answer twice).

STRUCT030 image not found          STRUCT040 external link (info, not fetched)
STRUCT031 figure without fig-alt   STRUCT041 link to a missing file
STRUCT032 image without alt text   STRUCT042 link to a missing anchor
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from report.checks.findings import Finding
from report.checks.outline import anchors
from report.checks.source import ChapterSource, mask_prose

_SCHEME = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//)")
_FETCHABLE = re.compile(r"^(?:https?|ftp)://", re.I)
_ATTRS = re.compile(r"\{([^{}]*)\}")
_ALT_ATTRIBUTE = re.compile(
    r"""(?<![\w-])(fig-alt|alt)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'}]+))""")
_REFERENCE_DEF = re.compile(r"^ {0,3}\[([^\]^][^\]]*)\]:[ \t]*<?([^\s>]+)>?", re.M)
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^\s<>]+)>", re.I)
_HTML_IMG = re.compile(r"<img\b[^>]*>", re.I)
_HTML_ATTR = re.compile(r"""(\w[\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


@dataclass(frozen=True)
class Link:
    """An inline link or image: where it starts, its text, target and attribute block."""

    offset: int
    image: bool
    text: str
    target: str
    attributes: str | None
    end: int


def _closing(text: str, start: int, opening: str, closing: str) -> int:
    """Offset of the bracket closing the one at ``start`` (-1 if none), nesting counted."""
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return index
        elif char == "\n" and text.startswith("\n", index + 1):
            return -1  # a blank line ends the paragraph
        index += 1
    return -1


def inline_links(text: str) -> Iterator[Link]:
    """``[text](target)`` and ``![alt](src){attrs}``, brackets nested (captions cite)."""
    index = 0
    while True:
        start = text.find("[", index)
        if start < 0:
            return
        close = _closing(text, start, "[", "]")
        if close < 0 or not text.startswith("(", close + 1):
            index = start + 1
            continue
        paren = _closing(text, close + 1, "(", ")")
        if paren < 0:
            index = start + 1
            continue
        image = start > 0 and text[start - 1] == "!"
        destination = text[close + 2:paren].strip()
        if destination.startswith("<"):
            target = destination[1:].split(">", 1)[0]
        else:
            target = destination.split()[0] if destination.split() else ""
        end = paren + 1
        attributes = None
        block = _ATTRS.match(text, end)
        if block:
            attributes = block.group(1)
            end = block.end()
        yield Link(start - 1 if image else start, image, text[start + 1:close], target,
                   attributes, end)
        index = close + 1  # a link inside a figure caption is still found


def _alone_in_paragraph(text: str, link: Link) -> bool:
    before = text[: link.offset]
    paragraph_start = before.rfind("\n\n") + 1
    after_end = text.find("\n\n", link.end)
    after = text[link.end: after_end if after_end >= 0 else len(text)]
    return not before[paragraph_start:].strip() and not after.strip()


def _alt_attribute(attributes: str | None, name: str) -> str | None:
    for match in _ALT_ATTRIBUTE.finditer(attributes or ""):
        if match.group(1) == name:
            return next((g for g in match.groups()[1:] if g is not None), "")
    return None


class _Anchors:
    """Anchors of Markdown files, read once each (chapters and any other .md linked)."""

    def __init__(self, sources: list[ChapterSource]):
        self._by_path: dict[Path, set[str]] = {
            s.chapter.path.resolve(): anchors(s.prose_masked) for s in sources}

    def of(self, path: Path) -> set[str]:
        path = path.resolve()
        if path not in self._by_path:
            text = path.read_text(encoding="utf-8", errors="replace")
            self._by_path[path] = anchors(mask_prose(text))
        return self._by_path[path]


def image_findings(source: ChapterSource) -> list[Finding]:
    text = source.prose_masked
    base = source.chapter.path.parent
    findings: list[Finding] = []
    for link in inline_links(text):
        if not link.image:
            continue
        findings += _missing_file(source, link.offset, link.target, base, "STRUCT030", "image")
        fig_alt = _alt_attribute(link.attributes, "fig-alt")
        alt = _alt_attribute(link.attributes, "alt")
        caption = link.text.strip()
        if _alone_in_paragraph(text, link) and caption:
            if not (fig_alt or "").strip():
                findings.append(source.finding(
                    link.offset, "STRUCT031", "error",
                    "figure without alt text (fig-alt)",
                    'add fig-alt="what the figure shows" to its attributes'))
        elif not caption and not (fig_alt or alt or "").strip():
            findings.append(source.finding(
                link.offset, "STRUCT032", "error", "image without alt text",
                "describe the image in ![...] or add fig-alt=\"...\""))
    for match in _HTML_IMG.finditer(text):
        attrs = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
                 for m in _HTML_ATTR.finditer(match.group(0))}
        if "src" in attrs:
            findings += _missing_file(source, match.start(), attrs["src"], base, "STRUCT030",
                                      "image")
        if "alt" not in attrs:
            findings.append(source.finding(match.start(), "STRUCT032", "error",
                                           "image without alt text",
                                           'add alt="..." (alt="" only if decorative)'))
    return findings


def _missing_file(source: ChapterSource, offset: int, target: str, base: Path, code: str,
                  what: str) -> list[Finding]:
    if not target or _SCHEME.match(target) or target.startswith("#"):
        return []
    path_part = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not path_part:
        return []
    path = base / path_part if not path_part.startswith("/") else \
        source.chapter.path.parent / path_part.lstrip("/")
    if path.exists():
        return []
    return [source.finding(offset, code, "error", f"{what} not found: {path_part}",
                           "check the path (relative to the chapter file)")]


def link_findings(sources: list[ChapterSource]) -> list[Finding]:
    known = _Anchors(sources)
    findings: list[Finding] = []
    for source in sources:
        text = source.prose_masked
        targets: list[tuple[int, str]] = [(link.offset, link.target)
                                          for link in inline_links(text) if not link.image]
        targets += [(m.start(), m.group(2)) for m in _REFERENCE_DEF.finditer(text)]
        targets += [(m.start(), m.group(1)) for m in _AUTOLINK.finditer(text)]
        for offset, target in targets:
            findings += _link_target(source, known, offset, target)
    return findings


def _link_target(source: ChapterSource, known: _Anchors, offset: int,
                 target: str) -> list[Finding]:
    if _FETCHABLE.match(target):
        return [source.finding(offset, "STRUCT040", "info",
                               f"external link (not checked): {target}")]
    if not target or _SCHEME.match(target):
        return []
    missing = _missing_file(source, offset, target, source.chapter.path.parent, "STRUCT041",
                            "linked file")
    if missing:
        return missing
    path_part, _, fragment = target.partition("#")
    path_part = unquote(path_part.split("?", 1)[0])
    if not fragment:
        return []
    page = source.chapter.path if not path_part else source.chapter.path.parent / path_part
    if page.suffix.lower() != ".md" or not page.is_file():
        return []
    fragment = unquote(fragment)
    if fragment in known.of(page):
        return []
    where = path_part or "this chapter"
    return [source.finding(offset, "STRUCT042", "error",
                           f"link to a missing anchor #{fragment} in {where}",
                           "use a heading's id or add {#" + fragment + "} where it belongs")]
