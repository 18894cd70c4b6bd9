"""Importing a reviewer's file: read, locate, merge into ``review/ROUND/``, commit.

All the checking happens before anything is written: an unreadable, hostile or foreign
file raises :class:`~report.errors.InputError` with ``review/`` and git untouched. A
file is filed under one invited reviewer (``--reviewer``, the pack copy's mark, or the
file's name), never under whoever typed each comment. Ids are stable (a hash of the
file's sha256, the id inside the file and the kind), and a comment already in *that
reviewer's* file (same id, or the same words by the same author on the same text, as
when a reviewer sends an updated copy) is not added again, so importing the same file
twice adds nothing while two reviewers' identical comments are both kept. A comment
whose text cannot be found is kept, unanchored, with a warning. One commit per import,
holding only the review files; imports (and answers) take a lock, one at a time.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import git

from report.errors import InputError, Problem
from report.manuscript import load
from report.manuscript.manifest import slugify
from report.outputs import write_text
from report.review import model
from report.review.history import History
from report.review.importers import Marked, RoundText
from report.review.model import Comment, Reviewer, ReviewFile, Source, comment_id, person_id
from report.review.text import fold

#: File names that say nothing about whose file it is (the pack's own, or a form's).
GENERIC_NAMES = ("comments", "comment-form", "comments-form", "form", "template", "review",
                 "feedback", "comments-template")

#: The git trailer that marks an import's commit, for ``report review undo``.
IMPORT_TRAILER = "Review-Import"

FORMATS = {".docx": "docx", ".pdf": "pdf", ".xlsx": "xlsx", ".csv": "csv", ".json": "hypothesis",
           ".yaml": "yaml", ".yml": "yaml"}


@dataclass
class Added:
    """What one import added to one reviewer's file."""

    path: str
    reviewer: str
    added: Counter = field(default_factory=Counter)
    already: int = 0

    @property
    def total(self) -> int:
        return sum(self.added.values())


@dataclass
class ImportResult:
    round: str
    file: str
    results: list[Added]
    commit: str | None = None
    warnings: list[Problem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.total for r in self.results)


def _reader(fmt: str):
    if fmt == "docx":
        from report.review.importers import docx

        return docx.read
    if fmt in ("xlsx", "csv"):
        from report.review.importers import sheet

        return sheet.read
    if fmt == "pdf":
        from report.review.importers import pdf

        return pdf.read
    if fmt == "hypothesis":
        from report.review.importers import hypothesis

        return hypothesis.read
    from report.review.importers import reviewfile

    return reviewfile.read


def _reviewer_id(value: str, display: str) -> str:
    ident = slugify(value)
    if not ident:
        raise InputError(Problem(display, None, f"cannot make a reviewer id from {value!r}"))
    return ident


def _unplaced(items: list[Marked], display: str) -> list[Problem]:
    """A warning for each item kept unanchored: a row the reader explained, or a quote
    not found in the round's text (it is kept with its quote, to be placed by hand)."""
    out = []
    for item in items:
        if item.warning:
            out.append(Problem(display, item.line, f"warning: {item.warning}"))
        elif item.target.exact and item.target.start is None:
            quote = " ".join(item.target.exact.split())
            quote = quote if len(quote) <= 40 else quote[:39] + "…"
            out.append(Problem(display, item.line, f"warning: {item.native_id}: the text "
                               f"{quote!r} is not in the round's text: kept unanchored"))
    return out


def _unclash(comments: list[tuple[Reviewer, Comment]], owner_of: dict[str, str],
              sha256: str) -> dict[str, str]:
    """New ids for comments whose id another reviewer's file already holds.

    Ids hash the file's bytes, so the same file (a blank form, a forwarded copy) sent
    for two reviewers gives the same ids; the second reviewer's comments are theirs
    all the same. Returns old id -> new id, for replies to follow their parents.
    """
    renamed: dict[str, str] = {}
    for who, comment in comments:
        holder = owner_of.get(comment.id)
        if holder is not None and holder != who.id:
            native = comment.source.native_id if comment.source else None
            new = comment_id(sha256, f"{who.id}\0{native}", comment.kind)
            renamed[comment.id] = new
            comment.id = new
    return renamed


