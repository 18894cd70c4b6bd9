"""Publishing the web edition: the built site as one commit on a branch of a git remote.

As ``mkdocs gh-deploy`` does, the branch (``gh-pages`` by default) holds only the site:
each publication is a commit whose tree is ``build/site`` plus ``.nojekyll`` (so GitHub
Pages serves folders starting with ``_`` and does not run Jekyll), on top of the branch's
previous commit. The commit is made in a temporary repository with git's plumbing, so
the report's own repository and ``build/site`` are never touched.

An embargoed report must not be public before its launch time: :func:`embargo_refusal`
is the hook the release work fills in. A ``--preview`` publication is allowed before the
launch, with ``<meta name="robots" content="noindex">`` on every page.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from report.errors import InputError, Problem
from report.manuscript import Manuscript

SITE = "build/site"
NOINDEX = '<meta name="robots" content="noindex">'
_HEAD = re.compile(rb"<head(\s[^>]*)?>", re.I)
_ROBOTS = re.compile(rb"<meta\s+name=[\"']robots[\"']", re.I)
FALLBACK_IDENTITY = ("Report toolkit", "report-toolkit@localhost")


class PublishRefused(Exception):
    """The publication is not allowed (now); the message says why."""


class PublishFailed(Exception):
    """git could not read or update the remote."""


@dataclass(frozen=True)
class Published:
    remote: str
    branch: str
    commit: str
    files: int
    preview: bool
    changed: bool


def embargo_refusal(root: Path) -> str | None:
    """Why publishing now would break the embargo, or None when it may go ahead.

    The launch times of the releases (their tags and bundles) decide:
    :func:`report.release.embargo.embargo_refusal`.
    """
    from report.release.embargo import embargo_refusal as refusal

    return refusal(root)


def mark_noindex(page: bytes) -> bytes:
    """``page`` with the robots noindex meta right after ``<head>`` (once)."""
    if _ROBOTS.search(page):
        return page
    found = _HEAD.search(page)
    if found is None:
        return page
    return page[:found.end()] + NOINDEX.encode() + page[found.end():]


def stage_site(site: Path, target: Path, noindex: bool) -> int:
    """Copy the site to ``target`` with ``.nojekyll``; mark pages noindex if asked."""
    shutil.copytree(site, target)
    (target / ".nojekyll").write_bytes(b"")
    if noindex:
        for page in target.rglob("*.html"):
            page.write_bytes(mark_noindex(page.read_bytes()))
    return sum(1 for path in target.rglob("*") if path.is_file())


def _identity(root: Path) -> tuple[str, str]:
    """The author of the report's own commits, so a publication is traceable to a person."""
    import git  # here, not for the command's --help

    try:
        reader = git.Repo(root, search_parent_directories=True).config_reader()
        return (reader.get_value("user", "name", FALLBACK_IDENTITY[0]),
                reader.get_value("user", "email", FALLBACK_IDENTITY[1]))
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return FALLBACK_IDENTITY


def push_folder(folder: Path, remote: str, branch: str, message: str,
                identity: tuple[str, str]) -> tuple[str, bool]:
    """Commit ``folder`` as the whole tree of ``branch`` on ``remote``; return (sha, changed)."""
    import git  # here, not for the command's --help

    with tempfile.TemporaryDirectory(prefix="report-publish-") as tmp:
        repo = git.Repo.init(Path(tmp) / "publish.git", bare=True)
        name, email = identity
        env = {"GIT_WORK_TREE": str(folder), "GIT_INDEX_FILE": str(Path(tmp) / "index"),
               "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
               "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
               "GIT_TERMINAL_PROMPT": "0"}  # never wait for a password on a terminal
        ref = f"refs/heads/{branch}"
        try:
            with repo.git.custom_environment(**env):
                heads = repo.git.ls_remote("--heads", remote, ref).split()
                parent = heads[0] if heads else None
                if parent:
                    repo.git.fetch(remote, ref)
                repo.git.add("--all", "--force")
                tree = repo.git.write_tree()
                if parent and repo.git.rev_parse(f"{parent}^{{tree}}") == tree:
                    return parent, False
                args = [tree, "-m", message] + (["-p", parent] if parent else [])
                commit = repo.git.commit_tree(*args)
                repo.git.push(remote, f"{commit}:{ref}")
        except git.GitCommandError as exc:
            detail = (exc.stderr or str(exc)).strip().removeprefix("stderr:").strip(" '\n")
            raise PublishFailed(f"git could not publish to {remote}: {detail}") from None
    return commit, True


def _describe(root: Path) -> str:
    manifest = root / "build" / "manifest.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        commit = (data.get("commit") or "uncommitted")[:7]
        return f"{data.get('version', '?')} ({commit}{'+' if data.get('dirty') else ''})"
    except (OSError, ValueError):
        return "(no build manifest)"


def publish_web(manuscript: Manuscript, remote: str, branch: str = "gh-pages",
                preview: bool = False, site: Path | None = None) -> Published:
    """Push the built site (``build/site``, or a release's own ``site``) to ``branch`` of
    ``remote``; a preview carries noindex."""
    root = manuscript.root
    site = (site or root / SITE).resolve()
    shown = site.relative_to(root).as_posix() if root in site.parents else str(site)
    if not (site / "index.html").is_file() and not any(site.glob("*/index.html")):
        raise InputError(Problem(shown, None, "no built web edition: run `report build web` "
                                              "first"))
    if not preview:
        reason = embargo_refusal(root)
        if reason:
            raise PublishRefused(reason)
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", branch) or branch.startswith(("-", "/")) \
            or ".." in branch:
        raise InputError(Problem("--branch", None, f"not a usable branch name: {branch!r}"))
    kind = "preview (noindex)" if preview else "web edition"
    message = f"Publish {kind} {_describe(root)}"
    with tempfile.TemporaryDirectory(prefix="report-site-") as tmp:
        staged = Path(tmp) / "site"
        files = stage_site(site, staged, noindex=preview)
        commit, changed = push_folder(staged, remote, branch, message, _identity(root))
    return Published(remote, branch, commit, files, preview, changed)


def remote_url(value: str) -> str:
    """A local path given as the remote is resolved, so git reads the same folder."""
    if "://" in value or re.match(r"^[\w.-]+@[\w.-]+:", value):
        return value
    path = Path(value).expanduser()
    return str(path.resolve()) if path.exists() else value


__all__ = ["Published", "PublishFailed", "PublishRefused", "embargo_refusal", "mark_noindex",
           "publish_web", "remote_url", "stage_site", "push_folder"]
