"""The checks one chapter's text decides alone, kept by that text.

Most of what ``report check`` and the build's gate compute looks at one chapter at a time:
its allow comments, its terms, its draft marks, its headings, footnotes, divs and list
items. On the 470-page corpus that is about 2 s of Python (the terms alone: every
chapter normalised character by character), paid again on every build although a
one-chapter edit changes one chapter's text. So the build keeps each chapter's results
under ``build/.cache/checks``, keyed by the chapter's path and text, the terms checked
(their patterns, severities and words), draft or final, and the toolkit's fingerprint:
an edit re-checks the edited chapter, and the whole-book checks (labels, links,
citations, consent, names in attributions) run on what they need.

An entry that cannot be read or is not as written (missing, truncated, damaged) is a
miss, never an error. Entries are written only by :meth:`ChapterChecks.save`, which the
build calls once the sources passed: a refused build writes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from report.checks.draftmarks import draft_findings
from report.checks.findings import Finding
from report.checks.source import ChapterSource
from report.checks.structure import chapter_structure_findings
from report.checks.suppressions import Allowance, allowances
from report.checks.terminology import Term, terminology_findings
from report.render.cache import JsonCache, digest

FOLDER = "checks"
VERSION = "1"


@dataclass
class ChapterResult:
    """One chapter's own findings and the allow comments it holds."""

    findings: list[Finding]
    allowed: list[Allowance]

    def as_json(self) -> dict:
        return {"findings": [asdict(f) for f in self.findings],
                "allowed": [{**asdict(a), "codes": sorted(a.codes), "lines": sorted(a.lines)}
                            for a in self.allowed]}

    @classmethod
    def from_json(cls, value: object) -> ChapterResult | None:
        """The result as kept, or None when the entry is not one (a damaged cache)."""
        try:
            findings = [Finding(**item) for item in value["findings"]]  # type: ignore[index]
            allowed = [Allowance(**{**item, "codes": frozenset(item["codes"]),
                                    "lines": frozenset(item["lines"]), "used": False})
                       for item in value["allowed"]]  # type: ignore[index]
        except (TypeError, KeyError, ValueError):
            return None
        return cls(findings, allowed)


def check_chapter(source: ChapterSource, terms: list[Term], final: bool) -> ChapterResult:
    """Everything one chapter's text decides: allow comments, terms, draft marks,
    headings, footnotes, divs, list items."""
    allowed, findings = allowances(source)
    findings += terminology_findings(source, terms)
    findings += draft_findings(source, final)
    findings += chapter_structure_findings(source)
    return ChapterResult(findings, allowed)


class ChapterChecks:
    """:func:`check_chapter` with its results kept by content in ``cache`` (a build's
    ``.cache`` folder; None keeps nothing, as ``report check`` does: it writes no
    ``build/``)."""

    def __init__(self, cache: Path | None, terms: list[Term], final: bool):
        self.terms = terms
        self.final = final
        self.kept = JsonCache(cache / FOLDER) if cache is not None else None
        self._setting = ""
        if cache is not None:
            from report import fingerprint

            self._setting = digest(VERSION, fingerprint.toolkit(cache.parent), str(final),
                                   repr([(t.id, t.regex.pattern, t.regex.flags, t.severity,
                                          t.message, t.suggestion) for t in terms]))

    def __call__(self, source: ChapterSource) -> ChapterResult:
        if self.kept is None:
            return check_chapter(source, self.terms, self.final)
        key = digest(self._setting, source.rel, source.text)
        found = self.kept.get(key)
        result = ChapterResult.from_json(found) if found is not None else None
        if result is None:
            result = check_chapter(source, self.terms, self.final)
            self.kept.put(key, result.as_json())
        return result

    def save(self) -> None:
        """Write the new entries and drop those this run did not use."""
        if self.kept is not None:
            self.kept.save()
            self.kept.prune()
