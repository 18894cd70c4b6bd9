"""An author's run of edits, each built incrementally, ends in the same files as a cold build.

Every cache a build keeps (parses, the index, each chapter's render, its paged HTML and
layout, the Word and EPUB writers' chapters, the site's pages and search entries, the
privacy verdicts) is there to skip work, never to change what is made. Here each edit of
a different kind is built as an author would (``report build``, a process each), and the
files of all five editions, and every file of the site, are then compared byte for byte
with those of a cold build of the same tree in a fresh process. A stale entry anywhere
shows as a file that differs. It found: a layout kept by its part's HTML that outlived
the image the part shows, replaced under the same name; a site that still offered the
digital PDF of the build before while that edition was being finished (after a
withdrawal of consent, the build refused); files named after the old title left beside
those named after the new one.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from tests.conftest import BIN


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path.name} no longer has {old!r}: the edit would change nothing"
    path.write_text(text.replace(old, new, 1))


def _add_paragraph(root: Path) -> None:
    with (root / "chapters/01-introduction.md").open("a", encoding="utf-8") as handle:
        handle.write("\n\nAn added paragraph about practice in schools, with enough words "
                     "to matter.\n")


def _renumber(root: Path) -> None:
    """A recommendation and a figure before every other: the numbers after them move."""
    _replace(root / "chapters/01-introduction.md", "## Scope {#sec-scope}",
             '::: {.recommendation #rec-early to="Home Office"}\nAn early recommendation, '
             'placed before the others.\n:::\n\n![An early figure.](images/referrals.svg)'
             '{#fig-early fig-alt="An early figure"}\n\n## Scope {#sec-scope}')


def _retitle(root: Path) -> None:
    """A heading another chapter points at gets a new title."""
    _replace(root / "chapters/01-introduction.md", "## Scope {#sec-scope}",
             "## The scope of this report {#sec-scope}")


def _cite(root: Path) -> None:
    """A second citation of a work, with a locator: the references list is the same."""
    with (root / "chapters/02-practice.md").open("a", encoding="utf-8") as handle:
        handle.write("\n\nAs the ILO estimated [@ilo2017global, p. 12], the numbers are "
                     "large.\n")


def _lengthen(root: Path) -> None:
    """Pages more in the first chapter: every later page and every page number moves."""
    with (root / "chapters/01-introduction.md").open("a", encoding="utf-8") as handle:
        handle.write("".join(f"\n\nFiller paragraph {n} that lengthens the introduction by "
                             "many lines so later chapters move to later pages." for n in
                             range(30)) + "\n")


def _redraw(root: Path) -> None:
    """The figure's image replaced under the same name: no chapter's text changes."""
    _replace(root / "chapters/images/referrals.svg", 'width="140"', 'width="180"')


def _new_work_title(root: Path) -> None:
    """A cited work's entry corrected in the bibliography."""
    _replace(root / "refs.bib", "Forced Labour and Forced Marriage",
             "Forced Labour and Forced Marriage (revised)")


def _new_chapter(root: Path) -> None:
    """A chapter added to the nav: the contents, the web's navigation, every edition."""
    (root / "chapters/03-outlook.md").write_text(
        "# Outlook\n\nA new chapter on the outlook, after @sec-scope.\n\n"
        "## Next steps {#sec-next}\n\nMore text.\n")
    _replace(root / "mkdocs.yml", "  - Practice: 02-practice.md\n",
             "  - Practice: 02-practice.md\n  - Outlook: 03-outlook.md\n")


CONSENTED = """contributors:
  - id: jane-doe
    name: Jane Doe
    affiliation: Example Council
    roles: [speaker]
    consent:
      listed: true
      show: name
      given: 2021-10-12
      method: email
      wording: v1
      recorded_by: Research Associate
"""


def _list_contributor(root: Path) -> None:
    """Someone gives consent to be listed: the contributors appendix names her."""
    (root / "contributors.yaml").write_text(CONSENTED)


def _withdraw(root: Path) -> None:
    """She withdraws it: her name must leave every edition, and the site's downloads
    (an incremental build once refused here, its site still offering the digital PDF
    of the build before)."""
    _replace(root / "contributors.yaml", "      given: 2021-10-12\n",
             "      given: 2021-10-12\n      withdrawn: 2021-11-01\n")


def _rename(root: Path) -> None:
    """A new title: every file is named after it; those named after the old one go."""
    _replace(root / "mkdocs.yml", 'site_name: "Constructs Report"',
             'site_name: "Constructs Report Renamed"')


EDITS = (_add_paragraph, _renumber, _retitle, _cite, _lengthen, _redraw, _new_work_title,
         _new_chapter, _list_contributor, _withdraw, _rename)
ENDINGS = ("-print.pdf", ".pdf", ".docx", ".epub")  # after the slug, the title's


def _build(root: Path) -> None:
    result = subprocess.run([str(BIN / "report"), "--root", str(root), "build", "--jobs", "2"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _made(root: Path) -> dict[str, str]:
    """Every file the build made, by its SHA-256: not its caches, nor the fingerprints,
    which record the files' times."""
    build = root / "build"
    return {str(path.relative_to(build)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(build.rglob("*")) if path.is_file()
            and path.relative_to(build).parts[0] != ".cache" and path.name != "fingerprint.json"}


def test_edits_built_one_by_one_end_in_a_cold_builds_files(make_tree, tmp_path: Path) -> None:
    root = make_tree("constructs")
    _build(root)
    first = _made(root)
    listed = None
    for edit in EDITS:
        edit(root)
        _build(root)
        if edit is _list_contributor:
            listed = (root / "build/site/contributors/index.html").read_text()
    incremental = _made(root)

    cold = tmp_path / "cold"
    shutil.copytree(root, cold, ignore=shutil.ignore_patterns("build"))
    _build(cold)
    made_cold = _made(cold)

    before, after = "constructs-report", "constructs-report-renamed"
    assert {before + ending for ending in ENDINGS} <= set(first)
    assert {after + ending for ending in ENDINGS} | {"site/index.html"} <= set(made_cold)
    assert sorted(incremental) == sorted(made_cold)  # the old names are gone
    assert [name for name in made_cold if incremental[name] != made_cold[name]] == []
    # The edits did change every edition: the comparison is not of unchanged files.
    assert all(first[before + ending] != made_cold[after + ending] for ending in ENDINGS)
    assert listed is not None and "Jane Doe" in listed
    assert "Jane Doe" not in (root / "build/site/contributors/index.html").read_text()
