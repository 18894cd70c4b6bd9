"""The chapter-by-chapter render: the same output as one pandoc run over the whole book,
and an edit re-renders only the chapters it touches.

The whole-book run (``render(..., whole_book=True)``) is the reference: every chapter's
HTML and the whole JSON document must be equal element for element. Re-renders are
counted as new entries in ``build/.cache/render`` (one per chapter rendered).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from report.errors import InputError
from report.manuscript import load
from report.render import batches, render

PROJECT = Path(__file__).resolve().parent.parent
TREES = Path(__file__).resolve().parent / "trees"


def _fresh(manuscript_root: Path):
    """The manuscript loaded again, with the in-process memo of the last render cleared."""
    import report.render as rendering

    rendering._memo.clear()
    return load(manuscript_root)


def _copy(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "node_modules", "tests", ".pytest_cache", "*.egg-info",
        "__pycache__", ".ruff_cache", ".hypothesis"))
    return dest


def _assert_same(root: Path) -> None:
    whole = render(_fresh(root), whole_book=True)
    chapterwise = render(_fresh(root))
    assert [c.source for c in chapterwise.chapters] == [c.source for c in whole.chapters]
    for ours, reference in zip(chapterwise.chapters, whole.chapters, strict=True):
        assert ours.to_string() == reference.to_string(), ours.source
        assert (ours.kind, ours.label, ours.number) == \
            (reference.kind, reference.label, reference.number)
    ours_ast, reference_ast = json.loads(chapterwise.ast), json.loads(whole.ast)
    assert ours_ast["blocks"] == reference_ast["blocks"]
    for key in ("report-labels", "report-label-order", "report-recommendations"):
        assert ours_ast["meta"][key] == reference_ast["meta"][key]
    assert chapterwise.labels == whole.labels
    assert chapterwise.recommendations == whole.recommendations
    assert chapterwise.citable == whole.citable
    # What the Word writer is given, run by run (a chapter each), is the document's
    # blocks, with and without the pack marks.
    for rendered in (chapterwise, whole, chapterwise.without_pack_marks(),
                     whole.without_pack_marks()):
        runs = [run.make() for run in rendered.blocks()]
        assert json.loads("[" + ",".join(run for run in runs if run) + "]") \
            == json.loads(rendered.ast)["blocks"]
    assert len(chapterwise.blocks()) == len(whole.chapters) > len(whole.blocks()) == 1


@pytest.mark.parametrize("tree", ["constructs", "bundled"])
def test_chapter_render_equals_whole_book_render(tree: str, tmp_path: Path) -> None:
    root = _copy(PROJECT if tree == "bundled" else TREES / tree, tmp_path / tree)
    _assert_same(root)
    # The writers read the API version without the whole document being made for it.
    rendered = render(_fresh(root)).without_pack_marks()
    assert rendered.api == json.loads(render(_fresh(root), whole_book=True).ast)[
        "pandoc-api-version"]
    assert callable(rendered._ast)


def test_bounded_batches_render_the_same(tmp_path: Path, monkeypatch) -> None:
    """With a small limit the bundled report's parse, index and render are split into
    many pandoc processes (the index in runs, each starting where the last ended): the
    result is the same as the whole book's."""
    monkeypatch.setattr(batches, "LIMIT", 20_000)
    assert len(batches.runs([20_000] * 3)) == 3
    _assert_same(_copy(PROJECT, tmp_path / "bundled"))


def _rendered_entries(root: Path) -> set[str]:
    return {p.name for p in (root / "build/.cache/render").glob("*.json")}


