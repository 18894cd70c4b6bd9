"""The render: each chapter is its own Markdown document, the report one set of numbers."""

from __future__ import annotations

from pathlib import Path

from report.manuscript import load
from report.render import render


def test_footnote_labels_belong_to_their_chapter(make_tree) -> None:
    root = make_tree("minimal", commit=False)
    (root / "chapters/intro.md").write_text(
        "# Introduction\n\nFirst claim.[^1]\n\n[^1]: The introduction's note.\n")
    (root / "chapters/findings.md").write_text(
        "# Findings\n\nSecond claim.[^1]\n\n[^1]: The findings' note.\n")
    rendered = render(load(root))
    intro, findings = (chapter.to_string() for chapter in rendered.chapters)
    assert "The introduction’s note." in intro or "The introduction's note." in intro
    assert "findings" not in intro.lower().split("introduction")[-1]
    assert "The findings’ note." in findings or "The findings' note." in findings


def test_dollar_signs_are_money_not_maths(make_tree) -> None:
    root = make_tree("minimal", commit=False)
    (root / "chapters/intro.md").write_text("# Introduction\n\nIt cost $5 and then $10.\n")
    rendered = render(load(root))
    assert "$5 and then $10" in rendered.chapters[0].to_string()


def test_parsed_chapters_are_cached_by_their_text(make_tree) -> None:
    root = make_tree("minimal", commit=False)
    render(load(root))
    cache = Path(root / "build/.cache/parse")
    first = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.json")}
    assert len(first) == 2
    findings = root / "chapters/findings.md"
    findings.write_text(findings.read_text() + "\nOne more sentence.\n")
    render(load(root))
    after = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.json")}
    assert len(after) == 3  # the edited chapter parsed again; the other one reused
    assert all(after[name] == stamp for name, stamp in first.items())


def test_citable_blocks_keep_every_character_of_their_text(make_tree) -> None:
    """The citable blocks' table (citable.lua's JSON): quotes, backslashes, a code
    block's newlines and text beyond ASCII come back to Python as they were (a tab, as
    the reader expands it)."""
    root = make_tree("minimal", commit=False)
    code = 'let s = "a\\\\b";\n\tindented\r\nend'
    (root / "chapters/intro.md").write_text(
        '# Introduction\n\nShe said "no" \\\\ twice — café, 日本, 🙂.\n\n'
        f"```\n{code}\n```\n")
    rendered = render(load(root))
    texts = {c.kind: c.text for c in rendered.citable if c.chapter.endswith("intro.md")}
    assert texts["paragraph"] == 'She said “no” \\ twice — café, 日本, 🙂.'
    assert texts["code"] == code.replace("\r\n", "\n").replace("\t", "    ")
    assert texts["heading"] == "1 Introduction"
