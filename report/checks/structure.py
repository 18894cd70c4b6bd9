"""Structure (STRUCT codes): headings, labels, cross-references, footnotes, divs.

These are what a reader of the tagged PDF or a screen-reader user navigates by (headings),
and what the render would otherwise fail on halfway through a build (an unknown label, a
footnote without text); finding them here gives the author every one at once, with a line.

STRUCT001 no level-1 heading          STRUCT010 duplicate label
STRUCT002 more than one level-1       STRUCT011 cross-reference to an unknown label
STRUCT003 first heading not level 1   STRUCT050 footnote reference without a note
STRUCT004 skipped heading level       STRUCT051 footnote never referenced
STRUCT060 div not closed              STRUCT052 footnote defined twice
STRUCT070 recommendation without an addressee (``to=``)
STRUCT080 a list item's line that starts with a cross-reference and "." or ")"
"""

from __future__ import annotations

import difflib
import re

from report.checks.findings import Finding
from report.checks.outline import Label, headings, labels
from report.checks.source import ChapterSource

CROSSREF_PREFIXES = ("rec", "ch", "sec", "fig", "tbl", "box")
_ATTRIBUTE_BLOCK = re.compile(r"\{[^{}\n]*\}")
CROSSREF = re.compile(
    r"(?<![\w@/.:+-])-?@((?:" + "|".join(CROSSREF_PREFIXES) + r")-[\w:.#$%&+?<>~/-]*\w)")
_FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
_FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:", re.M)
_FENCE = re.compile(r"^[ \t]*(:{3,})[ \t]*(.*?)[ \t]*$", re.M)
_RECOMMENDATION = re.compile(r"(?<![\w-])\.recommendation(?![\w-])")
_TO = re.compile(r"""(?<![\w-])to\s*=\s*(?:"[^"]*\S[^"]*"|'[^']*\S[^']*'|[^\s"'}]+)""")


def without_attributes(text: str) -> str:
    """Attribute blocks blanked: ``fig-alt="... @x ..."`` is alt text, not a citation."""
    return _ATTRIBUTE_BLOCK.sub(lambda m: " " * len(m.group(0)), text)


def heading_findings(source: ChapterSource) -> list[Finding]:
    found = headings(source.prose_masked)
    findings: list[Finding] = []
    top = [h for h in found if h.level == 1]
    if not top:
        offset = found[0].offset if found else len(source.text) - len(source.chapter.body)
        findings.append(source.finding(offset, "STRUCT001", "warning",
                                       "chapter has no level-1 heading (# Title)",
                                       "start the chapter with one # heading"))
    for extra in top[1:]:
        findings.append(source.finding(extra.offset, "STRUCT002", "error",
                                       f"second level-1 heading \u201c{extra.text}\u201d: "
                                       "a chapter has exactly one",
                                       "make it ## or split the chapter"))
    if found and found[0].level != 1 and top:
        findings.append(source.finding(found[0].offset, "STRUCT003", "warning",
                                       "the first heading must be the chapter's # heading",
                                       "move the # heading to the top"))
    previous = 0
    for heading in found:
        if previous and heading.level > previous + 1:
            findings.append(source.finding(
                heading.offset, "STRUCT004", "warning",
                f"heading level skips from {previous} to {heading.level}",
                f"use {'#' * (previous + 1)} here"))
        previous = heading.level
    return findings


def label_findings(sources: list[ChapterSource]) -> list[Finding]:
    """Labels must be unique across the whole report, and every ``@rec-``/``@ch-``/...
    reference must name one."""
    where: dict[str, tuple[ChapterSource, int]] = {}
    findings: list[Finding] = []
    for source in sources:
        own = labels(source.prose_masked)
        names = [label.name for label in own]
        if source.chapter.label not in names:
            own.insert(0, _chapter_label(source))
        for label in own:
            if label.name in where:
                other, offset = where[label.name]
                line, _ = other.position(offset)
                findings.append(source.finding(
                    label.offset, "STRUCT010", "error",
                    f"duplicate label #{label.name} (also {other.rel}:{line})",
                    "give each label a unique name"))
            else:
                where[label.name] = (source, label.offset)
    for source in sources:
        for match in CROSSREF.finditer(without_attributes(source.prose_masked)):
            name = match.group(1)
            if name not in where:
                findings.append(source.finding(
                    match.start(), "STRUCT011", "error",
                    f"cross-reference to an unknown label @{name}",
                    _nearest_label(name, where)))
    return findings


