"""YAML that remembers where each value came from.

Users edit ``mkdocs.yml``, ``contributors.yaml``, front matter and review files by hand;
an error must point at the line to fix. PyYAML's composer keeps marks on every node, so
we build plain dicts and lists from the node tree and keep the line of every key and
item beside them.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from report.errors import InputError, Problem


class LinedDict(dict):
    """A dict that knows the 1-based line of each key (``line_of``) and of itself."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LinedList(list):
    """A list that knows the 1-based line of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


# Limits that keep a hand-edited file from hanging a build: a "billion laughs" alias bomb
# of a few hundred bytes expands to billions of values, and deep nesting exhausts the
# stack. Real manifests, contributor lists and review files stay far below these.
MAX_BYTES = 5 * 1024 * 1024
MAX_VALUES = 200_000
MAX_DEPTH = 64

# Tags MkDocs documents for its configuration: ``!relative`` (a path beside the config)
# is harmless; ``!ENV`` would copy the build's environment into an edition.
MKDOCS_TAGS = frozenset({"!relative"})

_EventLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_limits(text: str, path: str, line_offset: int = 0) -> None:
    """Refuse YAML whose expansion or nesting is out of bounds, before anything builds it.

    Counts values as the parser's events stream past, an alias counting as the whole of
    what its anchor holds, so a bomb is refused in milliseconds without being expanded.
    Malformed YAML is left to :func:`parse`, which reports it with its line.
    """
    if len(text) > MAX_BYTES:
        raise InputError(Problem(path, None, f"file too large (over {MAX_BYTES // 2**20} MB)"))
    sizes: dict[str, int] = {}
    stack: list[tuple[str | None, int]] = []  # (anchor, values so far) per open collection
    total = 0
    try:
        for event in yaml.parse(text, Loader=_EventLoader):
            count = 0
            if isinstance(event, yaml.AliasEvent):
                count = sizes.get(event.anchor, 1)
            elif isinstance(event, yaml.ScalarEvent):
                count = 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                stack.append((event.anchor, 1))
                if len(stack) > MAX_DEPTH:
                    raise InputError(Problem(path, event.start_mark.line + 1 + line_offset,
                                             f"nested more than {MAX_DEPTH} levels deep"))
                continue
            elif isinstance(event, yaml.CollectionEndEvent) and stack:
                anchor, count = stack.pop()
                if anchor:
                    sizes[anchor] = count
                total -= count  # its values were counted as they came
            else:
                continue
            total += count
            if stack:
                stack[-1] = (stack[-1][0], stack[-1][1] + count)
            if total > MAX_VALUES or (stack and stack[-1][1] > MAX_VALUES):
                raise InputError(Problem(path, event.start_mark.line + 1 + line_offset,
                                         f"more than {MAX_VALUES} values once aliases are "
                                         "expanded (an alias bomb?)"))
    except yaml.YAMLError as exc:  # malformed: parse() says where, unless too deep for libyaml
        if "nesting depth" in str(exc):
            mark = getattr(exc, "problem_mark", None)
            raise InputError(Problem(path, (mark.line + 1 + line_offset) if mark else None,
                                     f"nested more than {MAX_DEPTH} levels deep")) from None


class _Loader(_EventLoader):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader (libyaml's, where PyYAML was built with it); any tag it does
    not know is bad input at its line."""

    allowed_tags: frozenset[str] = frozenset()


class UnsafeTag(Exception):
    """A tag the file may not use (``!!python/...`` runs code under MkDocs' own loader)."""

    def __init__(self, line: int, tag: str):
        super().__init__(tag)
        self.line, self.tag = line, tag.replace("tag:yaml.org,2002:", "!!")


def _unknown_tag(loader: _Loader, tag_suffix: str, node: yaml.Node) -> Any:
    tag = node.tag
    if tag not in loader.allowed_tags:
        raise UnsafeTag(node.start_mark.line + 1, tag)
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    raise UnsafeTag(node.start_mark.line + 1, tag)


_Loader.add_multi_constructor("!", _unknown_tag)
_Loader.add_multi_constructor("tag:", _unknown_tag)


class BadValue(ValueError):
    """A scalar YAML resolves to a type it cannot hold (say, the 45th of the 13th month)."""

    def __init__(self, line: int, value: str, reason: str):
        super().__init__(reason)
        self.line, self.value, self.reason = line, value, reason


_PLAIN_COLLECTIONS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _build(loader: _Loader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.CollectionNode) and node.tag not in _PLAIN_COLLECTIONS:
        raise UnsafeTag(node.start_mark.line + 1, node.tag)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out = LinedDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                key = str(key)
            out[key] = _build(loader, value_node)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = LinedList(_build(loader, item) for item in node.value)
        seq.line = node.start_mark.line + 1
        seq.item_lines = [item.start_mark.line + 1 for item in node.value]
        return seq
    try:
        return loader.construct_object(node, deep=True)
    except ValueError as exc:
        raise BadValue(node.start_mark.line + 1, str(node.value), str(exc)) from None


# Texts parsed before in this process, with what they gave: ``report serve`` loads the
# manifest, the contributors and every chapter's front matter again on each save (about
# a sixth of a second of PyYAML for the bundled report), and a build reads mkdocs.yml
# twice. Callers get a copy, as they would from a parse.
_PARSED: dict[tuple[str, str, int, frozenset[str]], Any] = {}
_PARSED_MAX = 1024


def parse(text: str, path: str, line_offset: int = 0,
          tags: frozenset[str] = frozenset()) -> Any:
    """Parse YAML text; a syntax error becomes ``path:line: message``.

    Only the standard YAML types are built; a local tag is allowed only when named in
    ``tags`` (and then read as its plain string), every other tag is bad input. A text
    parsed before (same path, offset and tags) is not parsed again: bad input raises
    every time, as it is never kept.
    """
    key = (text, path, line_offset, tags)
    if key not in _PARSED:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = _parse(text, path, line_offset, tags)
    return copy.deepcopy(_PARSED[key])


def _parse(text: str, path: str, line_offset: int, tags: frozenset[str]) -> Any:
    check_limits(text, path, line_offset)
    try:
        loader = _Loader(text)  # refuses non-printable characters already
    except yaml.YAMLError as exc:
        raise InputError(Problem(path, None, "malformed YAML: "
                                 + str(exc).splitlines()[0])) from None
    loader.allowed_tags = tags
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _build(loader, node)
    except UnsafeTag as exc:
        reason = ("the build's environment must not reach an edition" if exc.tag == "!ENV"
                  else "this file is data, not code")
        raise InputError(Problem(path, exc.line + line_offset,
                                 f"YAML tag {exc.tag} not allowed: {reason}")) from None
    except RecursionError:
        raise InputError(Problem(path, None, "nested too deeply")) from None
    except BadValue as exc:  # e.g. an impossible date such as 2021-13-45
        raise InputError(Problem(path, exc.line + line_offset,
                                 f"not a real date: {exc.value} ({exc.reason})")) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 + line_offset if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(Problem(path, line, f"malformed YAML: {problem}")) from None
    finally:
        loader.dispose()


def load(path: Path, display: str | None = None,
         tags: frozenset[str] = frozenset()) -> Any:
    """Load a YAML file; a missing, unreadable or oversized file is an input error too."""
    display = display or str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(Problem(display, None,
                                     f"file too large (over {MAX_BYTES // 2**20} MB)"))
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(Problem(display, None, "file not found")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(display, None, f"cannot read: {exc}")) from None
    return parse(text, display, tags=tags)