def _check_pack(file: Path, display: str, fmt: str, record: model.Round,
                not_pack: bool) -> str | None:
    """The invited reviewer a pack copy names; refuse a Word or PDF file that is no pack."""
    if fmt == "pdf":
        from report.review.importers.pdf import pack_identity
    else:
        from report.review.importers.docx import pack_identity

    round_named, reviewer = pack_identity(file, display)
    if round_named == record.name:
        return reviewer
    if not_pack:
        return None
    what = (f"the pack of review round {round_named}" if round_named
            else "not a reviewer pack (its properties name no review round)")
    raise InputError(Problem(display, None, f"{what}, not of round {record.name}: import "
                             "it anyway with 'report review import FILE --not-pack'"))


def file_reviewer(file: Path, record: model.Round, manuscript, display: str) -> str:
    """Whose file this is when neither ``--reviewer`` nor the file itself says.

    An invited reviewer whose id the file name carries (``…-pat.docx``,
    ``pat-comments.csv``), else the file name itself: one file is one reviewer's,
    whoever typed each comment in it. A file still named as the pack sent it to all
    (``comments-r1.xlsx``) could be anyone's, and is refused until the coordinator says
    whose it is with ``--reviewer``: two reviewers' identical comments must never be
    taken for one.
    """
    stem = slugify(file.stem) or "reviewer"
    words = stem.split("-")
    for invited in sorted(record.reviewers, key=len, reverse=True):
        parts = invited.lower().split("-")
        for i in range(len(words) - len(parts), -1, -1):
            if words[i:i + len(parts)] == parts:
                return invited
    generic = {slugify(f"{manuscript.manifest.slug}-review-{record.name}"),
               *(f"{name}{suffix}" for name in GENERIC_NAMES
                 for suffix in ("", f"-{slugify(record.name)}"))}
    if stem in generic or re.fullmatch(r"(.*)-\d+", stem) and \
            re.sub(r"-\d+$", "", stem) in generic:  # "comments-r1 (2)", as browsers save
        invited = f" (invited: {', '.join(record.reviewers)})" if record.reviewers else ""
        raise InputError(Problem(display, None, "cannot tell whose file this is: its name "
                                 "and properties name no reviewer; say whose it is with "
                                 f"--reviewer ID{invited}"))
    return stem


def _content_key(comment: Comment) -> tuple:
    """What makes two records the same comment within one reviewer's file."""
    return (comment.kind, comment.author or "", comment.created or "",
            fold(comment.body or ""), fold(comment.proposed or ""), fold(comment.quote),
            comment.target.source or "")


def to_comments(items: list[Marked], fmt: str, file_name: str, sha256: str,
                reviewer: str | None, fallback: str) -> list[tuple[Reviewer, Comment]]:
    """Model comments from read items, each with the reviewer it is filed under.

    The reviewer is the one invited (``reviewer``: from ``--reviewer`` or the pack copy),
    else the reviewer the file itself names for the item (a review file's ``reviewer``,
    a template's Reviewer column, a Hypothesis account), else the file's own reviewer
    (``fallback``). Never whoever typed a comment: a colleague's reply stays in the
    thread of the file it came in, with its own ``author``.
    """
    ids = {item.native_id: item.id or comment_id(sha256, item.native_id, item.kind)
           for item in items}
    out = []
    for item in items:
        if reviewer is not None:
            owner, name = reviewer, None
        elif item.reviewer:
            owner, name = item.reviewer, item.reviewer_name
        elif item.reviewer_name:
            owner, name = person_id(item.reviewer_name), item.reviewer_name
        else:
            owner, name = fallback, None
        parent = ids.get(item.parent_native) if item.parent_native else None
        if item.parent_native and parent is None:
            parent = item.parent_native  # a reply to a comment in another file: keep the id
        organisation = item.reviewer_organisation if item.reviewer == owner else None
        out.append((Reviewer(owner, name, organisation), Comment(
            id=ids[item.native_id], kind=item.kind, type=item.type, body=item.body,
            proposed=item.proposed, author=item.author, initials=item.initials,
            created=item.created, parent=parent, resolved=item.resolved,
            source=Source(fmt if fmt != "csv" else "csv", file_name, sha256, item.native_id),
            target=item.target, move=item.move)))
    return out


