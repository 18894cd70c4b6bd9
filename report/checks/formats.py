"""Findings written for people (text), programs (JSON), GitHub Actions and code scanning.

- ``text``: ``path:line:col: CODE severity: message``, what editors and CI logs turn into
  links;
- ``json``: the contract's list of objects, one document;
- ``github``: workflow commands, which GitHub shows as annotations on the lines of a pull
  request (escaping as the Actions toolkit does it);
- ``sarif``: SARIF 2.1.0, as ruff and other linters emit, for code-scanning views.

GitHub needs paths relative to the repository root; when the report tree is a folder of a
larger repository, ``prefix`` (that folder) is put before each path.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib import metadata

from report.checks.findings import Finding
from report.checks.rules import describe

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_GITHUB_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _message(finding: Finding) -> str:
    if finding.suggestion:
        return f"{finding.message} (suggestion: {finding.suggestion})"
    return finding.message


def _join(prefix: str, path: str) -> str:
    return f"{prefix.rstrip('/')}/{path}" if prefix else path


def text(findings: list[Finding]) -> str:
    """``path:line:col: CODE severity: message``: the contract's ``path:line:col: CODE
    message`` (editors and CI logs link it), the message led by its severity."""
    return "".join(f"{f.path}:{f.line}:{f.column}: {f.code} {f.severity}: {_message(f)}\n"
                   for f in findings)


def summary(findings: list[Finding], hidden: int = 0) -> str:
    """The closing line, for stderr: counts by severity, and how many were not shown."""
    counts = Counter(finding.severity for finding in findings)
    parts = [f"{counts[s]} {s if counts[s] == 1 or s == 'info' else s + 's'}"
             for s in ("error", "warning", "info") if counts[s] or s != "info"]
    total = len(findings)
    line = f"{total} finding{'s' if total != 1 else ''}: {', '.join(parts)}"
    if hidden:
        line += f" ({hidden} more at info level: --severity info)"
    return line + "."


def as_json(findings: list[Finding]) -> str:
    return json.dumps([finding.as_json() for finding in findings], indent=2,
                      ensure_ascii=False) + "\n"


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: list[Finding], prefix: str = "") -> str:
    lines = []
    for finding in findings:
        properties = ",".join(f"{key}={escape_property(str(value))}" for key, value in (
            ("file", _join(prefix, finding.path)), ("line", finding.line),
            ("col", finding.column), ("title", finding.code)))
        lines.append(f"::{_GITHUB_COMMAND.get(finding.severity, 'warning')} {properties}::"
                     f"{escape_data(_message(finding))}\n")
    return "".join(lines)


def _version() -> str:
    try:
        return metadata.version("report-toolkit")
    except metadata.PackageNotFoundError:
        return "0"


def sarif(findings: list[Finding], descriptions: dict[str, str] | None = None,
          prefix: str = "") -> str:
    codes = sorted({finding.code for finding in findings})
    index = {code: i for i, code in enumerate(codes)}
    rules = [{
        "id": code,
        "name": code,
        "shortDescription": {"text": describe(code, descriptions)},
    } for code in codes]
    results = [{
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": _SARIF_LEVEL.get(finding.severity, "warning"),
        "message": {"text": _message(finding)},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": _join(prefix, finding.path),
                                     "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": max(1, finding.line),
                           "startColumn": max(1, finding.column)},
            },
        }],
    } for finding in findings]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "report", "version": _version(), "rules": rules}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def render(findings: list[Finding], fmt: str, descriptions: dict[str, str] | None = None,
           prefix: str = "") -> str:
    if fmt == "json":
        return as_json(findings)
    if fmt == "github":
        return github(findings, prefix)
    if fmt == "sarif":
        return sarif(findings, descriptions, prefix)
    return text(findings)
