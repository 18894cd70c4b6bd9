"""One line per finding code, for the rule list of SARIF output (code-scanning views).

Codes are stable: a CI configuration, an allow comment or a code-scanning alert refers to
them, so a code is never reused for a different check. Terminology codes come from the
term list (built-in and the tree's own) and are described there.
"""

from __future__ import annotations

RULES: dict[str, str] = {
    "TERM900": "term-quoted span without a reason",
    "ALLOW001": "allow comment without a reason",
    "ALLOW002": "allow comment that keeps no finding",
    "STRUCT001": "chapter without a level-1 heading",
    "STRUCT002": "more than one level-1 heading in a chapter",
    "STRUCT003": "first heading of a chapter is not level 1",
    "STRUCT004": "skipped heading level",
    "STRUCT010": "duplicate label",
    "STRUCT011": "cross-reference to an unknown label",
    "STRUCT020": "citation not in the bibliography",
    "STRUCT030": "image not found",
    "STRUCT031": "figure without alt text (fig-alt)",
    "STRUCT032": "image without alt text",
    "STRUCT040": "external link, listed for a person to check",
    "STRUCT041": "link to a missing file",
    "STRUCT042": "link to a missing anchor",
    "STRUCT050": "footnote reference without a note",
    "STRUCT051": "footnote never referenced",
    "STRUCT052": "footnote defined twice",
    "STRUCT060": "div not closed",
    "STRUCT070": "recommendation without an addressee",
    "STRUCT080": "list item split by a line starting with a cross-reference",
    "DRAFT001": "CriticMarkup left in the text",
    "DRAFT002": "TODO, FIXME or XXX left in the text",
    "DRAFT003": "draft passage (::: {.draft})",
    "DRAFT004": "chapter marked draft: true",
    "PLAIN001": "sentence over 25 words",
    "PLAIN002": "passive voice rate of a chapter",
    "PLAIN003": "reading age of a chapter",
    "PLAIN004": "chapter word count off its target",
    "PLAIN005": "word target for a file not in nav",
    "A11Y001": "PDF not tagged (no structure tree)",
    "A11Y002": "PDF MarkInfo Marked not true",
    "A11Y003": "PDF without a document language",
    "A11Y004": "PDF DisplayDocTitle not true",
    "A11Y005": "PDF without a document title",
    "A11Y006": "PDF Figure without alt text",
    "A11Y007": "PDF without an outline",
    "A11Y008": "PDF without a PDF/UA identifier",
    "A11Y009": "PDF font not embedded",
    "A11Y010": "PDF cannot be read",
    "A11Y020": "EPUBCheck error",
    "A11Y021": "EPUBCheck warning",
    "A11Y029": "EPUB not checked",
    "A11Y030": "built edition missing",
    "A11Y040": "web page fails a WCAG 2.x A/AA rule (axe-core)",
    "A11Y041": "web page requests another host",
    "A11Y049": "web edition not checked",
    # Consent and privacy (report.checks.consent, from the contributors work).
    "CONSENT-NAME": "name of a contributor who has not consented to be named",
    "CONSENT-AFFILIATION": "affiliation of a contributor listed by name only",
    "CONSENT-PARTICIPANT": "participant named in the text (Chatham House Rule)",
    "CONSENT-QUOTE": "quote attributed to a contributor or their organisation",
    "CONSENT-RECORD": "consent record incomplete",
    # Personal names beyond the register (report.checks.names).
    "NAME-ATTRIBUTION": "personal name in a quote attribution (Chatham House Rule)",
    "NAME-TEXT": "personal name not in the register, not cited, not in a public office",
}


def describe(code: str, extra: dict[str, str] | None = None) -> str:
    """Short description of a code; codes of other checks (consent) fall back to the code."""
    if extra and code in extra:
        return extra[code]
    return RULES.get(code, code)
