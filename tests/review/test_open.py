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


CONSENT_TREE = TREE.parent / "consent"  # a register with people who must not be named


@pytest.fixture
def consent_tree(tmp_path: Path):
    """The consent tree, committed; call it with a sentence to add to a chapter first."""
    def make(sentence: str = "") -> Path:
        root = tmp_path / "consent"
        shutil.copytree(CONSENT_TREE, root, ignore=shutil.ignore_patterns("build"))
        (root / ".gitignore").write_text("build/\n")
        if sentence:
            chapter = root / "chapters" / "01-introduction.md"
            chapter.write_text(chapter.read_text() + f"\n{sentence}\n")
        repo = git.Repo.init(root)
        repo.git.add(A=True)
        repo.index.commit("Draft for consultation")
        return root
    return make


def test_a_name_without_consent_refuses_the_round_and_changes_nothing(consent_tree) -> None:
    """The pack goes outside the team: it passes the gate `report build` passes, and a
    round over a text that names someone who withdrew consent is not opened."""
    root = consent_tree("The team of Wren Withdrawn found this.")
    before = state(root)
    result = run(root, "r1")
    assert result.exit_code == 2
    assert ("chapters/01-introduction.md:12:13: CONSENT-NAME name of contributor "
            "'wwithdrawn'") in result.output
    assert state(root) == before
    assert not (root / "build").exists()


def test_a_register_with_people_not_to_name_opens_and_its_pack_is_clean(consent_tree) -> None:
    """The gate does not misfire on a register that lists people who must not be named
    (they are not named in the text): the round opens, and no file of its pack holds the
    name of anyone without consent."""
    from report.checks.consent import scan_built_files

    root = consent_tree()
    result = run(root, "r1")
    assert result.exit_code == 0, result.output
    pack = root / "build" / "review" / "r1"
    assert len(list(pack.iterdir())) == 4
    assert scan_built_files([pack], root) == []


def test_the_made_pack_is_scanned_before_it_is_kept(consent_tree, tmp_path: Path) -> None:
    """The pack's own files pass the build's last gate: one that names someone without
    consent refuses the round (the folder it was made in is then removed)."""
    from report.manuscript import load
    from report.review.round import RoundRefused, _no_names_without_consent

    manuscript = load(consent_tree())
    made, folder = tmp_path / "made", tmp_path / "build" / "review" / "r1"
    made.mkdir()
    (made / "instructions.md").write_text("With thanks to the delegates.\n")
    _no_names_without_consent(made, folder, manuscript)
    (made / "instructions.md").write_text("With thanks to Wren Withdrawn.\n")
    with pytest.raises(RoundRefused, match="'wwithdrawn'") as refused:
        _no_names_without_consent(made, folder, manuscript)
    assert f"{folder}/instructions.md" in str(refused.value)