def _chapter_label(source: ChapterSource) -> Label:
    """The chapter's own label, placed at its ``label:`` key or its first line."""
    key = re.search(r"^label[ \t]*:", source.text, re.M)
    offset = key.start() if key and key.start() < len(source.text) - len(source.chapter.body) \
        else 0
    return Label(source.chapter.label, offset)


def _nearest_label(name: str, known: dict[str, object]) -> str:
    prefix = name.split("-", 1)[0] + "-"
    same_kind = sorted(label for label in known if label.startswith(prefix))
    if not same_kind:
        return f"add {{#{name}}} where it belongs, or fix the reference"
    close = difflib.get_close_matches(name, same_kind, n=1)
    if close:
        return f"did you mean @{close[0]}?"
    return f"known {prefix} labels: {', '.join(same_kind[:5])}"


def footnote_findings(source: ChapterSource) -> list[Finding]:
    text = source.prose_masked
    defined: dict[str, int] = {}
    findings: list[Finding] = []
    for match in _FOOTNOTE_DEF.finditer(text):
        name = match.group(1)
        if name in defined:
            findings.append(source.finding(match.start(), "STRUCT052", "error",
                                           f"footnote [^{name}] defined twice",
                                           "rename one of the notes"))
        else:
            defined[name] = match.start()
    used: set[str] = set()
    for match in _FOOTNOTE_REF.finditer(text):
        name = match.group(1)
        used.add(name)
        if name not in defined:
            findings.append(source.finding(match.start(), "STRUCT050", "error",
                                           f"footnote [^{name}] has no note",
                                           f"add a line [^{name}]: ... to this chapter"))
    for name, offset in defined.items():
        if name not in used:
            findings.append(source.finding(offset, "STRUCT051", "warning",
                                           f"footnote [^{name}] is never referenced",
                                           f"add [^{name}] in the text, or remove the note"))
    return findings


def div_findings(source: ChapterSource) -> list[Finding]:
    """Fenced divs balanced, and each recommendation addressed to someone."""
    findings: list[Finding] = []
    stack: list[int] = []
    for match in _FENCE.finditer(source.prose_masked):
        opener = match.group(2)
        if opener:
            stack.append(match.start())
            if _RECOMMENDATION.search(opener) and not _TO.search(opener):
                findings.append(source.finding(
                    match.start(), "STRUCT070", "warning",
                    "recommendation without an addressee",
                    'add to="..." (the body the recommendation is addressed to)'))
        elif stack:
            stack.pop()
    for offset in stack:
        findings.append(source.finding(offset, "STRUCT060", "error",
                                       "div opened here is never closed", "add a ::: line"))
    return findings


# A continuation line of a list item that opens with "@label." or "@label)": pandoc's
# list reader takes it for an example-list marker and starts a new block there, even with
# example_lists off, so the item is split (a second paragraph in Word, its own pack
# number). A line of a paragraph outside a list is read as one would expect.
_SPLIT_ITEM_LINE = re.compile(r"^([ \t]+)@[A-Za-z][\w:-]*[.)](?=[ \t]|$)", re.M)
_LIST_MARKER = re.compile(r"^([ \t]*)(?:[-*+]|\d+[.)]|#[.)])[ \t]")


def list_item_findings(source: ChapterSource) -> list[Finding]:
    """A list item's line that pandoc would split off (see ``_SPLIT_ITEM_LINE``)."""
    findings: list[Finding] = []
    text = source.prose_masked
    for match in _SPLIT_ITEM_LINE.finditer(text):
        indent = len(match.group(1).expandtabs(4))
        lines = text[:match.start()].splitlines()
        for line in reversed(lines):
            if not line.strip():
                break
            marker = _LIST_MARKER.match(line)
            if marker and len(marker.group(1).expandtabs(4)) < indent:
                findings.append(source.finding(
                    match.start(1) + len(match.group(1)), "STRUCT080", "warning",
                    "pandoc splits this list item here: a line may not start with a "
                    "cross-reference followed by '.' or ')'",
                    "move a word from the line before to the start of this line"))
                break
            if len(line) - len(line.lstrip()) < indent:
                break
    return findings


def chapter_structure_findings(source: ChapterSource) -> list[Finding]:
    """What one chapter's text alone decides: headings, footnotes, divs, list items
    (kept by the chapter's text, :mod:`report.checks.chapterwise`)."""
    return (heading_findings(source) + footnote_findings(source) + div_findings(source)
            + list_item_findings(source))


def structure_findings(sources: list[ChapterSource]) -> list[Finding]:
    findings = label_findings(sources)
    for source in sources:
        findings += chapter_structure_findings(source)
    return findings
