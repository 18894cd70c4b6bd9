"""Allow comments: ``<!-- report: allow TERM001 reason -->`` keeps one finding, visibly.

A comment applies to the findings with the named codes on its own line and on the line
after it, like ``# noqa`` in a linter but with a reason that a reviewer can read. Without a
reason it does nothing and is itself reported (ALLOW001); one that keeps nothing is reported
too (ALLOW002) so that stale exemptions do not pile up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from report.checks.findings import Finding
from report.checks.source import ChapterSource

_CODE = r"[A-Z][A-Z0-9-]*[A-Z0-9]"
_ALLOW = re.compile(
    rf"<!--\s*report:\s*allow\s+({_CODE}(?:\s*,\s*{_CODE})*)(?![\w-])(.*?)-->", re.S)


@dataclass
class Allowance:
    """One allow comment: which codes, on which lines, and whether it was used."""

    path: str
    codes: frozenset[str]
    lines: frozenset[int]
    reason: str
    line: int
    column: int
    used: bool = False

    def covers(self, finding: Finding) -> bool:
        return (finding.path == self.path and finding.code in self.codes
                and finding.line in self.lines)


def allowances(source: ChapterSource) -> tuple[list[Allowance], list[Finding]]:
    """The chapter's allow comments (outside code), and findings for malformed ones."""
    found: list[Allowance] = []
    findings: list[Finding] = []
    for match in _ALLOW.finditer(source.code_masked):
        line, column = source.position(match.start())
        end_line, _ = source.position(match.end())
        reason = " ".join(match.group(2).split())
        if not reason:
            findings.append(source.finding(
                match.start(), "ALLOW001", "warning",
                "allow comment without a reason: nothing is kept",
                f"<!-- report: allow {match.group(1)} <why this occurrence stays> -->"))
            continue
        codes = frozenset(code.strip() for code in match.group(1).split(","))
        found.append(Allowance(source.rel, codes, frozenset({line, end_line, end_line + 1}),
                               reason, line, column))
    return found, findings


def apply_allowances(findings: list[Finding], allowed: list[Allowance]) -> list[Finding]:
    """Drop the findings an allow comment covers; report the comments that cover none."""
    kept: list[Finding] = []
    for finding in findings:
        covering = [a for a in allowed if a.covers(finding)]
        for allowance in covering:
            allowance.used = True
        if not covering:
            kept.append(finding)
    for allowance in allowed:
        if not allowance.used:
            kept.append(Finding(allowance.path, allowance.line, allowance.column, "ALLOW002",
                                "info", f"allow comment for {', '.join(sorted(allowance.codes))} "
                                "keeps nothing", "remove the comment"))
    return kept
