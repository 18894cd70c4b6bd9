"""Plain English (PLAIN codes, all ``info``): long sentences, passive voice, reading age,
word counts against the targets in ``mkdocs.yml``.

The report is read by practitioners, policy makers and survivors; GOV.UK and the Plain
English Campaign advise short sentences (about 25 words at most) and the active voice.
These are advice, never errors: the author decides. The figures are estimates (a regular
expression for the passive, a vowel-group count for syllables), good enough to compare
chapters and drafts.

PLAIN001 sentence over 25 words        PLAIN004 word count off its target
PLAIN002 passive voice rate             PLAIN005 a word target for a file not in nav
PLAIN003 reading age (Flesch-Kincaid grade + 5)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from report.checks.findings import Finding
from report.checks.links import inline_links
from report.checks.source import ChapterSource, blank, blank_matches
from report.manuscript import MANIFEST, Manuscript, yamlsource

MAX_WORDS = 25
READING_AGE_ADVICE = 16
OVER_TARGET = 0.20
UNDER_TARGET = 0.50

_NOT_PROSE = [
    re.compile(r"^ {0,3}#{1,6}(?:[ \t].*)?$", re.M),                # headings
    re.compile(r"^[ \t]*:{3,}.*$", re.M),                            # div fences
    re.compile(r"^[ \t]*[|+].*$", re.M),                             # tables
    re.compile(r"^(?::|Table:)[ \t].*$", re.M),                      # table captions
    re.compile(r"^[ \t]*(?:-{3,}|\*{3,}|_{3,}|={3,})[ \t]*$", re.M),  # rules, setext lines
    re.compile(r"^ {0,3}\[[^\]]+\]:.*$", re.M),                      # link definitions
    re.compile(r"\{[^{}\n]*\}"),                                     # attribute blocks
    re.compile(r"\[[^\[\]]*@[^\[\]]*\]"),                            # [@citations]
    re.compile(r"-?@[\w:.#$%&+?<>~/-]*\w"),                          # @key, @fig-x
    re.compile(r"\[\^[^\]]+\]:?"),                                   # footnote marks
    re.compile(r"<[^>\n]+>"),                                        # HTML tags, autolinks
    re.compile(r"^[ \t]*>", re.M),                                   # blockquote marks
    re.compile(r"[*_]"),                                             # emphasis
]
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+", re.M)
_BOUNDARY = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s|$)")
_WORD = re.compile(r"\d[\d,.]*\d|\d|[A-Za-z\u00c0-\u024f][\w\u00c0-\u024f'\u2019-]*")
_ABBREVIATIONS = {"e.g", "i.e", "etc", "cf", "vs", "dr", "mr", "mrs", "ms", "st", "no", "nos",
                  "p", "pp", "vol", "al", "fig", "ch", "sec", "approx", "para", "paras"}
_IRREGULAR = (
    "been|born|beaten|become|begun|bitten|blown|broken|brought|built|bought|caught|chosen|"
    "done|drawn|driven|fallen|felt|found|forgotten|forgiven|given|grown|heard|held|hidden|"
    "hit|hurt|kept|known|laid|led|left|lent|lost|made|meant|met|paid|put|read|run|said|seen|"
    "sent|set|shown|shut|sold|spoken|spent|stolen|struck|taken|taught|told|thought|thrown|"
    "understood|won|written|withdrawn|undertaken|overseen|sought")
_PASSIVE = re.compile(
    rf"\b(?:am|is|are|was|were|be|been|being|get|gets|got|gotten)\s+(?:\w+ly\s+|not\s+)?"
    rf"(?:\w+ed|{_IRREGULAR})\b", re.I)


@dataclass(frozen=True)
class Sentence:
    offset: int
    text: str

    @property
    def words(self) -> list[str]:
        return _WORD.findall(self.text)


def prose_only(source: ChapterSource) -> str:
    """The chapter's running text, markup blanked; figures (captions are not sentences)
    and link targets removed, link text kept."""
    text = source.prose_masked
    for link in list(inline_links(text)):
        if link.image:
            text = blank(text, link.offset, link.end)
        else:
            text = blank(text, link.offset, link.offset + 1)
            text = blank(text, link.offset + 1 + len(link.text), link.end)
    for pattern in _NOT_PROSE:
        text = blank_matches(text, pattern)
    return text


def _blocks(text: str) -> list[tuple[int, int]]:
    """Paragraphs and list items: a sentence never runs from one into the next."""
    cuts = {0, len(text)}
    cuts |= {m.start() for m in re.finditer(r"\n[ \t]*\n", text)}
    cuts |= {m.start() for m in _LIST_ITEM.finditer(text)}
    ordered = sorted(cuts)
    return [(a, b) for a, b in zip(ordered, ordered[1:], strict=False) if text[a:b].strip()]


def sentences(text: str) -> list[Sentence]:
    found: list[Sentence] = []
    for start, end in _blocks(text):
        block = _LIST_ITEM.sub(lambda m: " " * len(m.group(0)), text[start:end], count=1)
        begin = 0
        for match in _BOUNDARY.finditer(block):
            before = re.search(r"([\w.]+)\.+$", block[begin:match.start() + 1])
            token = before.group(1).lower() if before else ""
            if match.group(0).startswith(".") and (token in _ABBREVIATIONS
                                                   or re.fullmatch(r"[a-z]", token)):
                continue
            _add(found, block, start, begin, match.end())
            begin = match.end()
        _add(found, block, start, begin, len(block))
    return found


def _add(found: list[Sentence], block: str, base: int, begin: int, end: int) -> None:
    piece = block[begin:end]
    if _WORD.search(piece):
        lead = len(piece) - len(piece.lstrip())
        found.append(Sentence(base + begin + lead, " ".join(piece.split())))


def syllables(word: str) -> int:
    word = re.sub(r"[^a-z]", "", word.lower())
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", lambda m: m.group(0)[0], word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]+", word)))


def reading_grade(found: list[Sentence]) -> float:
    """Flesch-Kincaid grade level of the sentences."""
    words = [w for s in found for w in s.words]
    if not words:
        return 0.0
    syllable_count = sum(syllables(w) for w in words)
    return 0.39 * len(words) / len(found) + 11.8 * syllable_count / len(words) - 15.59


def _target(manuscript: Manuscript, source: ChapterSource) -> int | None:
    targets = manuscript.manifest.word_targets
    for key in (source.chapter.page, source.rel):
        if key in targets:
            return targets[key]
    return None


def chapter_findings(manuscript: Manuscript, source: ChapterSource) -> list[Finding]:
    found = sentences(prose_only(source))
    findings: list[Finding] = []
    for sentence in found:
        count = len(sentence.words)
        if count > MAX_WORDS:
            findings.append(source.finding(
                sentence.offset, "PLAIN001", "info",
                f"sentence of {count} words (over {MAX_WORDS})", "split it into shorter ones"))
    word_count = sum(len(s.words) for s in found)
    body = len(source.text) - len(source.chapter.body)
    at = body + len(source.chapter.body) - len(source.chapter.body.lstrip())
    if found:
        passive = sum(1 for s in found if _PASSIVE.search(s.text))
        findings.append(source.finding(
            at, "PLAIN002", "info",
            f"passive voice in {passive} of {len(found)} sentences "
            f"({round(100 * passive / len(found))}%)",
            "prefer the active voice: say who does what" if passive / len(found) > 0.2 else None))
        grade = reading_grade(found)
        age = round(grade + 5)
        findings.append(source.finding(
            at, "PLAIN003", "info",
            f"reading age about {age} (Flesch-Kincaid grade {grade:.1f}, {word_count} words)",
            "shorter sentences and shorter words lower it" if age > READING_AGE_ADVICE else None))
    target = _target(manuscript, source)
    if target:
        if word_count > target * (1 + OVER_TARGET) or word_count < target * (1 - UNDER_TARGET):
            change = (word_count - target) / target
            direction = "over" if change > 0 else "under"
            findings.append(source.finding(
                at, "PLAIN004", "info",
                f"{word_count} words, {abs(round(100 * change))}% {direction} the target of "
                f"{target}", "cut it down" if change > 0 else "the chapter looks unfinished"))
    return findings


def target_findings(manuscript: Manuscript) -> list[Finding]:
    """Word targets naming a chapter that is not in ``nav`` (a renamed file, a typo)."""
    known = {c.page for c in manuscript.chapters} | {c.rel for c in manuscript.chapters}
    targets = manuscript.manifest.extra.get("word_targets")
    findings: list[Finding] = []
    for key in manuscript.manifest.word_targets:
        if key not in known:
            line = targets.line_of(key) if isinstance(targets, yamlsource.LinedDict) else 1
            findings.append(Finding(MANIFEST, line, 1, "PLAIN005", "info",
                                    f"word target for a file not in nav: {key}",
                                    "use the chapter's file name as in nav"))
    return findings


def plain_english_findings(manuscript: Manuscript,
                           sources: list[ChapterSource]) -> list[Finding]:
    findings = target_findings(manuscript)
    for source in sources:
        findings += chapter_findings(manuscript, source)
    return findings
