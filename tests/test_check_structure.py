"""Structure checks that need several chapters or special files: duplicate labels across
the report, headings, footnotes, divs, CSL JSON bibliographies, draft front matter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def tree(root: Path, chapters: dict[str, str], extra: str = "") -> Path:
    (root / "chapters").mkdir(parents=True)
    nav = "".join(f"  - {name}\n" for name in chapters)
    (root / "mkdocs.yml").write_text(
        f"site_name: Small\ndocs_dir: chapters\n{extra}nav:\n{nav}", encoding="utf-8")
    (root / "contributors.yaml").write_text("contributors: []\n", encoding="utf-8")
    for name, text in chapters.items():
        (root / "chapters" / name).write_text(text, encoding="utf-8")
    return root


def check(run_report, root: Path, *args: str) -> list[tuple[str, str, int, int]]:
    result = run_report(root, "check", "--format", "json", "--severity", "info", *args)
    assert result.exit_code in (0, 1), result.output
    return sorted((f["path"], f["code"], f["line"], f["column"])
                  for f in json.loads(result.stdout) if not f["code"].startswith("PLAIN"))


def test_duplicate_labels_across_chapters(run_report, tmp_path):
    root = tree(tmp_path / "t", {
        "one.md": "# One {#ch-one}\n\n## Guardians {#sec-guardians}\n\nSee @sec-guardians.\n",
        "two.md": "# Two\n\n## Guardians again {#sec-guardians}\n\nAnd @ch-one, @ch-two.\n",
    })
    found = check(run_report, root)
    assert found == [("chapters/two.md", "STRUCT010", 3, 21)]
    result = run_report(root, "check")
    assert "duplicate label #sec-guardians (also chapters/one.md:3)" in result.stdout


def test_headings(run_report, tmp_path):
    root = tree(tmp_path / "t", {
        "one.md": "Intro text.\n\n## Early\n\n# One\n\n# Again\n",
        "two.md": "## No title\n\nText.\n",
    })
    found = check(run_report, root)
    assert ("chapters/one.md", "STRUCT003", 3, 1) in found
    assert ("chapters/one.md", "STRUCT002", 7, 1) in found
    assert ("chapters/two.md", "STRUCT001", 1, 1) in found


def test_setext_heading_counts_and_hashes_in_code_do_not(run_report, tmp_path):
    root = tree(tmp_path / "t", {
        "one.md": "One\n===\n\n```\n# not a heading\n```\n\nSection\n-------\n\n#### Deep\n",
    })
    assert check(run_report, root) == [("chapters/one.md", "STRUCT004", 11, 1)]


def test_footnotes_and_divs(run_report, tmp_path):
    root = tree(tmp_path / "t", {
        "one.md": ("# One\n\nText.[^a] More.[^b]\n\n[^a]: Note a.\n[^c]: Unused.\n[^a]: Again.\n\n"
                   "::: {.recommendation #rec-x}\nDo it.\n:::\n\n"
                   '::: {.recommendation #rec-y to="Home Office"}\nDo that.\n:::\n\n'
                   "::: {.key-findings}\nOpen.\n"),
    })
    assert check(run_report, root) == [
        ("chapters/one.md", "STRUCT050", 3, 16),
        ("chapters/one.md", "STRUCT051", 6, 1),
        ("chapters/one.md", "STRUCT052", 7, 1),
        ("chapters/one.md", "STRUCT060", 17, 1),
        ("chapters/one.md", "STRUCT070", 9, 1),
    ]


def test_list_item_line_pandoc_would_split(run_report, tmp_path):
    """A list item's continuation line opening with "@label." or "@label)" is split off by
    pandoc (each case was run through pandoc with the report's reader: two blocks)."""
    root = tree(tmp_path / "t", {
        "one.md": ("# One {#ch-one}\n\n- an item that refers to\n  @ch-one. More.\n"
                   "- an item (see\n  @ch-one). Fine.\n- another item in\n  @ch-one) here\n\n"
                   "A paragraph that ends in\n@ch-one.\n\n1. numbered, see\n   @ch-one.\n"),
    })
    assert [f for f in check(run_report, root) if f[1] == "STRUCT080"] == [
        ("chapters/one.md", "STRUCT080", 4, 3),
        ("chapters/one.md", "STRUCT080", 8, 3),
        ("chapters/one.md", "STRUCT080", 14, 4),
    ]


def test_csl_json_bibliography_and_emails(run_report, tmp_path):
    root = tree(tmp_path / "t", {
        "one.md": ("# One\n\nAs [@ilo2017; see @walkfree2018, p. 3] show, and @nobody2000.\n"
                   "Write to help@example.org.\n"),
    }, extra="extra:\n  bibliography: refs.json\n")
    (root / "refs.json").write_text(json.dumps([{"id": "ilo2017"}, {"id": "walkfree2018"}]))
    assert check(run_report, root) == [("chapters/one.md", "STRUCT020", 3, 50)]


def test_citation_without_any_bibliography(run_report, tmp_path):
    root = tree(tmp_path / "t", {"one.md": "# One\n\nAs @ilo2017 shows.\n"})
    result = run_report(root, "check", "--format", "json")
    finding = next(f for f in json.loads(result.stdout) if f["code"] == "STRUCT020")
    assert "extra.bibliography" in finding["suggestion"]


@pytest.mark.parametrize("final", [False, True])
def test_draft_front_matter(run_report, tmp_path, final):
    root = tree(tmp_path / "t", {"one.md": "---\nkind: front\ndraft: true\n---\n# One\n\nText.\n"})
    result = run_report(root, "check", "--format", "json", "--severity", "info",
                        *(["--final"] if final else []))
    draft = [f for f in json.loads(result.stdout) if f["code"] == "DRAFT004"]
    # A chapter marked draft is the author's own mark: info while drafting (issue 17).
    assert [(f["line"], f["severity"]) for f in draft] == [(3, "error" if final else "info")]
    assert result.exit_code == (1 if final else 0)


def test_links_between_chapters(run_report, tmp_path):
    root = tree(tmp_path / "t", {
        "one.md": ("# One\n\n## What works, and why?\n\n[a](two.md) [b](two.md#sec-two) "
                   "[c](#what-works-and-why) [d](gone.md) [e](two.md#nope)\n\n"
                   "[ref]: two.md#also-nope\n"),
        "two.md": "# Two\n\n## Two {#sec-two}\n",
    })
    assert check(run_report, root) == [
        ("chapters/one.md", "STRUCT041", 5, 58),
        ("chapters/one.md", "STRUCT042", 5, 71),
        ("chapters/one.md", "STRUCT042", 7, 1),
    ]
