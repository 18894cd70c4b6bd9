"""Undo and guard (issue 13, item 4): ``review undo`` reverts one import; imports queue."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import git
import pytest
from reviewcore import review_tree, run, snapshot

from report.review import model


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return review_tree(tmp_path)


def _form(folder: Path, who: str, *bodies: str) -> Path:
    path = folder / f"{who}.csv"
    path.write_text("paragraph,comment\n" + "".join(f"{3 + i},{body}\n"
                                                     for i, body in enumerate(bodies)),
                    encoding="utf-8")
    return path


def _bodies(root: Path) -> dict[str, list[str]]:
    return {r.reviewer.id: [c.body for c in r.comments] for r in model.load_round(root, "r1")}


def test_undo_backs_out_the_last_import_and_nothing_else(tree: Path, tmp_path: Path) -> None:
    repo = git.Repo(tree)
    assert run(tree, "import", str(_form(tmp_path, "pat", "One.", "Two."))).exit_code == 0
    after_pat = snapshot(tree)
    assert run(tree, "import", str(_form(tmp_path, "sam", "Three."))).exit_code == 0
    sam_import = repo.head.commit.hexsha

    result = run(tree, "undo")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"undid {sam_import[:7]} (Review r1: import sam.csv")
    head = repo.head.commit
    assert head.parents[0].hexsha == sam_import
    assert f"This reverts commit {sam_import}" in head.message
    assert set(head.stats.files) == {"review/r1/sam.yaml"}
    assert _bodies(tree) == {"pat": ["One.", "Two."]}
    assert snapshot(tree)[1:] == after_pat[1:]  # same files and status as before sam

    assert run(tree, "undo").exit_code == 0
    assert _bodies(tree) == {}
    last = run(tree, "undo")
    assert last.exit_code == 2 and last.stderr.strip() == "review: no import to undo"


def test_undo_a_named_import(tree: Path, tmp_path: Path) -> None:
    repo = git.Repo(tree)
    opening = repo.head.commit.hexsha
    assert run(tree, "import", str(_form(tmp_path, "pat", "One."))).exit_code == 0
    pat_import = repo.head.commit.hexsha
    assert run(tree, "import", str(_form(tmp_path, "sam", "Two."))).exit_code == 0
    assert run(tree, "undo", pat_import[:8]).exit_code == 0
    assert _bodies(tree) == {"sam": ["Two."]}
    again = run(tree, "undo", pat_import[:8])
    assert again.exit_code == 2 and "already undone" in again.stderr
    other = run(tree, "undo", opening)
    assert other.exit_code == 2 and "not a review import commit" in other.stderr


def test_undo_that_would_clash_changes_nothing(tree: Path, tmp_path: Path) -> None:
    assert run(tree, "import", str(_form(tmp_path, "pat", "One."))).exit_code == 0
    comment = model.load_round(tree, "r1")[0].comments[0]
    assert run(tree, "respond", comment.id, "--status", "noted").exit_code == 0
    before = snapshot(tree)
    result = run(tree, "undo")
    assert result.exit_code == 2
    assert "cannot undo this import, nothing changed" in result.stderr
    assert snapshot(tree) == before


def test_concurrent_imports_are_serialised(tree: Path, tmp_path: Path) -> None:
    who = ["pat", "sam", "alex", "kim"]
    forms = [_form(tmp_path, name, f"Comment from {name}.") for name in who]
    report = Path(sys.executable).with_name("report")
    processes = [subprocess.Popen([str(report), "--root", str(tree), "review", "import",
                                   str(form)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for form in forms]
    outcomes = [(p.wait(timeout=300), p.stderr.read()) for p in processes]
    assert all(code == 0 for code, _ in outcomes), outcomes
    assert _bodies(tree) == {name: [f"Comment from {name}."] for name in who}
    repo = git.Repo(tree)
    assert not repo.is_dirty(untracked_files=True)
    imports = [c for c in repo.iter_commits("HEAD", max_count=len(who))]
    assert sorted(list(c.stats.files) for c in imports) == sorted(
        [f"review/r1/{name}.yaml"] for name in who)
    repo.git.fsck()
