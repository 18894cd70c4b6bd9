"""Helpers for the review-core tests: a committed copy of tests/trees/review with a round.

A round is recorded directly (``model.write_round``) rather than through
``report review open``, which also builds the reviewer pack: these tests are about
importing and anchoring, and must stay fast.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import git
from click.testing import CliRunner

from report.cli import main
from report.review import model

TREE = Path(__file__).resolve().parent.parent / "trees" / "review"
# ../shared beside the project (the developers' and CI's layout)
FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "word"


def commit(root: Path, message: str) -> str:
    repo = git.Repo.init(root) if not (root / ".git").exists() else git.Repo(root)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test Author")
        config.set_value("user", "email", "author@example.org")
    repo.git.add(A=True)
    repo.git.commit(m=message, allow_empty=True)
    return repo.head.commit.hexsha


def review_tree(base: Path, round_name: str = "r1") -> Path:
    """Copy the review test tree to ``base/report``, commit it and open a round on it."""
    root = base / "report"
    shutil.copytree(TREE, root, ignore=shutil.ignore_patterns("build", "*.py"))
    draft = commit(root, "Draft for consultation")
    open_round(root, round_name, draft)
    return root


def pack_number(root: Path, words: str, round_name: str = "r1") -> int:
    """The pack number a reviewer reads beside the block starting with ``words``: the
    render's numbering at the round's commit, as the pack printed it."""
    from report.manuscript import load
    from report.review.paragraphs import number_paragraphs_at

    commit = model.get_round(root, round_name).commit
    return next(p.number for p in number_paragraphs_at(root, commit, load(root))
                if p.text.startswith(words))


def open_round(root: Path, name: str, sha: str, opened: str = "2021-11-01") -> None:
    model.write_round(root, model.Round(name=name, commit=sha, opened=opened))
    commit(root, f"Open review round {name}")


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["--root", str(root), "review", *args])


def snapshot(root: Path) -> tuple:
    """HEAD, the git status and every file under review/ with its hash."""
    repo = git.Repo(root)
    files = {}
    if (root / "review").exists():
        for path in sorted((root / "review").rglob("*")):
            if path.is_file():
                files[path.relative_to(root).as_posix()] = hashlib.sha256(
                    path.read_bytes()).hexdigest()
    return repo.head.commit.hexsha, repo.git.status("--porcelain"), files


def opened_tree(base: Path, *open_args: str) -> Path:
    """The review tree committed as the consultation draft, with ``review open`` run on it
    (``open_args``: the round, its reviewers, its deadline)."""
    import shutil

    root = base / "report"
    shutil.copytree(TREE, root, ignore=shutil.ignore_patterns("build", "*.py"))
    commit(root, "Draft for consultation")
    result = run(root, "open", *open_args)
    assert result.exit_code == 0, result.output
    return root
