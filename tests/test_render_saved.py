"""A preview save of one chapter: parsed, numbered and rendered in ONE pandoc process
when its index entry and facts are unchanged, the usual three otherwise; the same output
as a render from nothing and as the whole-book run either way.

pandoc is not mocked: its runs are counted by wrapping the real ``pandoc.run``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import report.render as rendering
from report.errors import InputError
from report.manuscript import load
from report.render import pandoc, parse, render
from tests.test_render_incremental import _assert_same, _three_chapters


@pytest.fixture
def runs(monkeypatch) -> list[list[str]]:
    """The pandoc runs of the render, each as its arguments, the mode of a
    chapterwise.lua run (``index``, ``render``, ``save``) or the reader's format last."""
    seen: list[list[str]] = []
    real = pandoc.run

    def counted(args: list[str], stdin: bytes | None = None, **options):
        mode = ""
        if stdin and any(a.endswith("chapterwise.lua") for a in args):
            mode = json.loads(stdin)["meta"]["report-batch-mode"]["c"]
        seen.append([*args, mode])
        return real(args, stdin, **options)

    monkeypatch.setattr(pandoc, "run", counted)
    return seen


def _again(root: Path):
    rendering._memo.clear()
    return render(load(root))


def _cold(root: Path):
    """The same tree rendered from nothing: no caches, no plan from a last render."""
    import shutil

    shutil.rmtree(root / "build", ignore_errors=True)
    rendering._last_book = None
    return _again(root)


@pytest.fixture
def three(make_tree) -> Path:
    root = _three_chapters(make_tree("minimal", commit=False))
    rendering._last_book = None
    _again(root)
    return root


def _html(rendered) -> list[str]:
    return [chapter.to_string() for chapter in rendered.chapters]


def test_a_save_that_changes_no_number_is_one_pandoc_process(three: Path, runs) -> None:
    findings = three / "chapters/findings.md"
    findings.write_text(findings.read_text() + "\nOne more sentence, *emphasised*.\n")
    runs.clear()
    saved = _again(three)
    assert [run[-1] for run in runs] == ["save"]
    assert "One more sentence, <em>emphasised</em>." in saved.chapters[1].to_string()
    # The parse it kept is the reader's own, as a build parses the chapter.
    chapter = load(three).chapters[1]
    kept = parse.ParseCache(three / "build/.cache/parse").cached(chapter)
    assert kept is not None
    result = pandoc.run(["-f", pandoc.MARKDOWN, "-t", "json"],
                        stdin=chapter.body.encode("utf-8"))
    assert kept["blocks"] == json.loads(result.stdout)["blocks"]
    assert kept["warnings"] == result.warnings == []
    ast, html = saved.ast, _html(saved)
    cold = _cold(three)
    assert _html(cold) == html
    assert cold.ast == ast
    _assert_same(three)


def test_a_save_that_renumbers_falls_back_and_renumbers_the_other_chapters(
        three: Path, runs) -> None:
    """A new figure before the introduction's cross-referenced figure: the saved run
    finds its entry changed and does not render; the usual path numbers and renders the
    chapters the change touches (the introduction points at Figure 2, now 3)."""
    findings = three / "chapters/findings.md"
    findings.write_text(findings.read_text() + "\n![New.](images/a.svg){#fig-new "
                        "fig-alt=\"A box.\"}\n")
    runs.clear()
    saved = _again(three)
    modes = [run[-1] for run in runs]
    assert modes[0] == "save" and "render" in modes and "index" in modes
    assert "Figure\u00a03" in saved.chapters[0].to_string()  # the introduction's xref
    html, ast = _html(saved), saved.ast
    cold = _cold(three)
    assert _html(cold) == html and cold.ast == ast
    _assert_same(three)


def test_a_save_with_a_new_cross_reference_renders_it_the_usual_way(three: Path,
                                                                     runs) -> None:
    """The entry is unchanged but the chapter now uses another label: the saved run's
    render is kept under a key the usual path does not ask for, which renders it again
    from the parse the saved run kept (no second parse)."""
    third = three / "chapters/third.md"
    third.write_text(third.read_text() + "\nAs @fig-second shows.\n")
    runs.clear()
    saved = _again(three)
    modes = [run[-1] for run in runs]
    assert modes == ["save", "render"]
    assert "Figure\u00a01" in saved.chapters[2].to_string()
    html = _html(saved)
    assert _html(_cold(three)) == html
    _assert_same(three)


def test_a_save_with_bad_input_is_reported_and_writes_nothing(three: Path, runs) -> None:
    before = {p: p.stat().st_mtime_ns for p in (three / "build/.cache").rglob("*.json")}
    third = three / "chapters/third.md"
    third.write_text(third.read_text() + "\nAs @fig-nowhere shows.\n")
    runs.clear()
    with pytest.raises(InputError) as raised:
        _again(three)
    assert runs[0][-1] == "save"
    assert [str(p) for p in raised.value.problems] == [
        "chapters/third.md:13:4: cross-reference to unknown label 'fig-nowhere'"]
    after = {p: p.stat().st_mtime_ns for p in (three / "build/.cache").rglob("*.json")}
    assert after == before
    # Fixed, the next save renders from the last good render's plan.
    third.write_text(third.read_text().replace("@fig-nowhere", "the figure"))
    runs.clear()
    assert "As the figure shows." in _again(three).chapters[2].to_string()
    assert [run[-1] for run in runs] == ["save"]


def test_two_chapters_saved_at_once_take_the_usual_path(three: Path, runs) -> None:
    for name in ("findings.md", "third.md"):
        chapter = three / "chapters" / name
        chapter.write_text(chapter.read_text() + "\nMore.\n")
    runs.clear()
    _again(three)
    assert "save" not in [run[-1] for run in runs]
    _assert_same(three)
