"""Run every check on a report tree and return the findings, sorted and filtered.

The release gate and ``report check`` call the same :func:`run_checks`, so a tree that
passes ``report check --final`` is exactly a tree the gate accepts on these grounds.
"""

from __future__ import annotations

from report.checks.built import built_findings
from report.checks.citations import bibliography_keys, citation_findings
from report.checks.draftmarks import draft_findings
from report.checks.findings import Finding
from report.checks.links import image_findings, link_findings
from report.checks.names import name_findings
from report.checks.plainenglish import plain_english_findings
from report.checks.rules import RULES
from report.checks.source import ChapterSource
from report.checks.structure import structure_findings
from report.checks.suppressions import allowances, apply_allowances
from report.checks.terminology import load_terms, terminology_findings
from report.manuscript import Manuscript


def consent_findings(manuscript: Manuscript) -> list[Finding]:
    """The consent and privacy checks, written beside these; absent, they are skipped."""
    try:
        from report.checks.consent import consent_findings as check
    except ImportError:
        return []
    return list(check(manuscript))


def manuscript_findings(manuscript: Manuscript, final: bool = False) -> list[Finding]:
    """Every check of the source: terminology, consent, personal names, structure, drafts,
    plain English."""
    terms = load_terms(manuscript)
    keys = bibliography_keys(manuscript)
    sources = [ChapterSource.read(chapter) for chapter in manuscript.chapters]
    findings: list[Finding] = []
    allowed = []
    for source in sources:
        kept, malformed = allowances(source)
        allowed += kept
        findings += malformed
        findings += terminology_findings(source, terms)
        findings += draft_findings(source, final)
        findings += image_findings(source)
    findings += structure_findings(sources)
    findings += citation_findings(sources, keys, bool(manuscript.manifest.bibliography))
    findings += link_findings(sources)
    findings += plain_english_findings(manuscript, sources)
    findings += consent_findings(manuscript)
    findings += name_findings(manuscript, sources)
    return apply_allowances(findings, allowed)


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
