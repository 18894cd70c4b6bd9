"""Reading ``contributors.yaml``: the JSON Schema and the rules a schema cannot say.

The file is validated twice: by the JSON Schema shipped in ``report/schemas`` (the same
one an editor uses for completion, through the modeline on the file's first line) and by
the rules a schema cannot say (unique ids, no key written twice, withdrawn not before
given, a shown affiliation that exists). Every problem becomes
``contributors.yaml:line: message``, all of them at once, and nothing is listed from a
file with a problem. The records it builds are :mod:`report.manuscript.contributors`'s.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from report.errors import InputError, Problem
from report.manuscript import yamlsource
from report.manuscript.contributors import (
    CONTRIBUTORS,
    ROLES,
    SCHEMA_PATH,
    SHOW_FORMS,
    Consent,
    Contributor,
)


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema shipped with the package (also the file's modeline target)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def parse_contributors(text: str, display: str = CONTRIBUTORS) -> list[Contributor]:
    """Validate the text of a ``contributors.yaml`` and build its records."""
    data = _parse_yaml(text, display)
    if data is None:
        return []
    problems = _duplicate_keys(text, display)
    plain = _plain(data)
    if isinstance(plain, dict) and plain.get("contributors") is None and "contributors" in plain:
        plain["contributors"] = []
    validator = Draft202012Validator(schema(), format_checker=FormatChecker())
    for error in validator.iter_errors(plain):
        problems.append(_problem(error, data, plain, display))
    problems.extend(_rules(data, display))
    if problems:
        unique = {(p.line or 0, p.message): p for p in problems}
        raise InputError([unique[k] for k in sorted(unique)])
    records = plain.get("contributors") or []
    items = data.get("contributors") or []
    return [_contributor(record, items.line_of(i) if isinstance(items, yamlsource.LinedList)
                         else 0) for i, record in enumerate(records)]


def _parse_yaml(text: str, display: str) -> Any:
    try:
        return yamlsource.parse(text, display)
    except ValueError as exc:
        # PyYAML turns an impossible unquoted date (2021-13-45) into a ValueError, not a
        # YAMLError; find the line so the author can fix it.
        for number, line in enumerate(text.splitlines(), 1):
            for found in re.finditer(r"\b(\d{4}-\d{1,2}-\d{1,2})\b", line):
                try:
                    dt.date.fromisoformat(found.group(1))
                except ValueError:
                    message = f"not a real date: {found.group(1)} ({exc})"
                    raise InputError(Problem(display, number, message)) from None
        raise InputError(Problem(display, None, f"malformed YAML: {exc}")) from None


def _duplicate_keys(text: str, display: str) -> list[Problem]:
    """A key written twice silently keeps only the last value; in a consent block that
    could undo a withdrawal, so it is an error."""
    problems = []
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return problems
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        problems.append(Problem(
                            display, key.start_mark.line + 1,
                            f"key {key.value!r} is written twice (only the last would count)"))
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return problems


def _plain(value: Any) -> Any:
    """A JSON-shaped copy for the schema: YAML dates become ISO strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _line_at(data: Any, path: Sequence[Any]) -> int | None:
    """Line of the value at ``path``: the line of its key (or list item) in its parent."""
    node, line = data, getattr(data, "line", None) or 1
    for step in path:
        if isinstance(node, yamlsource.LinedDict) and step in node:
            line, node = node.line_of(step), node[step]
        elif isinstance(node, yamlsource.LinedList) and isinstance(step, int) and step < len(node):
            line, node = node.line_of(step), node[step]
        else:
            break
    return line


def _record_label(plain: Any, path: Sequence[Any]) -> str:
    if len(path) >= 2 and path[0] == "contributors" and isinstance(path[1], int):
        records = plain.get("contributors") if isinstance(plain, dict) else None
        record = records[path[1]] if isinstance(records, list) else None
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            return f"contributor {record['id']!r}: "
        return f"contributor #{path[1] + 1}: "
    return ""


def _field(path: Sequence[Any]) -> str:
    names = [str(p) for p in path[2:] if not isinstance(p, int)] if len(path) > 2 else []
    return ".".join(names) or ("contributors" if path else CONTRIBUTORS)


_TYPE_WORDS = {"string": "text", "boolean": "true or false", "array": "a list",
               "object": "a mapping of fields", "number": "a number"}


