"""Backing out an import: ``report review undo [IMPORT]``.

An import is one commit holding only review files and marked with the
``Review-Import`` trailer, so undoing it is a ``git revert`` of that commit and nothing
else: the history keeps both the import and its undoing, and a later ``respond`` on
other comments is untouched. A revert that would clash (the comments were answered
since) is abandoned with the repository as it was, and the reason given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import git

from report.errors import InputError, Problem
from report.review.history import History
from report.review.store import IMPORT_TRAILER, _git_identity, import_lock

_REVERTS = re.compile(r"This reverts commit ([0-9a-f]{40})")


@dataclass(frozen=True)
class Undone:
    """The import backed out and the commit that did it."""

    imported: str
    subject: str
    revert: str


def _imports(repo: git.Repo) -> tuple[list[git.Commit], set[str]]:
    """Import commits, newest first, and the shas already reverted."""
    found, reverted = [], set()
    for commit in repo.iter_commits("HEAD"):
        message = str(commit.message)
        reverted.update(_REVERTS.findall(message))
        if re.search(rf"^{IMPORT_TRAILER}: ", message, re.M):
            found.append(commit)
    return found, reverted


def undo(root: Path, name: str | None = None) -> Undone:
    """Revert the newest import not yet undone, or the import ``name`` (a commit)."""
    history = History(Path(root))
    repo = history.repo
    with import_lock(history):
        imports, reverted = _imports(repo)
        if name is None:
            pending = [c for c in imports if c.hexsha not in reverted]
            if not pending:
                raise InputError(Problem("review", None, "no import to undo"))
            target = pending[0]
        else:
            sha = history.resolve(name)
            target = next((c for c in imports if c.hexsha == sha), None)
            if target is None:
                raise InputError(Problem(name, None, "not a review import commit (see "
                                         f"'git log --grep {IMPORT_TRAILER}')"))
            if sha in reverted:
                raise InputError(Problem(name, None, "this import was already undone"))
        identity = _git_identity(repo)
        runner = repo.git(c=identity) if identity else repo.git
        try:
            runner.revert("--no-edit", target.hexsha)
        except git.GitCommandError as exc:
            try:
                repo.git.revert("--abort")
            except git.GitCommandError:
                pass
            detail = (exc.stderr or str(exc)).strip().splitlines()
            raise InputError(Problem(target.hexsha[:7], None, "cannot undo this import, "
                                     "nothing changed: " + (detail[0] if detail else
                                                            "git revert failed"))) from None
        return Undone(target.hexsha, str(target.summary), repo.head.commit.hexsha)
