"""Draft marks (DRAFT codes): what must not reach a final edition.

While writing, CriticMarkup and TODOs are normal, so they are warnings; a passage or a
chapter marked draft is the author's own deliberate mark, printed as such in every draft
edition, so it is info until then (35 warnings on the bundled report that no author would
act on before the text is confirmed). With ``--final`` (and so in the release gate) all
are errors, because a final edition must not print a reviewer's note or a passage still
"to be confirmed".

DRAFT001 CriticMarkup, DRAFT002 TODO/FIXME/XXX, DRAFT003 a ``::: {.draft}`` passage,
DRAFT004 ``draft: true`` in a chapter's front matter.
"""

from __future__ import annotations

import re

from report.checks.findings import Finding
from report.checks.source import ChapterSource, front_matter_end

_CRITIC = re.compile(
    r"\{\+\+(?P<add>.*?)\+\+\}|\{--(?P<del>.*?)--\}|\{~~(?P<sub>.*?)~~\}"
    r"|\{==(?P<mark>.*?)==\}|\{>>(?P<note>.*?)<<\}", re.S)
_CRITIC_KIND = {
    "add": "an insertion {++ ++}",
    "del": "a deletion {-- --}",
    "sub": "a substitution {~~ ~> ~~}",
    "mark": "a highlight {== ==}",
    "note": "a comment {>> <<}",
}
_TODO = re.compile(r"(?<![\w-])(TODO|FIXME|XXX)(?![\w-])")
_DRAFT_DIV = re.compile(
    r"^[ \t]*:{3,}[ \t]*(?:\{[^}\n]*(?<![\w-])\.draft(?![\w-])[^}\n]*\}|draft(?![\w-]))", re.M)
_DRAFT_KEY = re.compile(r"^draft[ \t]*:", re.M)


def draft_findings(source: ChapterSource, final: bool) -> list[Finding]:
    severity = "error" if final else "warning"
    marked = "error" if final else "info"
    text = source.code_masked
    findings: list[Finding] = []
    for match in _CRITIC.finditer(text):
        kind = next(name for name, value in match.groupdict().items() if value is not None)
        findings.append(source.finding(
            match.start(), "DRAFT001", severity, f"CriticMarkup: {_CRITIC_KIND[kind]}",
            "accept or reject the change and remove the mark"))
    for match in _TODO.finditer(text):
        findings.append(source.finding(
            match.start(), "DRAFT002", severity, f"{match.group(1)} left in the text",
            "resolve it and remove the mark"))
    for match in _DRAFT_DIV.finditer(text):
        findings.append(source.finding(
            match.start(), "DRAFT003", marked, "draft passage (::: {.draft})",
            "confirm the text and remove the draft div"))
    if source.chapter.draft:
        end = front_matter_end(source.text)
        key = _DRAFT_KEY.search(source.text, 0, end)
        findings.append(source.finding(
            key.start() if key else 0, "DRAFT004", marked,
            "the whole chapter is marked draft: true", "remove draft: true from the front matter"))
    return findings
