"""What ``report serve`` keeps in memory between saves is never served stale.

A long-lived process (``entries_remembered``) keeps each chapter's HTML as cut from its
render (by its HTML and the notes and code blocks before it), the editions' copy of it
without pack marks, and its ids (:func:`report.render.cache.made_once`). After each edit
of a series, the render the server would lay out (saved path and all, within one
process) is compared, chapter by chapter, with a one-off render of the same tree from
nothing: an edit that moves later chapters' notes, code blocks or pack numbers, a
bibliography changed, a contributor opting out, and a page built by the web plugin.
Nothing is mocked.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import report.render as rendering
from report.editions import web
from report.editions.context import BuildContext
from report.manuscript import load
from report.render import cache, render
from report.render.cache import entries_remembered
from tests.test_render_incremental import _three_chapters


@contextlib.contextmanager
def _kept_nothing() -> Iterator[None]:
    """Within, this process is as one that keeps nothing between builds (a one-off
    ``report build``): what it kept is set aside, and put back after."""
    from report.editions import web_plugin

    kept = [cache._MADE, web_plugin._PAGE_CONTENT, web_plugin._SEARCH_ENTRIES,
            web_plugin._CONTENT_DIGESTS, web_plugin._READ, web_plugin._STRIPPED,
            web_plugin._WRITTEN, rendering._memo]
    saved = [dict(each) for each in kept]
    remembered, last = cache._REMEMBERED, rendering._last_book
    for each in kept:
        each.clear()
    cache._REMEMBERED, rendering._last_book = None, None
    try:
        yield
    finally:
        for each, was in zip(kept, saved, strict=True):
            each.clear()
            each.update(was)
        cache._REMEMBERED, rendering._last_book = remembered, last


def _views(rendered) -> tuple[list[str], list[str]]:
    """The chapters as the pack shows them and as the editions do."""
    return ([c.to_string() for c in rendered.chapters],
            [c.to_string() for c in rendered.without_pack_marks().chapters])


def _served(root: Path) -> tuple[list[str], list[str]]:
    """A save's render in the long-lived process, as report serve asks for it."""
    rendered = render(load(root))
    rendering.caches_saved()
    return _views(rendered)


def _one_off(root: Path, tmp_path: Path) -> tuple[list[str], list[str]]:
    """The same tree rendered from nothing in a process that keeps nothing (a copy, so
    the server's caches and plan are left as they are)."""
    copy = tmp_path / f"one-off-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("build"))
    with _kept_nothing():
        views = _views(render(load(copy)))
    return [v.replace(str(copy), str(root)) for v in views[0]], \
        [v.replace(str(copy), str(root)) for v in views[1]]


@pytest.fixture
def three(make_tree) -> Path:
    rendering._last_book = None
    rendering._memo.clear()
    return _three_chapters(make_tree("minimal", commit=False))


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_kept_chapters_follow_every_save(three: Path, tmp_path: Path) -> None:
    intro, findings = three / "chapters/intro.md", three / "chapters/findings.md"
    edits = [
        # A paragraph: every later chapter's pack numbers move, nothing else in them.
        lambda: _append(intro, "\nOne more paragraph in the introduction.\n"),
        # A note and a code block: the later chapters' notes and code ids move.
        lambda: _append(intro, "\nNoted.[^n]\n\n[^n]: A new note.\n\n```python\nx = 1\n```\n"),
        # The same again in the middle chapter; then both taken out.
        lambda: _append(findings, "\nAlso noted.[^m]\n\n[^m]: Another new note.\n"),
        lambda: intro.write_text(intro.read_text().split("\nOne more")[0] + "\n"),
        lambda: findings.write_text(findings.read_text().split("\nAlso noted")[0] + "\n"),
    ]
    with entries_remembered():
        first = _served(three)
        assert first == _one_off(three, tmp_path)
        for n, edit in enumerate(edits):
            edit()
            served = _served(three)
            assert served == _one_off(three, tmp_path), f"after edit {n}"
        # The cut chapters were kept: a save re-parsed only what it changed; what the
        # earlier saves made and the last one did not use is forgotten.
        assert cache._MADE
        kept = set(cache._MADE)
        _served(three)
        assert set(cache._MADE) == kept  # nothing changed: all of it used again
        entries = []
        for n in range(5):
            _append(intro, f"\nOne paragraph more ({n}).\n")
            _served(three)
            # What the last render used and what this one made (the saved chapter cut
            # and without marks, the next two numbered on), not every save's.
            assert len(cache._MADE) <= len(kept) + 4
            entries.append(len(cache._REMEMBERED))
        # Nor every save's cache entries (its parse, index entry, render, …): as many
        # after the fifth save as after the second.
        assert entries[-1] == entries[1], entries
    assert not cache._MADE  # a one-off process keeps nothing


