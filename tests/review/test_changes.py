"""`report review changes`: the redline since a round marks words, folds the rest."""

from __future__ import annotations

import subprocess
from pathlib import Path

import git
import pytest
from click.testing import CliRunner

from report.cli import main
from report.review import changes

MKDOCS = """site_name: Redline test
docs_dir: chapters
nav:
  - One: one.md
  - Two: two.md
"""
ONE = """# One

The council should appoint an independent guardian for every child.

A second paragraph that stays as it is.
"""
TWO = """# Two

Nothing here changes at all.
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "report"
    (root / "chapters").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS)
    (root / "chapters" / "one.md").write_text(ONE)
    (root / "chapters" / "two.md").write_text(TWO)
    (root / ".gitignore").write_text("build/\n")
    repo = git.Repo.init(root)
    repo.index.add(["mkdocs.yml", "chapters/one.md", "chapters/two.md", ".gitignore"])
    repo.index.commit("Draft")
    repo.create_tag("review/r1", message="round r1")
    edited = ONE.replace("should appoint", "must appoint").replace("independent ", "")
    edited = edited.replace("every child.", "every child, without delay.")
    (root / "chapters" / "one.md").write_text(edited)
    return root


def test_words_inserted_and_deleted(tree: Path) -> None:
    red = changes.redline(tree, "r1")
    one, two = red.chapters
    assert (one.rel, one.state, two.state) == ("chapters/one.md", "changed", "unchanged")
    inserted = [p.text for p in one.pieces if p.op == "insert"]
    deleted = [p.text for p in one.pieces if p.op == "delete"]
    assert "must" in inserted and "should" in deleted
    assert any("independent" in d for d in deleted)
    assert any("without delay" in i for i in inserted)
    assert (one.inserted, one.deleted) == (3, 2)  # must, without, delay; should, independent


def test_html_marks_and_folds(tree: Path) -> None:
    result = CliRunner().invoke(main, ["--root", str(tree), "review", "changes", "r1"])
    assert result.exit_code == 0, result.output
    page = (tree / "build" / "review" / "r1" / "changes.html").read_text()
    assert "<del>should</del><ins>must</ins>" in page
    assert "<ins>, without delay</ins>" in page
    assert "A second paragraph that stays as it is." in page
    folded = page.split('id="ch-chapters-two-md"')[1]
    assert folded.startswith("><details><summary>Two")
    assert "<ins>" not in folded and "<del>" not in folded


def test_rewrapped_text_is_not_a_change(tree: Path) -> None:
    (tree / "chapters" / "one.md").write_text(ONE.replace("an independent", "an\nindependent"))
    red = changes.redline(tree, "r1")
    assert not red.changed


def test_renamed_chapter_followed_by_label(tree: Path) -> None:
    repo = git.Repo(tree)
    repo.git.checkout("--", "chapters/one.md")
    repo.git.mv("chapters/two.md", "chapters/02-two.md")
    (tree / "mkdocs.yml").write_text(MKDOCS.replace("two.md", "02-two.md"))
    red = changes.redline(tree, "r1")
    two = red.chapters[1]
    assert (two.old_rel, two.rel, two.state) == ("chapters/two.md", "chapters/02-two.md",
                                                 "renamed")


def test_pdf(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "changes.pdf"
    result = CliRunner().invoke(main, ["--root", str(tree), "review", "changes", "r1",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "must" in text and "should" in text and "Unchanged since the round" in text


def test_unknown_round_is_bad_input(tree: Path) -> None:
    result = CliRunner().invoke(main, ["--root", str(tree), "review", "changes", "nope"])
    assert result.exit_code == 2
    assert "no review round 'nope'" in result.output
    assert not (tree / "build").exists()


def test_headings_stay_headings(tree: Path) -> None:
    path = tree / "chapters" / "one.md"
    path.write_text(path.read_text().replace("# One", "# One and only"))
    page = changes.to_html(changes.redline(tree, "r1"))
    assert "<h3>1 One<ins> and only</ins></h3>" in page  # the heading as the pack prints it
    assert "\ue000" not in page


STAYING = ("Guardians who stay with a child through every stage of the process help to "
           "rebuild trust.")
MOVING = "The last paragraph of the chapter, long enough to count as a paragraph."


def _moves_tree(tmp_path: Path) -> Path:
    root = tmp_path / "moves"
    (root / "chapters").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS)
    (root / "chapters" / "one.md").write_text(
        f"# One\n\nFirst paragraph stays here.\n\n{STAYING}\n\n{MOVING}\n\n"
        "## A later part\n\nThis section will become a chapter of its own, word for word.\n")
    (root / "chapters" / "two.md").write_text(TWO)
    repo = git.Repo.init(root)
    repo.index.add(["mkdocs.yml", "chapters/one.md", "chapters/two.md"])
    repo.index.commit("Draft")
    repo.create_tag("review/r1", message="round r1")
    (root / "chapters" / "one.md").write_text(
        f"# One\n\nFirst paragraph stays here.\n\n{MOVING}\n\n{STAYING}\n")
    (root / "chapters" / "three.md").write_text(
        "# A later part\n\nThis section will become a chapter of its own, word for word.\n")
    (root / "mkdocs.yml").write_text(MKDOCS + "  - Three: three.md\n")
    return root


def test_moved_paragraphs_and_split_chapters_are_moves(tmp_path: Path) -> None:
    red = changes.redline(_moves_tree(tmp_path), "r1")
    one, two, three = red.chapters
    ops = [(p.op, p.text.strip().rstrip(".")) for p in one.pieces if p.op != "equal"]
    assert ("move-from", MOVING[:-1]) in ops and ("move-to", MOVING[:-1]) in ops
    # 13 words moved; the 5 deleted are the heading "1.1 A later part" (as the pack
    # prints it), too short to call a move, which the new chapter three inserts
    assert (one.inserted, one.deleted, one.moved) == (0, 5, 13)
    split = [p for p in three.pieces if p.op == "move-to"]
    assert [p.text.strip() for p in split] == [
        "This section will become a chapter of its own, word for word."]
    assert (three.inserted, three.moved, three.state) == (4, 12, "added")  # "3 A later part"
    source = [p for p in one.pieces if p.op == "move-from" and p.move == split[0].move]
    assert len(source) == 1
    page = changes.to_html(red)
    assert f'id="move-{split[0].move}-to"' in page and f'href="#move-{split[0].move}-from"' in page
    # pack numbers: one.md had paragraphs 1-4 at the round (headings are not numbered)
    assert "<p><span class=\"num\">¶1</span> First paragraph stays here" in page
    assert page.count("¶1<") == 1
    assert "¶2</span> Guardians who stay" in page
    assert "¶3</span> <del class=\"moved\"" in page
    assert "¶4</span> <del class=\"moved\" id=\"move-2-from\">This section will become" in page


REGISTER = Path(__file__).resolve().parent.parent / "trees" / "consent" / "contributors.yaml"


@pytest.mark.parametrize("when", ["added since the round", "struck out since the round"])
@pytest.mark.parametrize("output", ["", "changes.pdf"])
def test_a_redline_that_would_name_someone_without_consent_is_refused(
        tmp_path: Path, when: str, output: str) -> None:
    """A redline goes out with the next draft: a name without consent, whether added
    since the round or struck out since (a redline shows it as it was), refuses it, and
    nothing is written."""
    root = tmp_path / "report"
    (root / "chapters").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS)
    (root / "contributors.yaml").write_text(REGISTER.read_text())
    (root / ".gitignore").write_text("build/\n")
    named = ONE.replace("every child.", "every child, as Wren Withdrawn said.")
    (root / "chapters" / "one.md").write_text(ONE if when.startswith("added") else named)
    (root / "chapters" / "two.md").write_text(TWO)
    repo = git.Repo.init(root)
    repo.git.add(A=True)
    repo.index.commit("Draft")
    repo.create_tag("review/r1", message="round r1")
    (root / "chapters" / "one.md").write_text(named if when.startswith("added") else ONE)
    target = tmp_path / output if output else root / "build" / "review" / "r1" / "changes.html"
    result = CliRunner().invoke(main, ["--root", str(root), "review", "changes", "r1",
                                       *(["-o", str(target)] if output else [])])
    assert result.exit_code == 1, result.output
    assert str(target) in result.output
    assert "name of contributor 'wwithdrawn'" in result.output and "refused" in result.output
    assert not target.exists()
    assert [p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}")] == []
