"""Shared fixtures: small report trees copied into a temporary git repository.

Most tests use the small trees under ``tests/trees``; the bundled report is built once per
session (``bundled_build``) and shared by the tests that read its editions.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import git
import pytest
from click.testing import CliRunner

from report.cli import main

TREES = Path(__file__).resolve().parent / "trees"
PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the console scripts installed with the toolkit


def commit_all(root: Path, message: str = "test tree", *, author: str = "Test Author",
               email: str = "author@example.org", date: str | None = None) -> git.Repo:
    """Commit everything in ``root`` (a new repository if needed), at ``date`` if given."""
    repo = git.Repo.init(root) if not (root / ".git").exists() else git.Repo(root)
    with repo.config_writer() as config:
        config.set_value("user", "name", author)
        config.set_value("user", "email", email)
    repo.git.add(A=True)
    dates = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {}
    with repo.git.custom_environment(**dates):
        repo.git.commit(m=message, allow_empty=True)
    return repo


@pytest.fixture
def make_tree(tmp_path: Path) -> Callable[..., Path]:
    """Copy ``tests/trees/<name>`` into a temporary git repository and return its root."""

    def make(name: str, *, commit: bool = True) -> Path:
        root = tmp_path / name
        shutil.copytree(TREES / name, root, ignore=shutil.ignore_patterns("build"))
        if commit:
            commit_all(root)
        return root

    return make


@pytest.fixture
def run_report() -> Callable[..., object]:
    """Run the ``report`` CLI in-process, as a user would from the shell."""

    def run(root: Path, *args: str):
        return CliRunner().invoke(main, ["--root", str(root), *args], catch_exceptions=False)

    return run


def committed_copy(tmp_path_factory: pytest.TempPathFactory, tree: str, name: str) -> Path:
    """A committed copy of ``tests/trees/<tree>`` for a module-scoped fixture."""
    root = tmp_path_factory.mktemp(name) / tree
    shutil.copytree(TREES / tree, root, ignore=shutil.ignore_patterns("build"))
    (root / ".gitignore").write_text("build/\n")
    commit_all(root)
    return root


def built_copy(tmp_path_factory: pytest.TempPathFactory, name: str, *args: str) -> Path:
    """A committed copy of the constructs tree, built with ``report build ARGS``."""
    root = committed_copy(tmp_path_factory, "constructs", name)
    build_tree(root, *args)
    return root


def build_tree(root: Path, *args: str) -> None:
    result = CliRunner().invoke(main, ["--root", str(root), "build", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def bundled_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled report, copied from this repository and built once for the session."""
    root = tmp_path_factory.mktemp("bundled") / "report"
    shutil.copytree(PROJECT, root, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "node_modules", "tests", ".pytest_cache", "*.egg-info",
        "__pycache__", ".ruff_cache", ".hypothesis"))
    commit_all(root, "bundled report")
    build_tree(root)
    return root
