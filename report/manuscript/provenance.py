"""Where a build comes from: the commit, whether the tree is dirty, and its date.

Draft stamps and the manifest name the short commit so that a printed page can be traced
to the exact text; release dates come from the commit so builds are reproducible.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import git


@dataclass(frozen=True)
class Provenance:
    commit: str | None
    dirty: bool
    date: datetime

    @property
    def short(self) -> str:
        return self.commit[:7] if self.commit else "uncommitted"


def provenance(root: Path) -> Provenance:
    """Commit and date of the tree; ``SOURCE_DATE_EPOCH`` wins for the date."""
    commit, dirty, date = None, False, None
    try:
        # Closed once read: its `git cat-file` processes end now, not whenever the
        # collector finds the Repo (a command leaves without Python's teardown).
        with git.Repo(root, search_parent_directories=True) as repo:
            commit, dirty, date = _read(repo, root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        pass
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        date = datetime.fromtimestamp(int(epoch), UTC)
    if date is None:
        date = datetime.now(UTC).replace(microsecond=0)
    return Provenance(commit=commit, dirty=dirty, date=date)


def _read(repo: git.Repo, root: Path) -> tuple[str | None, bool, datetime | None]:
    """The head commit, its date, and whether the tree at ``root`` differs from it."""
    commit, date = None, None
    if repo.head.is_valid():
        head = repo.head.commit
        commit = head.hexsha
        date = head.committed_datetime.astimezone(UTC)
    rel = os.path.relpath(root, repo.working_tree_dir)
    path = None if rel == "." else rel
    # The tree's own build/ folder is output, never a change to the sources, even in
    # a tree without a .gitignore.
    build = "build/" if path is None else f"{path}/build/"
    dirty = repo.is_dirty(untracked_files=False, path=path) or any(
        not name.startswith(build) for name in repo.untracked_files
        if path is None or name.startswith(f"{path}/"))
    return commit, dirty, date
