"""Run every check on a report tree and return the findings, sorted and filtered.

The release gate and ``report check`` call the same :func:`run_checks`, so a tree that
passes ``report check --final`` is exactly a tree the gate accepts on these grounds.
"""

from __future__ import annotations

from pathlib import Path

from report.checks.built import built_findings
from report.checks.chapterwise import ChapterChecks
from report.checks.citations import bibliography_keys, citation_findings
from report.checks.findings import Finding
from report.checks.links import image_findings, link_findings
from report.checks.names import name_findings
from report.checks.plainenglish import plain_english_findings
from report.checks.rules import RULES
from report.checks.source import ChapterSource
from report.checks.structure import label_findings
from report.checks.suppressions import apply_allowances
from report.checks.terminology import load_terms
from report.manuscript import Manuscript


def consent_findings(manuscript: Manuscript) -> list[Finding]:
    """The consent and privacy checks, written beside these; absent, they are skipped."""
    try:
        from report.checks.consent import consent_findings as check
    except ImportError:
        return []
    return list(check(manuscript))


def manuscript_findings(manuscript: Manuscript, final: bool = False, *,
                        errors_only: bool = False,
                        kept: ChapterChecks | None = None) -> list[Finding]:
    """Every check of the source: terminology, consent, personal names, structure, drafts,
    plain English.

    ``errors_only`` (the build's gate, which stops on errors alone): the checks that can
    only warn or advise are not run (plain English, names outside attributions, terms
    that are not errors); the errors are the same. ``kept``: each chapter's own checks
    kept by its text (:mod:`report.checks.chapterwise`), with the terms and ``final``
    it was made with."""
    check = kept if kept is not None else chapter_checks(manuscript, None, final,
                                                        errors_only=errors_only)
    keys = bibliography_keys(manuscript)
    sources = [ChapterSource.read(chapter) for chapter in manuscript.chapters]
    findings: list[Finding] = []
    allowed = []
    for source in sources:
        result = check(source)
        allowed += result.allowed
        findings += result.findings
        findings += image_findings(source)  # the files on disk, not the text: never kept
    findings += label_findings(sources)
    findings += citation_findings(sources, keys, bool(manuscript.manifest.bibliography))
    findings += link_findings(sources)
    if not errors_only:
        findings += plain_english_findings(manuscript, sources)
    findings += consent_findings(manuscript)
    findings += name_findings(manuscript, sources, errors_only=errors_only)
    return apply_allowances(findings, allowed)


def chapter_checks(manuscript: Manuscript, cache: Path | None, final: bool = False, *,
                   errors_only: bool = False) -> ChapterChecks:
    """The chapter checks :func:`manuscript_findings` runs, kept in ``cache`` (a
    build's ``.cache`` folder; None: kept nowhere). Same ``final`` and ``errors_only``
    as the findings asked for."""
    terms = load_terms(manuscript)
    if errors_only:
        terms = [term for term in terms if term.severity == "error"]
    return ChapterChecks(cache, terms, final)


def run_checks(manuscript: Manuscript, final: bool = False, built: bool = False) -> list[Finding]:
    """All findings, sorted by path, line and column, without duplicates."""
    findings = manuscript_findings(manuscript, final)
    if built:
        findings += built_findings(manuscript)
    return sorted(set(findings), key=lambda f: (f.path, f.line, f.column, f.code, f.message))


def rule_descriptions(manuscript: Manuscript) -> dict[str, str]:
    """Every code this tree can produce, with a short description (for SARIF)."""
    descriptions = dict(RULES)
    for term in load_terms(manuscript):
        descriptions[term.id] = f"language to avoid: {term.message}"
    return descriptions
