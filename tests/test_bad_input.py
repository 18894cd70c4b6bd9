"""Bad input: one line ``path:line: message``, exit 2, and nothing written in build/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest


def _append(path: Path, text: str) -> int:
    """Append ``text`` to a file; return the 1-based line where it starts."""
    original = path.read_text()
    if not original.endswith("\n"):
        original += "\n"
    path.write_text(original + "\n" + text)
    return original.count("\n") + 2


def nav_missing(root: Path) -> tuple[str, int, str]:
    manifest = root / "mkdocs.yml"
    lines = manifest.read_text().splitlines()
    at = lines.index("  - References: references.md")
    lines.insert(at + 1, "  - Missing: nowhere.md")
    manifest.write_text("\n".join(lines) + "\n")
    return "mkdocs.yml", at + 2, "chapter in nav does not exist: chapters/nowhere.md"


def citation_missing(root: Path) -> tuple[str, int, str]:
    line = _append(root / "chapters/01-introduction.md", "As shown before [@nosuchkey2020].\n")
    message = "citation key not in the bibliography: nosuchkey2020"
    return "chapters/01-introduction.md", line, message


def duplicate_label(root: Path) -> tuple[str, int, str]:
    line = _append(root / "chapters/02-practice.md",
                   '::: {.recommendation #rec-data to="Ofsted"}\nA second one.\n:::\n')
    return "chapters/02-practice.md", line, "duplicate label 'rec-data'"


def unknown_label(root: Path) -> tuple[str, int, str]:
    line = _append(root / "chapters/02-practice.md", "See also @rec-nowhere for more.\n")
    return "chapters/02-practice.md", line, "unknown label 'rec-nowhere'"


def image_without_alt(root: Path) -> tuple[str, int, str]:
    line = _append(root / "chapters/02-practice.md",
                   "![A second chart.](images/referrals.svg){#fig-second}\n")
    return "chapters/02-practice.md", line, "image without alt text"


def image_missing(root: Path) -> tuple[str, int, str]:
    line = _append(root / "chapters/02-practice.md",
                   '![A chart.](images/missing.png){#fig-missing fig-alt="A chart."}\n')
    return "chapters/02-practice.md", line, "image not found: images/missing.png"


def front_matter_malformed(root: Path) -> tuple[str, int, str]:
    path = root / "chapters/foreword.md"
    path.write_text("---\nkind: [front\ndraft: true\n---\n# Foreword\n\nText.\n")
    return "chapters/foreword.md", 3, "malformed YAML"


def manifest_malformed(root: Path) -> tuple[str, int, str]:
    manifest = root / "mkdocs.yml"
    manifest.write_text(manifest.read_text().replace("docs_dir: chapters", "docs_dir: [chapters"))
    return "mkdocs.yml", 3, "malformed YAML"


CASES = [nav_missing, citation_missing, duplicate_label, unknown_label, image_without_alt,
         image_missing, front_matter_malformed, manifest_malformed]


@pytest.mark.parametrize("spoil", CASES, ids=[case.__name__ for case in CASES])
def test_bad_input_is_reported_with_path_and_line(make_tree, run_report, spoil) -> None:
    root = make_tree("constructs", commit=False)
    path, line, message = spoil(root)
    result = run_report(root, "build", "print")
    assert result.exit_code == 2, result.output
    lines = [entry for entry in result.stderr.splitlines() if entry.strip()]
    assert any(entry.startswith(f"{path}:{line}") and message in entry for entry in lines), lines
    for entry in lines:
        assert re.match(r"^[\w./-]+(:\d+)*: ", entry), entry
    assert not (root / "build").exists()


def test_bad_input_leaves_an_earlier_build_untouched(make_tree, run_report) -> None:
    root = make_tree("minimal")
    assert run_report(root, "build", "digital").exit_code == 0
    def outputs() -> dict[str, bytes]:
        build = root / "build"
        return {p.relative_to(build).as_posix(): p.read_bytes()
                for p in build.rglob("*") if p.is_file()}

    before = outputs()
    _append(root / "chapters/intro.md", "![no alt](missing.png)\n")
    result = run_report(root, "build", "digital")
    assert result.exit_code == 2
    after = outputs()
    assert after == before
    assert json.loads(after["manifest.json"])["editions"]["digital"]["pages"] >= 1


def test_unknown_option_is_a_usage_error(make_tree, run_report) -> None:
    root = make_tree("minimal", commit=False)
    result = run_report(root, "build", "--no-such-option")
    assert result.exit_code == 2
    assert not (root / "build").exists()


def test_an_unclosed_fenced_div_is_an_error_at_its_line(make_tree, run_report) -> None:
    root = make_tree("constructs", commit=False)
    line = _append(root / "chapters/01-introduction.md", "::: {.draft}\nNever closed.\n")
    result = run_report(root, "build", "print")
    assert result.exit_code == 2
    assert f"chapters/01-introduction.md:{line}: fenced div (:::) is never closed" in result.stderr
    assert not (root / "build").exists()


def test_build_reports_every_problem_at_once_sorted_by_file_and_line(make_tree,
                                                                     run_report) -> None:
    """Issue 17: four problems in one chapter, a name in an attribution and an error-level
    term in another, all in one run, before anything is built."""
    root = make_tree("constructs", commit=False)
    practice = "chapters/02-practice.md"
    first = _append(root / practice, "See also @rec-nowhere for more.\n")
    _append(root / practice, "As shown before [@nosuchkey2020].\n")
    _append(root / practice, '![A chart.](images/missing.png){#fig-missing fig-alt="A chart."}\n')
    _append(root / practice, "![Another chart.](images/referrals.svg){#fig-second}\n")
    intro = "chapters/01-introduction.md"
    quote = _append(root / intro, '::: {.quote by="Sarah Johnson, personal adviser"}\n'
                                  "Words.\n:::\n\nNo child sex workers, only children.\n")
    result = run_report(root, "build", "print")
    assert result.exit_code == 2, result.output
    lines = [entry for entry in result.stderr.splitlines() if entry.strip()]
    where = [(path, int(line)) for path, line, *_ in (entry.split(":") for entry in lines)]
    assert where == [(intro, quote), (intro, quote + 4), (practice, first),
                     (practice, first + 2), (practice, first + 4), (practice, first + 6)]
    assert "NAME-ATTRIBUTION" in lines[0] and "TERM019" in lines[1]
    assert not (root / "build").exists()


def test_an_error_level_term_stops_the_build_unless_kept_with_a_reason(make_tree,
                                                                        run_report) -> None:
    root = make_tree("constructs", commit=False)
    chapter = root / "chapters/01-introduction.md"
    original = chapter.read_text()
    line = _append(chapter, "The Home Office called them illegal immigrants.\n")
    result = run_report(root, "build", "docx")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"chapters/01-introduction.md:{line}:29: TERM022 avoid")
    assert not (root / "build").exists()
    chapter.write_text(original + "\n<!-- report: allow TERM022 the Home Office's words, "
                       "quoted to show them -->\nThe Home Office called them illegal immigrants.\n")
    kept = run_report(root, "build", "docx")
    assert kept.exit_code == 0, kept.output


def test_a_word_target_that_is_not_a_number(make_tree, run_report) -> None:
    root = make_tree("constructs", commit=False)
    manifest = root / "mkdocs.yml"
    manifest.write_text(manifest.read_text().replace(
        "extra:\n", "extra:\n  word_targets:\n    01-introduction.md: lots\n"))
    result = run_report(root, "check")
    assert result.exit_code == 2
    assert "mkdocs.yml:11: word target for 01-introduction.md is not a number" in result.stderr