def _git_identity(repo: git.Repo) -> list[str]:
    """``-c`` options for a commit when no identity is configured (a fresh machine)."""
    try:
        repo.git.config("user.name")
        repo.git.config("user.email")
        return []
    except git.GitCommandError:
        return ["user.name=report toolkit", "user.email=report@localhost"]


def commit_paths(history: History, paths: list[Path], message: str) -> str:
    """Commit exactly ``paths`` (nothing else the author may have staged)."""
    repo = history.repo
    work = Path(repo.working_tree_dir or ".").resolve()
    rels = [p.resolve().relative_to(work).as_posix() for p in paths]
    identity = _git_identity(repo)

    def run(command: str, *args: str) -> None:
        runner = repo.git(c=identity) if identity else repo.git
        getattr(runner, command)(*args)

    run("add", "--", *rels)
    try:
        run("commit", "-m", message, "--only", "--", *rels)
    except git.GitCommandError as exc:
        run("reset", "-q", "--", *rels)  # leave the index as it was
        detail = (exc.stderr or str(exc)).strip().splitlines()
        raise InputError(Problem(rels[0], None, "git commit failed, nothing recorded: "
                                 + (detail[-1] if detail else "unknown error"))) from None
    return repo.head.commit.hexsha


def import_file(root: Path, file: Path, round_name: str | None = None,
                reviewer: str | None = None, commit: bool = True,
                not_pack: bool = False) -> ImportResult:
    """Import a reviewer's file into the round; see the module docstring.

    A Word or PDF file must be this round's pack (its properties say so) unless
    ``not_pack``: a stray document would otherwise be committed as orphaned comments.
    """
    root = Path(root).resolve()
    display = str(file)
    fmt = FORMATS.get(file.suffix.lower())
    if fmt is None:
        raise InputError(Problem(display, None, "unsupported file type: import a .docx, "
                                 "annotated .pdf, .xlsx, .csv, Hypothesis .json or review "
                                 ".yaml file"))
    if not file.is_file():
        raise InputError(Problem(display, None, "file not found"))
    if reviewer is not None:
        reviewer = _reviewer_id(reviewer, "--reviewer")
    manuscript = load(root)
    history = History(root)
    with import_lock(history):
        return _import_locked(root, file, display, fmt, manuscript, history, round_name,
                              reviewer, commit, not_pack)