def test_a_changed_bibliography_or_contributor_reaches_the_next_save(
        make_tree, tmp_path: Path) -> None:
    root = make_tree("constructs", commit=False)
    consent = (Path(__file__).parent / "trees/consent/contributors.yaml").read_text()
    (root / "contributors.yaml").write_text(consent)
    rendering._last_book = None
    rendering._memo.clear()
    bib = root / "refs.bib"
    with entries_remembered():
        before = _served(root)
        assert any("Alex Example" in page for page in before[1])
        bib.write_text(bib.read_text().replace("Global Estimates of Modern Slavery",
                                               "Global Estimates of Forced Labour"))
        after = _served(root)
        assert after == _one_off(root, tmp_path)
        assert any("Global Estimates of Forced Labour" in page for page in after[1])
        assert not any("Global Estimates of Modern Slavery" in page for page in after[1])
        contributors = root / "contributors.yaml"
        contributors.write_text(contributors.read_text().replace(
            "  - id: alex\n    name: Alex Example\n    affiliation: Example University\n"
            "    roles: [author]\n    consent:\n      listed: true",
            "  - id: alex\n    name: Alex Example\n    affiliation: Example University\n"
            "    roles: [author]\n    consent:\n      listed: false"))
        opted_out = _served(root)
        assert opted_out == _one_off(root, tmp_path)
        assert not any("Alex Example" in page for page in opted_out[1])



def _site_page(root: Path, target: Path, state, page: str) -> str:
    """Build the site of ``root`` into ``target`` as ``report serve`` does between saves
    when ``state`` (a ``SiteState``) is given, from nothing otherwise; return ``page``."""
    from mkdocs.commands.build import build as mkdocs_build

    config = web.site_config(root, target, context=BuildContext(load(root)),
                             incremental=state)
    if state is not None:
        state.current = None
    mkdocs_build(config, dirty=state is not None)
    if state is not None:
        state.previous = state.current
    return (target / page).read_text(encoding="utf-8")

def test_the_served_page_follows_a_save_that_moves_the_next_chapters_numbers(
        three: Path, tmp_path: Path) -> None:
    """The web plugin keys a page's content by its chapter's key: after a save that
    adds a note before them, the next chapters' pages show the new numbers, as a build
    of the same tree in a process that keeps nothing writes them."""

    from report.editions.web_plugin import SiteState

    site = tmp_path / "site"
    state = SiteState()

    def build_site(root: Path, target: Path, state: SiteState | None) -> str:
        return _site_page(root, target, state, "third/index.html")

    intro = three / "chapters/intro.md"
    with entries_remembered():
        build_site(three, site, state)
        _append(intro, "\nNoted.[^n]\n\n[^n]: A new note.\n\n```python\nx = 1\n```\n")
        served = build_site(three, site, state)
        rendering.caches_saved()
        copy = tmp_path / "copy"
        shutil.copytree(three, copy, ignore=shutil.ignore_patterns("build"))
        with _kept_nothing():
            fresh = build_site(copy, tmp_path / "fresh", None)
    assert 'id="cb3"' in served  # the third chapter's code block, numbered on
    assert served == fresh


