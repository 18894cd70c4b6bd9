"""A consultation round: the commit reviewers read, recorded, tagged and packed.

Every comment a reviewer sends is about the text *as it stood when the round opened*.
Recording that commit (in ``review/<round>/round.yaml`` and as the tag
``review/<round>``) is what lets anchoring map comments through later edits, and lets
``report review changes`` show reviewers what became of the text they read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import git

from report.errors import InputError, Problem
from report.review import model
from report.review.history import History
from report.review.model import REVIEW_DIR, ROUND_FILE, Round

if TYPE_CHECKING:
    from report.manuscript import Manuscript

_ROUND_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class RoundRefused(Exception):
    """The command ran but will not open the round (a dirty tree): exit 1."""


def tag_name(name: str) -> str:
    return f"{REVIEW_DIR}/{name}"


def record_path(root: Path, name: str) -> Path:
    return root / REVIEW_DIR / name / ROUND_FILE


def check_name(name: str) -> None:
    """A round name becomes a folder and a git tag, so keep it to safe characters."""
    if not _ROUND_NAME.match(name) or ".." in name or name.endswith((".", ".lock")):
        raise InputError(Problem(REVIEW_DIR, None,
                                 f"round name {name!r} must be letters, digits, '.', '_' "
                                 "or '-', starting with a letter or digit"))


def check_date(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InputError(Problem(f"--{what}", None,
                                 f"{value!r} is not a date (YYYY-MM-DD)")) from None


def repository(root: Path) -> git.Repo:
    """The git repository holding the report tree; rounds need history."""
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise InputError(Problem(".", None, f"{root} is not in a git repository: "
                                 "review rounds need the manuscript's history")) from None


def tree_prefix(repo: git.Repo, root: Path) -> str:
    """The report tree's folder inside the repository ("" when it is the top)."""
    rel = os.path.relpath(Path(root).resolve(), Path(repo.working_tree_dir).resolve())
    return "" if rel == "." else Path(rel).as_posix()


def round_commit(root: Path, name: str) -> str:
    """The full sha of a round: its tag ``review/<name>``, else its ``round.yaml``."""
    repo = repository(root)
    try:
        return repo.tags[tag_name(name)].commit.hexsha
    except (IndexError, ValueError):
        pass
    record = record_path(root, name)
    if not record.is_file():
        rel = record.relative_to(root).as_posix()
        raise InputError(Problem(rel, None, f"no review round {name!r}: no tag "
                                 f"{tag_name(name)} and no {rel}"))
    return History(root).resolve(model.get_round(root, name, open_only=False).commit)


def today() -> str:
    """The opening date; ``SOURCE_DATE_EPOCH`` wins so that tests are reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.date().isoformat()


@dataclass(frozen=True)
class OpenedRound:
    """A round just opened: its record and the pack built for it."""

    record: Round
    folder: Path
    files: list[Path]


def _dirty(repo: git.Repo, prefix: str) -> list[str]:
    """Uncommitted changes that would make the pack disagree with the round's commit.

    Untracked files under the tree's ``build/`` are outputs, not manuscript; anything
    staged anywhere would slip into the round's commit, so it counts too.
    """
    scope = f"{prefix}/" if prefix else ""
    found = [d.a_path for d in repo.index.diff(None) if d.a_path.startswith(scope)]
    found += [d.a_path for d in repo.index.diff("HEAD")]
    found += [p for p in repo.untracked_files
              if p.startswith(scope) and not p.startswith(f"{scope}build/")]
    return sorted(set(found))


def _no_names_without_consent(made: Path, folder: Path, manuscript: Manuscript) -> None:
    """Refuse the pack (its temporary folder ``made`` is then removed) when any of its
    files holds the name of someone without consent to be named: the build's last gate
    (``report.build._privacy_gate``), on every file the pack is made of."""
    from report.checks.consent import leaks_as_published

    where = leaks_as_published(made, folder, manuscript)
    if where:
        raise RoundRefused("a name without consent reached the pack (nothing was "
                           "written): " + "; ".join(where))


def open_round(root: Path, name: str, *, deadline: str | None = None,
               reviewers: tuple[str, ...] | list[str] = ()) -> OpenedRound:
    """Record the round, commit the record, tag the round's commit, build the pack.

    The pack is built first (in a temporary folder) so that a failed build leaves no
    round record, no commit and no tag behind.
    """
    from report.manuscript import load
    from report.outputs import atomic_dir
    from report.review.pack import build_pack
    from report.review.paragraphs import remember_at

    root = Path(root).resolve()
    check_name(name)
    deadline = check_date(deadline, "deadline")
    for reviewer in reviewers:
        if not _ROUND_NAME.match(reviewer):
            raise InputError(Problem(REVIEW_DIR, None, f"reviewer id {reviewer!r} must be "
                                     "letters, digits, '.', '_' or '-'"))
    manuscript = load(root)
    repo = repository(root)
    if not repo.head.is_valid():
        raise InputError(Problem(".", None, "the repository has no commit yet: commit the "
                                 "manuscript before opening a round"))
    record_file = record_path(root, name)
    rel = record_file.relative_to(root).as_posix()
    if record_file.exists() or tag_name(name) in [t.name for t in repo.tags]:
        raise InputError(Problem(rel, None, f"review round {name!r} already exists"))
    prefix = tree_prefix(repo, root)
    dirty = _dirty(repo, prefix)
    if dirty:
        raise RoundRefused("uncommitted changes; commit them before opening a round: "
                           + ", ".join(dirty))
    # The pack goes to reviewers outside the team: it passes the gate a build passes
    # (every error `report build` refuses, a name without consent first among them),
    # and its files are scanned for such names as a build's editions are.
    from report.build import manuscript_problems

    problems = manuscript_problems(manuscript)
    if problems:
        raise InputError(problems)
    commit = repo.head.commit.hexsha
    record = Round(name=name, commit=commit, opened=today(), deadline=deadline,
                   reviewers=list(reviewers))
    paragraphs = remember_at(manuscript, commit)
    folder = root / "build" / "review" / name
    with atomic_dir(folder) as tmp:
        pack = build_pack(tmp, manuscript, record, paragraphs)
        _no_names_without_consent(tmp, folder, manuscript)
        model.write_round(root, record)
        try:
            in_repo = f"{prefix}/{rel}" if prefix else rel
            repo.index.add([in_repo])
            count = len(reviewers)
            repo.index.commit(f"Open review round {name} at {commit[:7]}" + (
                f" ({count} reviewer{'s' if count != 1 else ''})" if count else ""))
            repo.create_tag(tag_name(name), ref=commit, message=f"Review round {name}")
        except Exception:
            if repo.head.commit.hexsha == commit:
                repo.index.remove([in_repo], cached=True)
                record_file.unlink(missing_ok=True)
            raise
    files = [folder / p.name for p in pack.files]
    return OpenedRound(record=record, folder=folder, files=files)
