"""YAML that remembers where each value came from.

Users edit ``mkdocs.yml``, ``contributors.yaml``, front matter and review files by hand;
an error must point at the line to fix. PyYAML's composer keeps marks on every node, so
we build plain dicts and lists from the node tree and keep the line of every key and
item beside them.
"""

from __future__ import annotations

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


class _Loader(yaml.SafeLoader):
    """Safe loader that tolerates MkDocs' custom tags (``!ENV``, ``!!python/name:``)."""


def _unknown_tag(loader: _Loader, tag_suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_Loader.add_multi_constructor("!", _unknown_tag)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _unknown_tag)


class BadValue(ValueError):
    """A scalar YAML resolves to a type it cannot hold (say, the 45th of the 13th month)."""

    def __init__(self, line: int, value: str, reason: str):
        super().__init__(reason)
        self.line, self.value, self.reason = line, value, reason


def _build(loader: _Loader, node: yaml.Node) -> Any:
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


def parse(text: str, path: str, line_offset: int = 0) -> Any:
    """Parse YAML text; a syntax error becomes ``path:line: message``."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _build(loader, node)
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


def load(path: Path, display: str | None = None) -> Any:
    """Load a YAML file; a missing or unreadable file is an input error too."""
    display = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(Problem(display, None, "file not found")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(display, None, f"cannot read: {exc}")) from None
    return parse(text, display)