def _problem(error: ValidationError, data: Any, plain: Any, display: str) -> Problem:
    path = list(error.absolute_path)
    label = _record_label(plain, path)
    field = _field(path)
    line = _line_at(data, path)
    kind = error.validator
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        if field == "consent" and missing in ("given", "show"):
            what = {"given": "the date consent was given",
                    "show": "what may be shown: " + " | ".join(SHOW_FORMS)}[missing]
            message = f"consent.{missing} is required where listed is true ({what})"
        elif not path:
            message = "expected 'contributors:' followed by a list of records"
        else:
            prefix = f"{field}." if field not in ("contributors", CONTRIBUTORS) else ""
            message = f"{prefix}{missing} is required"
    elif kind == "enum":
        value = error.instance
        if path and path[-2:-1] == ["roles"]:
            message = f"unknown role {value!r}; use one of: {', '.join(ROLES)}"
        else:
            options = " | ".join(str(v) for v in error.validator_value)
            message = f"{field} must be one of {options}, not {value!r}"
    elif kind in ("format", "pattern") and field in ("consent.given", "consent.withdrawn"):
        message = f"{field} must be an ISO date (YYYY-MM-DD), not {error.instance!r}"
    elif kind == "pattern" and field == "id":
        message = (f"id {error.instance!r} must be letters, digits, '.', '_' or '-' "
                   "(no spaces)")
    elif kind == "type":
        wanted = error.validator_value
        wanted = [wanted] if isinstance(wanted, str) else wanted
        words = " or ".join(_TYPE_WORDS.get(w, w) for w in wanted)
        message = f"{field} must be {words}, not {error.instance!r}"
        if not path:
            message = "expected a mapping with 'contributors:' followed by a list of records"
    elif kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        where = data
        for step in path:
            where = where[step]
        if isinstance(where, yamlsource.LinedDict) and unknown:
            line = where.line_of(unknown[0])
        message = (f"unknown field {', '.join(map(repr, unknown))} in {field} (a misspelt "
                   f"consent field could publish a name); use {', '.join(allowed)}")
    elif kind == "minItems":
        message = f"{field} must name at least one role"
    elif kind == "uniqueItems":
        message = f"{field} lists the same role twice"
    elif kind == "minLength":
        message = f"{field} must not be empty"
    else:
        message = f"{field}: {error.message}"
    return Problem(display, line, label + message)


def _rules(data: Any, display: str) -> list[Problem]:
    """What the schema cannot say: unique ids, dates in order, a shown affiliation."""
    problems: list[Problem] = []
    if not isinstance(data, dict) or not isinstance(data.get("contributors"), list):
        return problems
    seen: dict[str, int] = {}
    for record in data["contributors"]:
        if not isinstance(record, yamlsource.LinedDict):
            continue
        record_id = record.get("id")
        label = f"contributor {record_id!r}: " if isinstance(record_id, str) else ""
        if isinstance(record_id, str):
            if record_id in seen:
                problems.append(Problem(display, record.line_of("id"),
                                        f"duplicate id {record_id!r} (first at line "
                                        f"{seen[record_id]})"))
            else:
                seen[record_id] = record.line_of("id")
        consent = record.get("consent")
        if not isinstance(consent, yamlsource.LinedDict):
            continue
        given, withdrawn = consent.get("given"), consent.get("withdrawn")
        if (isinstance(given, dt.date) and isinstance(withdrawn, dt.date)
                and not isinstance(given, dt.datetime) and not isinstance(withdrawn, dt.datetime)
                and withdrawn < given):
            problems.append(Problem(display, consent.line_of("withdrawn"),
                                    f"{label}consent.withdrawn ({withdrawn}) is before "
                                    f"consent.given ({given})"))
        show = consent.get("show")
        if consent.get("listed") is True and show in ("name-and-affiliation", "affiliation"):
            if not record.get("affiliation"):
                problems.append(Problem(display, consent.line_of("show"),
                                        f"{label}consent.show is {show} but the record has "
                                        "no affiliation"))
    return problems


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def _contributor(record: dict[str, Any], line: int) -> Contributor:
    consent = record.get("consent")
    wording = consent.get("wording") if consent else None
    return Contributor(
        id=record["id"],
        name=record["name"].strip(),
        roles=tuple(record["roles"]),
        type=record.get("type", "person"),
        affiliation=(record.get("affiliation") or "").strip() or None,
        sort_as=record.get("sort_as"),
        pseudonym=bool(record.get("pseudonym", False)),
        placeholder=bool(record.get("placeholder", False)),
        consent=None if consent is None else Consent(
            listed=consent["listed"],
            show=consent.get("show"),
            given=_date(consent.get("given")),
            method=consent.get("method"),
            wording=None if wording is None else str(wording),
            recorded_by=consent.get("recorded_by"),
            withdrawn=_date(consent.get("withdrawn")),
        ),
        line=line,
    )


# ---------------------------------------------------------------------- rendering

