"""The author's answer to a comment: a disposition and a response, kept and committed.

Answers live in the reviewer's own file, beside the comment, so the comment resolution
matrix and the letters back to reviewers are generated from one record, and ``git log``
shows who decided what and when.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import git

from report.errors import InputError, Problem
from report.outputs import write_text
from report.review import model
from report.review.history import History
from report.review.model import STATUSES, Comment, ReviewFile
from report.review.store import commit_paths, import_lock


def _who(history: History) -> str | None:
    try:
        return history.repo.git.config("user.name") or None
    except git.GitCommandError:
        return os.environ.get("USER") or None


def _find(root: Path, comment_id: str) -> tuple[ReviewFile, Comment]:
    """A comment by id, or by an unambiguous beginning of its id."""
    matches = []
    for record in model.rounds(root):
        for review in model.load_round(root, record):
            for comment in review.comments:
                if comment.id == comment_id:
                    return review, comment
                if comment.id.startswith(comment_id):
                    matches.append((review, comment))
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise InputError(Problem(model.REVIEW_DIR, None, f"{comment_id!r} matches "
                                 f"{len(matches)} comments: give more of the id"))
    raise InputError(Problem(model.REVIEW_DIR, None, f"no comment {comment_id!r} in any round"))


def respond(root: Path, comment_id: str, status: str, response: str | None = None,
            by: str | None = None, commit: bool = True) -> tuple[ReviewFile, Comment]:
    """Record the disposition of a comment; commit the reviewer's file."""
    if status not in STATUSES:
        raise InputError(Problem("--status", None, f"unknown status {status!r}; use one of "
                                 f"{', '.join(STATUSES)}"))
    root = Path(root).resolve()
    history = History(root)
    with import_lock(history):  # an import running now may be writing the same file
        return _respond(root, history, comment_id, status, response, by, commit)


def _respond(root: Path, history: History, comment_id: str, status: str,
             response: str | None, by: str | None, commit: bool
             ) -> tuple[ReviewFile, Comment]:
    review, comment = _find(root, comment_id)
    old = comment.disposition
    comment.disposition = model.Disposition(
        status=status,
        response=response if response is not None else old.response,
        by=by or _who(history),
        date=dt.date.today().isoformat(),
    )
    before = review.path.read_text(encoding="utf-8")
    if model.render(review) == before:
        return review, comment  # already recorded: nothing to commit
    model.save(review)
    if commit:
        try:
            commit_paths(history, [review.path],
                         f"Review {review.round}: {comment.id} {status} "
                         f"({review.reviewer.id})")
        except Exception:
            write_text(review.path, before)
            raise
    return review, comment
