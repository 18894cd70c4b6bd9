"""The resource gate on the parsed document: what the editions may read, and nothing else.

Checking the Markdown text with regular expressions misses what pandoc understands
(reference-style images, titles in single quotes, brackets in alt text, raw HTML media),
so the gate walks the document pandoc parsed: every image, every link target and every
URL in raw HTML, whatever syntax wrote it. Each one goes through the tree's resolver
(:mod:`report.manuscript.tree`); what passes is handed to the writers as their media bag
(pandoc then runs sandboxed and reads nothing else), what does not is bad input at the
line where the author wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from report.errors import Problem
from report.manuscript import Manuscript, tree
from report.manuscript.chapter import Chapter
from report.render.diagnostics import _locate

# Attributes of raw HTML that make a reader (or pandoc's EPUB writer) load something.
_RAW_TAG = re.compile(r"<\s*([a-zA-Z][\w:-]*)([^>]*)>", re.S)
_RAW_ATTRIBUTE = re.compile(
    r"""(?<![\w:-])(src|href|poster|data|srcset|background|xlink:href|action|formaction"""
    r"""|longdesc|manifest|codebase|archive|cite|lowsrc|dynsrc|icon)\s*=\s*"""
    r"""(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|@import\s+["']([^"']+)""",
                      re.I)
_HTML_FORMATS = frozenset({"html", "html4", "html5", "epub", "epub3"})


@dataclass
class Resources:
    """What the gate let through: media by the reference the document spells, and the
    files in the tree that links point at (the web edition publishes those too)."""

    media: dict[str, Path] = field(default_factory=dict)
    linked: set[Path] = field(default_factory=set)


@dataclass(frozen=True)
class _Reference:
    target: str
    kind: str  # "media" (read while building) or "link" (followed by a reader)
    element: str  # how the author wrote it, for the message


def _raw_references(text: str) -> Iterator[_Reference]:
    for tag in _RAW_TAG.finditer(text):
        name = tag.group(1).lower()
        for attribute in _RAW_ATTRIBUTE.finditer(tag.group(2)):
            key = attribute.group(1).lower()
            value = next(v for v in attribute.groups()[1:] if v is not None)
            kind = "link" if (name in ("a", "area") and key == "href") or key == "cite" \
                else "media"
            values = [v.strip().split()[0] for v in value.split(",") if v.strip()] \
                if key == "srcset" else [value]
            for target in values:
                yield _Reference(target, kind, f"<{name} {key}>")
    for found in _CSS_URL.finditer(text):
        target = next(v for v in found.groups() if v is not None)
        yield _Reference(target, "media", "CSS url()")


_ATTR_AT = {"Div": 0, "Span": 0, "Header": 1, "Image": 0, "Link": 0, "CodeBlock": 0,
            "Code": 0, "Figure": 0, "Table": 0}
_MEDIA_KEYS = frozenset({"src", "poster", "data", "background", "xlink:href", "srcset"})


def _attribute_references(kind: str, content: list) -> Iterator[_Reference]:
    """URLs in an element's attributes (``{style="background: url(…)"}``, ``poster=``)."""
    try:
        attributes = content[_ATTR_AT[kind]][2]
    except (KeyError, IndexError, TypeError):
        return
    for key, value in attributes:
        if key.lower() == "style":
            for found in _CSS_URL.finditer(value):
                yield _Reference(next(v for v in found.groups() if v is not None), "media",
                                 "CSS url()")
        elif key.lower() in _MEDIA_KEYS:
            yield _Reference(value, "media", f"{kind} {key}")


def elements(node: object) -> Iterator[dict]:
    """Every object of a pandoc JSON tree (elements, and citations inside a Cite), in
    document order, without recursion (a deeply nested list must not overflow).
    Only lists and objects go on the stack (not a Str's text): the index walks every
    chapter of a book with this."""
    stack = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        if isinstance(item, list):
            extend(reversed(item))
        elif isinstance(item, dict):
            yield item
            content = item.get("c")
            if isinstance(content, (list, dict)):
                push(content)


def references_in(items: Iterable[dict]) -> list[list[str]]:
    """:func:`references` of the objects :func:`elements` gives, for a caller that
    walks them for more (the index: one walk of a chapter)."""
    return [[r.target, r.kind, r.element] for r in _references(items)]


def _references(items: Iterable[dict]) -> Iterator[_Reference]:
    """Every reference among a pandoc JSON tree's objects, with what kind of element
    holds it."""
    for item in items:
        kind = item.get("t")
        content = item.get("c")
        if kind in _ATTR_AT:
            yield from _attribute_references(kind, content)
        if kind == "Image":
            yield _Reference(content[2][0], "media", "image")
        elif kind == "Link":
            yield _Reference(content[2][0], "link", "link")
        elif kind in ("RawInline", "RawBlock"):
            if str(content[0]).lower() in _HTML_FORMATS:
                yield from _raw_references(content[1])


def _check(resolver: tree.Resolver, chapter: Chapter, reference: _Reference,
           resources: Resources) -> str | None:
    """The reason ``reference`` is refused, or None (and it is recorded as allowed)."""
    target = reference.target.strip()
    if not target or target.startswith("#"):
        return None
    scheme = tree.scheme(target)
    if reference.kind == "link":
        if scheme in tree.LINK_SCHEMES:
            return None
        if scheme:
            return f"link scheme {scheme}: not allowed: {target}"
        try:
            path = resolver.resolve(target, chapter.path.parent, must_exist=False)
        except tree.Refused as exc:
            return f"link {exc}"
        if path.is_file():
            resources.linked.add(path)
        return None
    try:
        path = resolver.resolve(target, chapter.path.parent)
    except tree.Refused as exc:
        if str(exc).startswith("not found") and reference.element == "image":
            return f"image not found: {target}"
        return f"{reference.element} {exc}"
    resources.media[reference.target] = path
    return None


def references(blocks: list) -> list[list[str]]:
    """Every reference in a chapter's parsed blocks, as [target, kind, element] (JSON):
    what :func:`check` needs, kept with the chapter's cached facts."""
    return references_in(elements(blocks))


def check(manuscript: Manuscript, found: list[tuple[Chapter, list[list[str]]]]
          ) -> tuple[Resources, list[Problem]]:
    """Check each chapter's references (:func:`references`) against the tree."""
    resources = Resources()
    problems: list[Problem] = []
    resolver = tree.Resolver(manuscript.root)  # every chapter's, on every save in serve
    for chapter, refs in found:
        seen: set[tuple[str, str]] = set()
        for reference in (_Reference(*r) for r in refs):
            reason = _check(resolver, chapter, reference, resources)
            if reason and (reference.target, reason) not in seen:
                seen.add((reference.target, reason))
                problems.append(_locate(manuscript, [re.escape(reference.target)],
                                        chapter.rel, reason))
    return resources, problems


def gate(manuscript: Manuscript, document: dict) -> tuple[Resources, list[Problem]]:
    """Check every reference of the parsed report (one ``.chapter`` Div per chapter)."""
    by_rel = {chapter.rel: chapter for chapter in manuscript.chapters}
    found = []
    for block in document.get("blocks", []):
        attributes = dict(block["c"][0][2]) if block.get("t") == "Div" else {}
        chapter = by_rel.get(attributes.get("source", ""))
        if chapter is not None:
            found.append((chapter, references(block["c"][1])))
    return check(manuscript, found)
