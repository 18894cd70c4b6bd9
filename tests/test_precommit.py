"""pre-commit runs `report check` on a report repository and blocks a commit on errors.

The hooks are run through pre-commit itself, on a temporary git repository holding a
small report tree. ``report-check-system`` is run as published (``pre-commit try-repo``
on a repository holding this ``.pre-commit-hooks.yaml``); ``report-check`` (language:
python) would have pre-commit pip-install the toolkit from the network, so it is only
validated here and checked to run the same command on the same files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import git
import pytest
import yaml

PROJECT = Path(__file__).resolve().parent.parent
HOOKS = PROJECT / ".pre-commit-hooks.yaml"
CONFIG = PROJECT / ".pre-commit-config.yaml"
SCAFFOLD_CONFIG = PROJECT / "report" / "scaffold" / "template" / "dot-pre-commit-config.yaml"
BIN = Path(sys.executable).parent
BAD_REFERENCE = ("chapters/02-practice.md", "(@fig-referrals)", "(@fig-nowhere)")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """`report` on PATH (as in an activated venv) and a pre-commit cache of the test's own."""
    if not (BIN / "pre-commit").exists():
        pytest.fail("pre-commit is not installed in the venv: install the test extra")
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never",
            "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.org",
            "GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "author@example.org"}


@pytest.fixture
def hooks_repo(tmp_path: Path) -> Path:
    """A repository publishing this toolkit's hooks, as `repo:` would point at."""
    root = tmp_path / "hooks"
    root.mkdir()
    shutil.copy(HOOKS, root / ".pre-commit-hooks.yaml")
    repo = git.Repo.init(root)
    repo.git.add(A=True)
    repo.git(c=["user.name=t", "user.email=t@example.org"]).commit(m="hooks")
    return root


def pre_commit(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "pre-commit"), *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def break_reference(root: Path) -> None:
    path, old, new = BAD_REFERENCE
    chapter = root / path
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def hook(path: Path, hook_id: str) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    hooks = data if isinstance(data, list) else [h for r in data["repos"] for h in r["hooks"]]
    return next(h for h in hooks if h["id"] == hook_id)


def test_manifest_and_configs_are_valid(env: dict[str, str]) -> None:
    assert pre_commit(PROJECT, env, "validate-manifest", str(HOOKS)).returncode == 0
    for config in (CONFIG, SCAFFOLD_CONFIG):
        result = pre_commit(PROJECT, env, "validate-config", str(config))
        assert result.returncode == 0, result.stdout + result.stderr


def test_hooks_run_the_same_check_on_the_same_files() -> None:
    published = hook(HOOKS, "report-check")
    system = hook(HOOKS, "report-check-system")
    assert published["language"] == "python" and system["language"] == "system"
    for other in (system, hook(CONFIG, "report-check"), hook(SCAFFOLD_CONFIG, "report-check")):
        for key in ("entry", "files", "pass_filenames"):
            assert other[key] == published[key], key
    assert published["entry"] == "report check" and published["pass_filenames"] is False
    files = published["files"]
    for name in ("chapters/a.md", "mkdocs.yml", "review/r1/x.yaml", "references.bib"):
        assert re.search(files, name), name
    for name in ("report/cli.py", "chapters/images/a.svg", "build/x.pdf"):
        assert not re.search(files, name), name


def test_try_repo_passes_a_clean_tree_and_fails_an_error(
        make_tree: Callable[..., Path], hooks_repo: Path, env: dict[str, str]) -> None:
    root = make_tree("constructs")
    result = pre_commit(root, env, "try-repo", str(hooks_repo), "report-check-system",
                        "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "report check" in result.stdout and "Passed" in result.stdout

    break_reference(root)
    result = pre_commit(root, env, "try-repo", str(hooks_repo), "report-check-system",
                        "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert "chapters/02-practice.md:3:" in result.stdout
    assert "STRUCT011" in result.stdout and "@fig-nowhere" in result.stdout


def test_hook_skips_a_commit_without_manuscript_files(
        make_tree: Callable[..., Path], hooks_repo: Path, env: dict[str, str]) -> None:
    root = make_tree("constructs")
    break_reference(root)
    (root / "notes.txt").write_text("not part of the report\n", encoding="utf-8")
    result = pre_commit(root, env, "try-repo", str(hooks_repo), "report-check-system",
                        "--files", "notes.txt")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Skipped" in result.stdout


def test_installed_hook_blocks_a_commit_with_an_error(
        make_tree: Callable[..., Path], env: dict[str, str]) -> None:
    """This repository's own config, installed as a git hook: `git commit` is refused."""
    root = make_tree("constructs")
    shutil.copy(CONFIG, root / ".pre-commit-config.yaml")
    repo = git.Repo(root)
    repo.git.add(".pre-commit-config.yaml")
    repo.git.commit(m="pre-commit config")
    assert pre_commit(root, env, "install").returncode == 0

    break_reference(root)
    repo.git.add(BAD_REFERENCE[0])
    commit = subprocess.run(["git", "commit", "-m", "broken reference"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120)
    assert commit.returncode != 0
    assert "STRUCT011" in commit.stdout + commit.stderr
    assert repo.head.commit.message.strip() == "pre-commit config"

    chapter = root / BAD_REFERENCE[0]
    fixed = chapter.read_text(encoding="utf-8").replace("@fig-nowhere", "@fig-referrals")
    chapter.write_text(fixed + "\nThe referrals are for one year.\n", encoding="utf-8")
    repo.git.add(BAD_REFERENCE[0])
    commit = subprocess.run(["git", "commit", "-m", "fixed"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120)
    assert commit.returncode == 0, commit.stdout + commit.stderr
    output = commit.stdout + commit.stderr
    assert "report check" in output and "Passed" in output
