"""Terminology (TERM codes): language the sector has agreed to avoid, with what to write.

The list lives in a data file (``data/terminology.yaml``) so that an author can read it and
extend it without touching code: a report tree may add entries, or change built-in ones by
reusing their id, in the file named by ``extra.terminology`` in ``mkdocs.yml``.

Authors break lines and add emphasis anywhere, so a phrase is matched in a normalised copy
of the prose (emphasis and brackets removed, whitespace and blockquote markers collapsed to
one space) that keeps, for every character, its offset in the file.

An occurrence is kept, visibly in the source, by a span ``[text]{.term-quoted reason="..."}``
(for example the title of a law or a report) or by an allow comment (see ``suppressions``).
A span without a reason does not exempt anything: a reason is what a reviewer reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from report.checks.findings import SEVERITIES, Finding
from report.checks.source import ChapterSource, blank
from report.errors import InputError, Problem
from report.manuscript import Manuscript, yamlsource

BUILTIN = "data/terminology.yaml"
_ID = re.compile(r"^[A-Z][A-Z0-9]*\d+$")
_TERM_QUOTED = re.compile(
    r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\{([^{}]*(?<![\w-])\.term-quoted(?![\w-])[^{}]*)\}")
_REASON = re.compile(r"""(?<![\w-])reason\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'}]+))""")
_DROPPED = frozenset("*_[]")


@dataclass(frozen=True)
class Term:
    """One entry of the list: a compiled pattern and what to tell the author."""

    id: str
    regex: re.Pattern[str]
    severity: str
    message: str
    suggestion: str
    source: str


def _phrases_regex(phrases: list[str]) -> str:
    """Plain phrases: escaped, spaces as any whitespace, the last word with a plural."""
    parts = []
    for phrase in phrases:
        words = [re.escape(word) for word in phrase.split()]
        if words:
            words[-1] += "(?:s|es)?"
            parts.append(" ".join(words))
    return "|".join(parts)


def _compile(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", flags)


def parse_terms(data: object, display: str) -> list[Term]:
    """Validate a terminology file's content; every problem is reported at its line."""
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise InputError(Problem(display, getattr(data, "line", 1) or 1,
                                 "expected a mapping with a list under 'terms'"))
    terms: list[Term] = []
    problems: list[Problem] = []
    items = data["terms"]
    for index, entry in enumerate(items):
        line = items.line_of(index) if isinstance(items, yamlsource.LinedList) else None
        if not isinstance(entry, dict):
            problems.append(Problem(display, line, "a term must be a mapping with id, "
                                    "pattern or phrases, severity, suggestion"))
            continue
        term_id = str(entry.get("id") or "")
        if not _ID.match(term_id):
            problems.append(Problem(display, line, f"term id {term_id!r} must look like TERM123"))
            continue
        severity = str(entry.get("severity") or "warning")
        if severity not in SEVERITIES:
            problems.append(Problem(display, line, f"{term_id}: severity must be one of "
                                    f"{', '.join(SEVERITIES)}"))
            continue
        pattern = entry.get("pattern")
        phrases = entry.get("phrases")
        if isinstance(phrases, str):
            phrases = [phrases]
        if bool(pattern) == bool(phrases):
            problems.append(Problem(display, line, f"{term_id}: give either pattern or phrases"))
            continue
        if phrases is not None:
            if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
                problems.append(Problem(display, line,
                                        f"{term_id}: phrases must be a list of text"))
                continue
            pattern = _phrases_regex(phrases)
        try:
            regex = _compile(str(pattern), bool(entry.get("case_sensitive", False)))
        except re.error as exc:
            problems.append(Problem(display, line, f"{term_id}: bad pattern: {exc}"))
            continue
        if regex.search(""):
            problems.append(Problem(display, line, f"{term_id}: pattern matches empty text"))
            continue
        if not entry.get("suggestion"):
            problems.append(Problem(display, line, f"{term_id}: a suggestion is required"))
            continue
        terms.append(Term(
            id=term_id,
            regex=regex,
            severity=severity,
            message=str(entry.get("message") or "language to avoid"),
            suggestion=str(entry["suggestion"]),
            source=str(entry.get("source") or ""),
        ))
    if problems:
        raise InputError(problems)
    return terms


def builtin_terms() -> list[Term]:
    text = resources.files("report.checks").joinpath(BUILTIN).read_text(encoding="utf-8")
    return parse_terms(yamlsource.parse(text, f"report/checks/{BUILTIN}"), BUILTIN)


def load_terms(manuscript: Manuscript) -> list[Term]:
    """The built-in list merged with the tree's own (its entries win on the same id)."""
    terms = {term.id: term for term in builtin_terms()}
    extra = manuscript.manifest.extra.get("terminology")
    if extra:
        display = str(extra)
        path = Path(manuscript.root, display)
        if not path.is_file():
            raise InputError(Problem("mkdocs.yml", _extra_line(manuscript, "terminology"),
                                     f"extra.terminology: file not found: {display}"))
        for term in parse_terms(yamlsource.load(path, display), display):
            terms[term.id] = term
    return sorted(terms.values(), key=lambda term: term.id)


def _extra_line(manuscript: Manuscript, key: str) -> int | None:
    extra = manuscript.manifest.config.get("extra")
    return extra.line_of(key) if isinstance(extra, yamlsource.LinedDict) else None


def normalise(text: str) -> tuple[str, list[int]]:
    """Prose with emphasis and brackets dropped and whitespace collapsed, and for each
    character of the result its offset in ``text``; a blank line stays a line break so
    that no phrase is matched across two paragraphs."""
    out: list[str] = []
    offsets: list[int] = []
    line_start = True
    pending_space = -1
    newlines = 0
    for offset, char in enumerate(text):
        if char == "\n":
            line_start = True
            newlines += 1
            if pending_space < 0:
                pending_space = offset
            continue
        if char.isspace() or (line_start and char == ">"):
            if pending_space < 0:
                pending_space = offset
            continue
        line_start = False
        if char in _DROPPED:
            continue
        if pending_space >= 0:
            if out:
                out.append("\n" if newlines > 1 else " ")
                offsets.append(pending_space)
            pending_space = -1
            newlines = 0
        out.append(char)
        offsets.append(offset)
    return "".join(out), offsets


def _quoted_spans(source: ChapterSource) -> tuple[str, list[Finding]]:
    """The prose with well-formed term-quoted spans blanked; a span without a reason is
    reported and left in place."""
    prose = source.prose_masked
    findings: list[Finding] = []
    for match in _TERM_QUOTED.finditer(prose):
        reason = _REASON.search(match.group(2))
        if reason and any((reason.group(i) or "").strip() for i in (1, 2, 3)):
            prose = blank(prose, match.start(), match.end())
        else:
            findings.append(source.finding(
                match.start(), "TERM900", "warning",
                "term-quoted span without a reason: the terms in it are still checked",
                'add reason="..." (for example: reason="title of the report quoted")'))
    return prose, findings


def terminology_findings(source: ChapterSource, terms: list[Term]) -> list[Finding]:
    """Every occurrence of every term in one chapter, at the line and column it starts."""
    prose, findings = _quoted_spans(source)
    normal, offsets = normalise(prose)
    for term in terms:
        for match in term.regex.finditer(normal):
            quoted = " ".join(match.group(0).split())
            findings.append(source.finding(
                offsets[match.start()], term.id, term.severity,
                f"avoid \u201c{quoted}\u201d: {term.message}", term.suggestion))
    return findings