def test_a_page_the_render_fills_is_what_mkdocs_makes_of_empty_markdown(
        three: Path, tmp_path: Path) -> None:
    """The plugin skips Python-Markdown for the pages it fills (their Markdown is
    empty): what it sets on the page is what MkDocs' own Page.render sets, with the
    tree's Markdown extensions; Markdown left on the page still goes through MkDocs."""
    from mkdocs.commands.build import get_files
    from mkdocs.structure.pages import Page

    from report.editions.web_plugin import _render_empty

    manifest = three / "mkdocs.yml"
    manifest.write_text(manifest.read_text() + "markdown_extensions:\n  - toc:\n"
                        "      permalink: true\n  - admonition\n")
    config = web.site_config(three, tmp_path / "site")
    files = get_files(config)
    file = files.get_file_from_path("findings.md")

    def page_after(render_page, markdown: str) -> Page:
        page = Page("Findings", file, config)
        page.markdown = markdown
        render_page(page, config, files)
        return page

    for markdown in ("", "# Left by another plugin {#left}\n"):
        ours, theirs = page_after(_render_empty, markdown), page_after(Page.render, markdown)
        assert (ours.content, ours._title_from_render, ours.present_anchor_ids,
                ours.links_to_anchors) == (theirs.content, theirs._title_from_render,
                                           theirs.present_anchor_ids, theirs.links_to_anchors)
        assert [(item.title, item.url) for item in ours.toc] == \
            [(item.title, item.url) for item in theirs.toc]
    assert "Left by another plugin" in ours.content


def test_the_home_page_follows_its_recommendations_findings_and_manifest(
        make_tree, tmp_path: Path) -> None:
    """The home page is kept by all it is made from: a recommendation's first sentence,
    the key findings and the site's description each reach it on the next build in the
    same process, as a build from nothing writes it."""

    from report.editions.web_plugin import SiteState

    root = make_tree("constructs", commit=False)
    rendering._last_book = None
    rendering._memo.clear()
    state = SiteState()

    def home(tree: Path, target: Path, kept: SiteState | None) -> str:
        return _site_page(tree, target, kept, "index.html")

    def fresh() -> str:
        copy = tmp_path / f"copy-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns("build"))
        with _kept_nothing():
            return home(copy, tmp_path / f"site-{copy.name}", None).replace(
                str(copy), str(root))

    intro, practice = root / "chapters/01-introduction.md", root / "chapters/02-practice.md"
    manifest, foreword = root / "mkdocs.yml", root / "chapters/foreword.md"
    edits = [
        (lambda: intro.write_text(intro.read_text().replace(
            "Publish referral data by age every quarter", "Publish referral data monthly")),
         "Publish referral data monthly"),
        (lambda: practice.write_text(practice.read_text().replace(
            "::: {.key-findings}\n", "::: {.key-findings}\nA new finding first.\n\n")),
         "A new finding first."),
        (lambda: foreword.write_text(foreword.read_text().replace(
            "# Foreword", "# A foreword retitled", 1)), "A foreword retitled"),
        (lambda: foreword.write_text(foreword.read_text() + "\n::: {.key-findings}\n"
                                     "Findings said first, in the foreword.\n:::\n"),
         "Findings said first, in the foreword."),
        (lambda: manifest.write_text(manifest.read_text()
                                     + "site_description: A description added\n"),
         "A description added."),
    ]
    with entries_remembered():
        home(root, tmp_path / "site", state)
        for edit, shown in edits:
            edit()
            served = home(root, tmp_path / "site", state)
            rendering.caches_saved()
            assert shown in served
            assert served == fresh(), shown


def test_code_blocks_are_counted_in_the_json_text() -> None:
    """The code blocks pandoc's HTML writer numbers (no identifier), counted in compact
    JSON: nested ones count, named ones and a text that quotes the JSON do not."""
    import json

    from report.render import html, pandoc

    markdown = (
        "```python\nx = 1\n```\n\n"
        "```{#named .python}\ny = 2\n```\n\n"
        "> ```\n> quoted\n> ```\n\n"
        "::: box\n    indented\n:::\n\n"
        'Text: `{"t":"CodeBlock","c":[["",` and {"t":"CodeBlock","c":[["",\n')
    out = pandoc.run(["-f", pandoc.MARKDOWN, "-t", "json"], stdin=markdown.encode())
    blocks = json.dumps(json.loads(out.stdout)["blocks"], separators=(",", ":"))
    assert html.code_blocks(blocks) == 3