@contextmanager
def import_lock(history: History) -> Iterator[None]:
    """One import (or undo) at a time per repository.

    Two imports read, merge and commit the same review files; run at once they would
    lose each other's comments or break git's index. The lock is an ``flock`` on a file
    inside the repository's git directory, released when the process ends, whatever
    happens.
    """
    path = Path(history.repo.git_dir) / "report-review.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _import_locked(root: Path, file: Path, display: str, fmt: str, manuscript,
                   history: History, round_name: str | None, reviewer: str | None,
                   commit: bool, not_pack: bool) -> ImportResult:
    if fmt == "yaml" and round_name is None:
        from report.review.importers.reviewfile import round_named

        round_name = round_named(file, display)
    record = model.get_round(root, round_name)
    round_text = RoundText(manuscript, record, history)
    data = file.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    notes: list[Problem] = []
    if reviewer is not None and record.reviewers and reviewer not in record.reviewers:
        notes.append(Problem(display, None, f"warning: {reviewer!r} was not invited to "
                             f"round {record.name} (invited: {', '.join(record.reviewers)})"))
    items = _reader(fmt)(file, display, round_text)
    named = _check_pack(file, display, fmt, record, not_pack) if fmt in ("docx", "pdf") \
        else None
    if fmt == "xlsx":
        from report.review.importers.sheet import pack_identity

        form_round, form_reviewer = pack_identity(file, display)
        named = form_reviewer if form_round == record.name else None
    owner = reviewer or named
    fallback = "reviewer"  # unused unless an item names no reviewer of its own
    if owner is None and any(not (i.reviewer or i.reviewer_name) for i in items):
        fallback = file_reviewer(file, record, manuscript, display)
    comments = to_comments(items, fmt, file.name, sha256, owner, fallback)

    folder = model.round_dir(root, record.name)
    existing: dict[str, ReviewFile] = {}
    for review in model.load_round(root, record):
        existing[review.reviewer.id] = review
    owner_of = {c.id: owner for owner, r in existing.items() for c in r.comments}
    keys = {owner: {_content_key(c) for c in r.comments} for owner, r in existing.items()}
    renamed = _unclash(comments, owner_of, sha256)

    results: dict[str, Added] = {}
    changed: dict[str, ReviewFile] = {}
    for who, comment in comments:
        owner = who.id
        review = existing.get(owner)
        if review is None:
            review = ReviewFile(path=folder / f"{owner}.yaml", round=record.name,
                                reviewer=who)
            existing[owner] = review
        result = results.setdefault(owner, Added(
            review.path.relative_to(root).as_posix(), owner))
        key = _content_key(comment)
        own_keys = keys.setdefault(owner, set())
        if owner_of.get(comment.id) == owner or key in own_keys:
            result.already += 1
            continue
        owner_of[comment.id] = owner
        own_keys.add(key)
        if comment.parent in renamed:
            comment.parent = renamed[comment.parent]
        review.comments.append(comment)
        if review.reviewer.name is None and who.name:
            review.reviewer.name = who.name
        if review.reviewer.organisation is None and who.organisation:
            review.reviewer.organisation = who.organisation
        changed[owner] = review
        result.added["change" if comment.kind in ("insertion", "deletion", "replacement")
                     else comment.kind] += 1

    outcome = ImportResult(record.name, file.name, list(results.values()),
                           warnings=notes + _unplaced(items, display))
    if not changed:
        return outcome
    before = {owner: (r.path.read_text(encoding="utf-8") if r.path.exists() else None)
              for owner, r in changed.items()}
    try:
        for review in changed.values():
            model.save(review)
        if commit:
            outcome.commit = commit_paths(history, [r.path for r in changed.values()],
                                          commit_message(outcome))
    except Exception:
        for owner, review in changed.items():
            if before[owner] is None:
                review.path.unlink(missing_ok=True)
            else:
                write_text(review.path, before[owner])
        raise
    return outcome


def _counts(added: Counter) -> str:
    words = {"comment": ("comment", "comments"), "reply": ("reply", "replies"),
             "change": ("suggested change", "suggested changes")}
    parts = []
    for key in ("comment", "reply", "change"):
        if added[key]:
            singular, plural = words[key]
            parts.append(f"{added[key]} {singular if added[key] == 1 else plural}")
    return ", ".join(parts) or "nothing"


def commit_message(outcome: ImportResult) -> str:
    """Names the round, the reviewers and the counts, as ``git log`` readers need."""
    added = [r for r in outcome.results if r.total]
    who = ", ".join(r.reviewer for r in added)
    lines = [f"Review {outcome.round}: import {outcome.file} for {who} "
             f"({_counts(sum((r.added for r in added), Counter()))})", ""]
    for result in added:
        lines.append(f"- {result.path}: {_counts(result.added)}")
    lines += ["", f"{IMPORT_TRAILER}: {outcome.round} {outcome.file}"]
    return "\n".join(lines)
