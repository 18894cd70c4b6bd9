"""The terminology check on single chapters: inflections, line breaks, emphasis, case,
exemptions, and the built-in list itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from report.checks.source import ChapterSource
from report.checks.suppressions import allowances, apply_allowances
from report.checks.terminology import builtin_terms, normalise, terminology_findings
from report.manuscript.chapter import load_chapter

TERMS = builtin_terms()


def check(tmp_path: Path, text: str) -> list[tuple[str, int, int]]:
    path = tmp_path / "one.md"
    path.write_text(text, encoding="utf-8")
    source = ChapterSource.read(load_chapter(path, "chapters/one.md", None))
    kept, malformed = allowances(source)
    findings = apply_allowances(terminology_findings(source, TERMS) + malformed, kept)
    return sorted((f.code, f.line, f.column) for f in findings)


@pytest.mark.parametrize("phrase", [
    "put themselves at risk", "puts herself at risk", "putting himself at risk",
    "Putting Themselves At Risk", "placed themselves in danger",
])
def test_inflections_of_putting_themselves_at_risk(tmp_path, phrase):
    assert check(tmp_path, f"# T\n\nShe {phrase} often.\n") == [("TERM005", 3, 5)]


@pytest.mark.parametrize(("text", "code"), [
    ("child prostitutes", "TERM001"), ("children's prostitution", "TERM001"),
    ("child porn", "TERM002"), ("child sex tourists", "TERM003"),
    ("involved in CSE", "TERM004"), ("involvement in county lines", "TERM004"),
    ("risk-taking behaviour", "TERM006"), ("risk taking behaviours", "TERM006"),
    ("recruited to a gang", "TERM007"), ("recruitment into county lines", "TERM007"),
    ("older boyfriend", "TERM008"), ("relationship with an older man", "TERM008"),
    ("drug runners", "TERM010"), ("money mule", "TERM010"), ("chose to", "TERM011"),
    ("keeps going missing", "TERM012"), ("LAC", "TERM013"),
    ("looked after children", "TERM014"), ("juvenile prostitution", "TERM015"),
    ("rent boys", "TERM016"), ("promiscuous", "TERM017"), ("prostituting themselves", "TERM018"),
    ("child sex workers", "TERM019"), ("lifestyle choice", "TERM020"),
    ("associated with gangs", "TERM021"),
])
def test_built_in_terms(tmp_path, text, code):
    found = check(tmp_path, f"# T\n\nWe read {text} here.\n")
    assert (code, 3, 9) in found


@pytest.mark.parametrize("text", [
    "The lace was white.",            # LAC is case-sensitive and whole-word
    "The child was sexually exploited.",
    "Child sexual abuse material was found.",
    "child\n\nprostitution",          # never across two paragraphs
    "childprostitution",
])
def test_correct_language_is_not_flagged(tmp_path, text):
    assert check(tmp_path, f"# T\n\n{text}\n") == []


def test_line_breaks_emphasis_and_blockquotes(tmp_path):
    text = ("# T\n\n> Seen as a child\n> **prostitute** by police.\n\n"
            "A *child\n   porn*ography case.\n")
    assert check(tmp_path, text) == [("TERM001", 3, 13), ("TERM002", 6, 4)]


def test_skipped_places(tmp_path):
    text = ("---\ntitle: child prostitution\n---\n# T\n\n```\nchild prostitution\n```\n\n"
            "Use `child prostitution` in code.\n\n<!-- child prostitution -->\n")
    assert check(tmp_path, text) == []


def test_term_quoted_span_and_allow_comment(tmp_path):
    text = ('# T\n\nThe [Child Prostitution\nReport]{.term-quoted reason="a 1996 title"}.\n\n'
            "<!-- report: allow TERM001, TERM002 quoted -->\nOld child prostitution law.\n\n"
            "Not kept: child prostitution.\n")
    assert check(tmp_path, text) == [("TERM001", 9, 11)]


def test_unused_allow_comment_is_reported(tmp_path):
    assert check(tmp_path, "# T\n\n<!-- report: allow TERM001 old -->\nClean text.\n") == [
        ("ALLOW002", 3, 1)]


def test_every_built_in_term_has_a_suggestion_and_a_source():
    assert len(TERMS) >= 20
    assert len({term.id for term in TERMS}) == len(TERMS)
    for term in TERMS:
        assert term.suggestion and term.source and term.severity in ("error", "warning", "info")


separators = st.lists(st.sampled_from([" ", "  ", "\n", "\n> ", "\t", " *", "* ", "_ "]),
                      min_size=1, max_size=3).map("".join).filter(
    lambda s: not re.search(r"\n[ \t>*_]*\n", s))  # a blank line ends the paragraph


@settings(max_examples=60, deadline=None)
@given(first=separators, second=separators, third=separators)
def test_any_whitespace_and_emphasis_between_words_matches(first, second, third):
    text = f"Said to be putting{first}themselves{second}at{third}risk."
    normal, offsets = normalise(text)
    term = next(t for t in TERMS if t.id == "TERM005")
    match = term.regex.search(normal)
    assert match is not None, repr(normal)
    assert offsets[match.start()] == text.index("putting")


def test_allow_comment_names_several_codes_including_hyphenated_ones(tmp_path):
    text = ("# T\n\n<!-- report: allow CONSENT-NAME, TERM016 quoted from a 1980s headline -->\n"
            "The rent boy headline.\n")
    assert check(tmp_path, text) == []


# Issue 17: every new entry with an example it catches and a near miss it leaves alone.
@pytest.mark.parametrize(("code", "caught", "near_miss"), [
    ("TERM022", "an illegal immigrant", "the Illegal Migration Act 2023"),
    ("TERM022", "illegal migrants", "an illegal entrant under the 1971 Act"),
    ("TERM023", "bogus asylum seekers", "children seeking asylum"),
    ("TERM023", "failed asylum seekers", "asylum seekers whose claims were refused"),
    ("TERM024", "consensual sexual activity", "non-consensual sexual activity"),
    ("TERM024", "a consensual relationship", "a consensus among agencies"),
    ("TERM025", "had sex with a 14-year-old", "sex and relationships education"),
    ("TERM025", "underage sex", "had sex with an adult partner"),
])
def test_new_terms_catch_and_leave_near_misses(tmp_path, code, caught, near_miss):
    assert code in {f[0] for f in check(tmp_path, f"# T\n\nWe read {caught} here.\n")}
    assert not [f for f in check(tmp_path, f"# T\n\nWe read {near_miss} here.\n")
                if f[0] == code]


@pytest.mark.parametrize(("caught", "near_miss"), [
    ("putting themselves at risk", "putting children at risk"),
    ("risk-taking behaviour", "risk assessment"),
    ("her older boyfriend", "her older brother"),
])
def test_victim_blaming_phrases_are_caught(tmp_path, caught, near_miss):
    assert check(tmp_path, f"# T\n\nWe read {caught} here.\n")
    assert check(tmp_path, f"# T\n\nWe read {near_miss} here.\n") == []
