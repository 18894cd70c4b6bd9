"""`report review open`: the round is recorded, committed and tagged, or refused cleanly."""

from __future__ import annotations

import shutil
from pathlib import Path

import git
import pytest
import yaml
from click.testing import CliRunner

from report.cli import main

TREE = Path(__file__).resolve().parent.parent / "trees" / "minimal"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "report"
    shutil.copytree(TREE, root, ignore=shutil.ignore_patterns("build"))
    (root / ".gitignore").write_text("build/\n")
    repo = git.Repo.init(root)
    repo.git.add(A=True)
    repo.index.commit("Draft for consultation")
    return root


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["--root", str(root), "review", "open", *args])


def state(root: Path) -> tuple:
    """Everything open may change: HEAD, tags, review/ and build/review/."""
    repo = git.Repo(root)
    files = sorted(p.relative_to(root).as_posix() for d in ("review", "build")
                   if (root / d).exists() for p in (root / d).rglob("*"))
    return repo.head.commit.hexsha, sorted(t.name for t in repo.tags), files


def test_open_records_commits_and_tags(tree: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1635811200")  # 2021-11-02
    repo = git.Repo(tree)
    draft = repo.head.commit.hexsha
    result = run(tree, "consultation-1", "--deadline", "2021-12-01",
                 "--reviewer", "jsmith", "--reviewer", "apatel")
    assert result.exit_code == 0, result.output
    record = yaml.safe_load((tree / "review" / "consultation-1" / "round.yaml").read_text())
    assert record == {"name": "consultation-1", "commit": draft, "opened": "2021-11-02",
                      "deadline": "2021-12-01", "reviewers": ["jsmith", "apatel"]}
    assert repo.tags["review/consultation-1"].commit.hexsha == draft
    assert repo.head.commit.parents[0].hexsha == draft
    assert "consultation-1" in repo.head.commit.message
    assert set(repo.head.commit.stats.files) == {"review/consultation-1/round.yaml"}
    assert not repo.is_dirty(untracked_files=True)
    pack = tree / "build" / "review" / "consultation-1"
    assert sorted(p.name for p in pack.iterdir()) == [
        "a-minimal-report-review-consultation-1-apatel.docx",
        "a-minimal-report-review-consultation-1-apatel.pdf",
        "a-minimal-report-review-consultation-1-jsmith.docx",
        "a-minimal-report-review-consultation-1-jsmith.pdf",
        "a-minimal-report-review-consultation-1.docx",
        "a-minimal-report-review-consultation-1.pdf",
        "comments-consultation-1-apatel.xlsx", "comments-consultation-1-jsmith.xlsx",
        "comments-consultation-1.xlsx", "instructions.md"]
    assert "build/review/consultation-1/instructions.md" in result.output


def test_dirty_tree_is_refused(tree: Path) -> None:
    (tree / "chapters" / "intro.md").write_text("# Introduction\n\nUnsaved edit.\n")
    before = state(tree)
    result = run(tree, "r1")
    assert result.exit_code == 1
    assert "chapters/intro.md" in result.output
    assert state(tree) == before


def test_untracked_chapter_counts_as_dirty(tree: Path) -> None:
    (tree / "chapters" / "new.md").write_text("# New\n")
    assert run(tree, "r1").exit_code == 1


def test_existing_round_is_bad_input(tree: Path) -> None:
    assert run(tree, "r1").exit_code == 0
    before = state(tree)
    result = run(tree, "r1")
    assert result.exit_code == 2
    assert "review/r1/round.yaml: review round 'r1' already exists" in result.output
    assert state(tree) == before


@pytest.mark.parametrize("args, message", [
    (["r1", "--deadline", "next week"], "is not a date"),
    (["../escape"], "round name"),
    (["r1", "--reviewer", "Jane Smith"], "reviewer id"),
])
def test_bad_options_change_nothing(tree: Path, args: list[str], message: str) -> None:
    before = state(tree)
    result = run(tree, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert state(tree) == before
