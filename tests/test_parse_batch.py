"""The batched parse (a few pandoc processes, ``filters/parsebatch.lua``) gives every
chapter exactly the parse its own pandoc process gives: same blocks, same warnings."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from report.manuscript import load
from report.manuscript.chapter import Chapter
from report.render import batches, parse
from report.render.parse import ParseCache, reader_input

ROOT = Path(__file__).resolve().parent.parent
TREES = sorted(p for p in (ROOT / "tests/trees").iterdir() if (p / "mkdocs.yml").is_file())

# What the command line does to a text before the reader sees it, and what the reader
# warns about: tabs (expanded to stops of 4 outside and inside code), carriage returns,
# a byte-order mark, a fenced div never closed, a footnote defined twice, abbreviations.
AWKWARD = [
    "\ufeffTitle\r\n\r\n\tcode\there\r\n\r\n- a\tb\r\n\r\n    x\ty\n\n|a|b|\n|-|-|\n|1\t|2|",
    "Mr. Smith met Dr. Jones, e.g. at 5 p.m.\n\nab\tc\td\t\te\n",
    "Intro.\n\n::: {.draft}\nNever closed.\n",
    "Text[^1] and more[^1].\n\n[^1]: One.\n[^1]: Two.\n\n::: box\n::: inner\nx\n:::\n:::\n",
    "",
    "no final newline\twith a tab",
]


def _one_by_one(chapters: list[Chapter], folder: Path) -> list[dict]:
    cache = ParseCache(folder)
    return [cache.parse(chapter) for chapter in chapters]


def _batched(chapters: list[Chapter], folder: Path) -> list[dict]:
    return ParseCache(folder).parse_batch(chapters)


def _same(chapters: list[Chapter], tmp_path: Path) -> None:
    alone = _one_by_one(chapters, tmp_path / "alone")
    batched = _batched(chapters, tmp_path / "batched")
    for chapter, one, other in zip(chapters, alone, batched, strict=True):
        assert json.dumps(other) == json.dumps(one), chapter.rel


@pytest.mark.parametrize("root", [ROOT, *TREES], ids=lambda p: p.name)
def test_batched_parse_of_each_tree_is_identical(root: Path, tmp_path: Path) -> None:
    _same(load(root).chapters, tmp_path)


def test_batched_parse_of_awkward_texts_is_identical(tmp_path: Path) -> None:
    base = load(ROOT).chapters[0]
    chapters = [dataclasses.replace(base, rel=f"chapters/awkward-{i}.md", body=body)
                for i, body in enumerate(AWKWARD)]
    alone = _one_by_one(chapters, tmp_path / "alone")
    assert any("unclosed" in w for r in alone for w in r["warnings"])  # the case is live
    assert any("Duplicate note" in w for r in alone for w in r["warnings"])
    _same(chapters, tmp_path)


def test_parse_chapters_batches_the_misses_and_keeps_the_unclosed_div(tmp_path: Path
                                                                      ) -> None:
    base = load(ROOT).chapters[0]
    chapters = [dataclasses.replace(base, rel=f"chapters/c{i}.md", body=body)
                for i, body in enumerate(AWKWARD)]
    cache = ParseCache(tmp_path)
    wrappers, parsed, problems = parse.parse_chapters(chapters, cache)
    assert [p.message for p in problems] == ["fenced div (:::) is never closed"]
    assert problems[0].path == "chapters/c2.md"
    assert parsed == _one_by_one(chapters, tmp_path / "alone")
    assert [w["c"][1] for w in wrappers] == [p["blocks"] for p in parsed]
    assert len(cache.pending) == len(set(map(parse.text_key, chapters)))


def test_reader_input_is_what_the_command_line_hands_the_reader() -> None:
    assert reader_input("a\tb\r\n\tc\n\n") == "a   b\n    c\n\n"
    assert reader_input("abcd\te") == "abcd    e\n"
    assert reader_input("") == ""


def test_shares_use_every_core_and_keep_document_order() -> None:
    shares = batches.dealt([5, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    assert sorted(i for share in shares for i in share) == list(range(10))
    assert all(share == sorted(share) for share in shares)
    assert len(shares) == min(10, batches.cores())


def test_no_share_passes_the_limit_unless_one_chapter_does() -> None:
    sizes = [30, 5, 70, 10, 10, 10, 40, 20, 5, 5]
    shares = batches.dealt(sizes, count=2, limit=60)
    assert sorted(i for share in shares for i in share) == list(range(10))
    assert all(sum(sizes[i] for i in share) <= 60 for share in shares if len(share) > 1)
    assert len(shares) == 4  # ceil(205 / 60), not 2
    runs = batches.runs(sizes, limit=60)
    assert [i for run in runs for i in run] == list(range(10))
    assert all(sum(sizes[i] for i in run) <= 60 for run in runs if len(run) > 1)
    assert runs == [[0, 1], [2], [3, 4, 5], [6, 7], [8, 9]]