def _three_chapters(root: Path) -> Path:
    """The minimal tree with three chapters that number and cross-reference each other."""
    (root / "chapters/intro.md").write_text(
        "---\nkind: front\n---\n# Introduction\n\n## Scope {#sec-scope}\n\n"
        "What the report covers. See @fig-third.\n")
    (root / "chapters/findings.md").write_text(
        "# Findings\n\nAs @sec-scope says.[^1]\n\n[^1]: A note.\n\n"
        "```python\nprint('findings')\n```\n\n"
        "![Second caption.](images/a.svg){#fig-second fig-alt=\"A box.\"}\n")
    (root / "chapters/third.md").write_text(
        "# Third\n\nNothing refers to scope here.[^1]\n\n[^1]: Another note.\n\n"
        "```python\nprint('hi')\n```\n\n"
        "![Third caption.](images/a.svg){#fig-third fig-alt=\"A box.\"}\n")
    (root / "chapters/images").mkdir()
    (root / "chapters/images/a.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    manifest = root / "mkdocs.yml"
    manifest.write_text(manifest.read_text().replace(
        "  - Findings: findings.md\n", "  - Findings: findings.md\n  - Third: third.md\n"))
    return root


@pytest.fixture
def three(make_tree) -> Path:
    root = _three_chapters(make_tree("minimal", commit=False))
    render(_fresh(root))
    return root


def test_editing_one_chapter_re_renders_only_that_chapter(three: Path) -> None:
    before = _rendered_entries(three)
    assert len(before) == 3
    findings = three / "chapters/findings.md"
    findings.write_text(findings.read_text() + "\nOne more sentence.\n")
    rendered = render(_fresh(three))
    assert len(_rendered_entries(three) - before) == 1
    assert len(_rendered_entries(three)) == 3  # the edited chapter's old entry is gone
    assert "One more sentence." in rendered.chapters[1].to_string()
    _assert_same(three)


def test_a_retitled_heading_re_renders_the_chapters_that_point_at_it(three: Path) -> None:
    before = _rendered_entries(three)
    intro = three / "chapters/intro.md"
    intro.write_text(intro.read_text().replace("## Scope", "## Remit"))
    rendered = render(_fresh(three))
    # the retitled chapter and the one whose cross-reference prints the title; not the third
    assert len(_rendered_entries(three) - before) == 2
    assert "‘Remit’" in rendered.chapters[1].to_string()
    _assert_same(three)


def test_a_new_figure_renumbers_the_figures_after_it(three: Path) -> None:
    first = render(_fresh(three))
    assert "Figure\u00a02" in first.chapters[2].to_string()
    assert first.labels["fig-third"].number == "2"
    findings = three / "chapters/findings.md"
    findings.write_text(findings.read_text().replace(
        "![Second", "![New caption.](images/a.svg){#fig-new fig-alt=\"A box.\"}\n\n![Second"))
    rendered = render(_fresh(three))
    assert rendered.labels["fig-third"].number == "3"
    assert "Figure\u00a03" in rendered.chapters[2].to_string()
    assert "Figure\u00a03" in rendered.chapters[0].to_string()  # the cross-reference
    _assert_same(three)


def test_footnotes_code_and_citable_blocks_are_numbered_across_the_book(three: Path) -> None:
    """Footnotes, code blocks, and the pack numbers citable.lua gives (``.pn`` marks) run
    on from chapter to chapter; the editions' view of the render has no pack marks."""
    rendered = render(_fresh(three))
    third = rendered.chapters[2].element
    assert third.xpath(".//a[@class='footnote-ref']/@href") == ["#fn2"]
    assert third.xpath(".//li/@id") == ["fn2"]
    assert third.xpath(".//div[@class='sourceCode']/@id") == ["cb2"]
    assert third.xpath(".//div[@class='sourceCode']//span/@id") == ["cb2-1"]
    numbers = [c.number for c in rendered.citable if c.number is not None]
    assert numbers == list(range(1, len(numbers) + 1))
    before = sum(1 for c in rendered.citable if c.number and not c.chapter.endswith("third.md"))
    code = next(c for c in rendered.citable
                if c.kind == "code" and c.chapter.endswith("third.md"))
    assert before > 4
    marks = sorted(int(n) for n in third.xpath(".//span[@class='pn']/@data-n"))
    assert marks == list(range(before + 1, before + 1 + len(marks)))  # its note's at the end
    assert code.number in marks and f"p-{code.number}" in third.xpath(".//span/@id")
    _assert_same(three)
    plain = rendered.without_pack_marks()
    assert not any(c.element.xpath(".//span[@class='pn']") for c in plain.chapters)
    assert b'"pn"' in rendered.ast and b'"pn"' not in plain.ast
    blocks = json.loads(plain.ast)["blocks"]
    assert blocks and '{"t":"Plain","c":[]}' not in json.dumps(blocks, separators=(",", ":"))
    assert rendered.chapters[2].element.xpath(".//span[@class='pn']")  # the render is kept


def test_nothing_changed_renders_nothing(three: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in (three / "build/.cache").rglob("*.json")}
    render(_fresh(three))
    after = {p: p.stat().st_mtime_ns for p in (three / "build/.cache").rglob("*.json")}
    assert after == before


def test_a_removed_label_is_reported_where_another_chapter_still_points_at_it(
        three: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in (three / "build/.cache").rglob("*.json")}
    third = three / "chapters/third.md"
    third.write_text(third.read_text().replace("{#fig-third ", "{"))
    with pytest.raises(InputError) as raised:
        render(_fresh(three))
    # the introduction's text did not change: its cached render must not hide the problem
    assert [str(p) for p in raised.value.problems] == [
        "chapters/intro.md:8:29: cross-reference to unknown label 'fig-third'"]
    with pytest.raises(InputError) as whole:
        render(_fresh(three), whole_book=True)
    assert sorted(map(str, whole.value.problems)) == sorted(map(str, raised.value.problems))
    after = {p: p.stat().st_mtime_ns for p in (three / "build/.cache").rglob("*.json")}
    assert after == before  # bad input writes nothing


def test_a_label_another_chapter_defined_first_is_a_duplicate(three: Path) -> None:
    third = three / "chapters/third.md"
    third.write_text(third.read_text().replace("{#fig-third ", "{#fig-second "))
    with pytest.raises(InputError) as raised:
        render(_fresh(three))
    with pytest.raises(InputError) as whole:
        render(_fresh(three), whole_book=True)
    # the same problems (in another order: the build sorts them by file and line)
    assert sorted(map(str, raised.value.problems)) == sorted(map(str, whole.value.problems))
    assert any(str(p).startswith("chapters/third.md:") and
               "duplicate label 'fig-second' (first in chapters/findings.md)" in str(p)
               for p in raised.value.problems)


NUMBERED_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>Numbered</title><id>numbered</id><updated>2024-01-01T00:00:00+00:00</updated>
  </info>
  <citation><layout prefix="[" suffix="]" delimiter=", ">
    <text variable="citation-number"/></layout></citation>
  <bibliography><layout><text variable="citation-number" suffix=". "/>
    <text variable="title"/></layout></bibliography>
</style>
"""


def test_a_numbered_citation_style_renders_the_book_in_one_run(make_tree) -> None:
    """Numbers follow the first citations in the book: a chapter cannot be cited alone."""
    root = make_tree("constructs", commit=False)
    (root / "numbered.csl").write_text(NUMBERED_STYLE)
    manifest = root / "mkdocs.yml"
    manifest.write_text(manifest.read_text().replace(
        "  bibliography: refs.bib\n", "  bibliography: refs.bib\n  csl: numbered.csl\n"))
    rendered = render(_fresh(root))
    assert not (root / "build/.cache/render").exists()
    assert re.search(r"\[<a [^>]*>1</a>\]", "".join(c.to_string() for c in rendered.chapters))
    whole = render(_fresh(root), whole_book=True)
    assert json.loads(rendered.ast)["blocks"] == json.loads(whole.ast)["blocks"]


def _cite_entries(root: Path) -> dict[str, int]:
    """The kept Cites of each chapter (``build/.cache/cites``), by file and inode: an
    entry citeproc wrote again is a new file."""
    return {p.name: p.stat().st_ino for p in (root / "build/.cache/cites").glob("*.json")}


def _chapter_html(rendered, source: str) -> str:
    return next(c.to_string() for c in rendered.chapters if c.source == source)


def test_an_edit_that_leaves_the_citations_alone_skips_citeproc(make_tree) -> None:
    """The chapters' Cites as citeproc wrote them are put back (no citeproc run) while
    each Cite and the book's works are unchanged; a new citation or an edited
    bibliography runs citeproc again. Always the same output as the whole-book run."""
    root = make_tree("constructs", commit=False)
    render(_fresh(root))
    kept = _cite_entries(root)
    assert len(kept) == 2  # the introduction and the practice chapter cite
    for name in ("01-introduction.md", "02-practice.md"):
        chapter = root / "chapters" / name
        chapter.write_text(chapter.read_text() + "\nOne more sentence.\n")
    rendered = render(_fresh(root))
    assert "One more sentence." in _chapter_html(rendered, "chapters/01-introduction.md")
    assert _cite_entries(root) == kept  # put back, not written again by citeproc
    _assert_same(root)

    intro = root / "chapters/01-introduction.md"
    intro.write_text(intro.read_text() + "\nAs estimated [see @ilo2017global, p. 4].\n")
    render(_fresh(root))
    again = _cite_entries(root)
    assert set(again) == set(kept)  # same keys: the same chapters, the book's works alike
    assert sum(again[name] != kept[name] for name in kept) == 1  # the introduction's

    bibliography = root / "refs.bib"
    bibliography.write_text(bibliography.read_text().replace("year = {2021}", "year = {2019}"))
    rendered = render(_fresh(root))
    assert "2019" in _chapter_html(rendered, "chapters/01-introduction.md")
    assert not set(_cite_entries(root)) & set(kept)  # other works: every Cite written anew
    _assert_same(root)


def test_a_long_lived_process_reads_a_cache_entry_once(tmp_path: Path) -> None:
    """Within ``entries_remembered`` (report serve) an entry read or written before is
    not read from disk again while its file is there; outside, the file is the truth."""
    from report.render.cache import JsonCache, entries_remembered

    cache = JsonCache(tmp_path / "render")
    with entries_remembered():
        cache.put("a", {"blocks": "[]"})
        cache.save()
        cache.path("a").write_text("damaged")  # not read again: the value is known
        assert JsonCache(tmp_path / "render").get("a") == {"blocks": "[]"}
        cache.path("a").unlink()  # gone: a miss, as it would be for a new process
        assert JsonCache(tmp_path / "render").get("a") is None
    cache.put("b", {"blocks": "[]"})
    cache.save()
    cache.path("b").write_text("damaged")
    assert JsonCache(tmp_path / "render").get("b") is None


@pytest.mark.parametrize("tree", ["constructs", "bundled"])
def test_the_counts_read_from_a_parse_are_what_number_lua_numbers(tree: str,
                                                                  tmp_path: Path) -> None:
    """The index's runs go side by side from where the chapters' counts, read from their
    parses, say each starts; the counts are only a guess (a wrong one costs a second run),
    but one that drifts from number.lua would cost every build that."""
    from report.render import index, parse

    source = PROJECT if tree == "bundled" else TREES / tree
    manuscript = load(_copy(source, tmp_path / tree))
    wrappers, parsed, _ = parse.parse_chapters(manuscript.chapters,
                                               parse.ParseCache(tmp_path / "parse"))
    facts = [index._facts_of(w, p["api"]) for w, p in zip(wrappers, parsed, strict=True)]
    counted = [f.delta for f in facts]
    book = index.build(manuscript.chapters, facts, wrappers.__getitem__,
                       index.IndexCache(tmp_path / "index"))
    numbered = [{name: entry.end[name] - entry.start[name] for name in index.COUNTERS}
                for entry in book.chapters]
    assert counted == numbered
    # Each tree numbers every kind of thing: each kind's count is checked.
    assert {name for delta in counted for name, count in delta.items() if count} \
        == set(index.COUNTERS)
