"""A new report tree, laid out as this one: the start of the next report (`report new`).

Cumberland Lodge runs many conferences a year; each report should start from a tree
that already builds every edition, passes ``report check``, runs in CI and checks itself
before each commit, as ``mkdocs new`` or ``quarto create`` do for their projects.

The tree is copied from ``template/``, where a leading ``dot-`` in a name stands for the
dot (``dot-github`` → ``.github``: package data keeps no hidden files) and a ``.tmpl``
file is filled in with :class:`string.Template` (``$title``, ``$toolkit``). The JSON
Schemas are copied from the toolkit's own ``report/schemas`` into ``.schemas/``, so the
modeline of ``contributors.yaml`` and ``.vscode/settings.json`` work in any editor, on
any machine, without the toolkit's source.

Everything is written into a temporary folder and renamed into place: a failure leaves
no half-made tree.
"""

from __future__ import annotations

import json
import shutil
import string
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import yaml

from report.errors import InputError, Problem
from report.outputs import atomic_dir

TEMPLATE = Path(__file__).resolve().parent / "template"
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
SCHEMA_DIR = ".schemas"
DOT_PREFIX = "dot-"
FILLED_SUFFIX = ".tmpl"
DISTRIBUTION = "report-toolkit"
# A host that never resolves (RFC 2606): CI fails loudly until the real location is set,
# and never installs the unrelated project that holds this name on PyPI.
PLACEHOLDER_TOOLKIT = f"{DISTRIBUTION} @ git+https://example.invalid/report-toolkit.git"
FALLBACK_IDENTITY = ("report toolkit", "report@localhost")


@dataclass(frozen=True)
class NewTree:
    """What ``report new`` made, for the command to print."""

    path: Path
    title: str
    toolkit: str
    toolkit_known: bool
    commit: str | None


def default_title(target: Path) -> str:
    """``my-next-report`` → ``My next report``: a readable title until the author sets one."""
    words = target.name.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() or "New report"


def toolkit_requirement() -> tuple[str, bool]:
    """How the new tree installs this toolkit (a pip requirement), and whether it is known.

    pip records where a distribution came from (PEP 610 ``direct_url.json``); see
    :func:`requirement_from`.
    """
    try:
        raw = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        raw = None
    return requirement_from(json.loads(raw) if raw else {})


def requirement_from(direct_url: dict) -> tuple[str, bool]:
    """A pip requirement from a PEP 610 record: a git install gives its URL and commit; an
    editable install from a git checkout gives the checkout's ``origin`` (https, without
    credentials) and HEAD. Anything else gives :data:`PLACEHOLDER_TOOLKIT`.
    """
    import git  # here, not for the command's --help

    url = str(direct_url.get("url", ""))
    vcs = direct_url.get("vcs_info") or {}
    if vcs.get("vcs") == "git" and vcs.get("commit_id") and _shareable(url):
        return f"{DISTRIBUTION} @ git+{url}@{vcs['commit_id']}", True
    if url.startswith("file://") and "dir_info" in direct_url:
        try:
            checkout = git.Repo(url.removeprefix("file://"), search_parent_directories=True)
            origin = checkout.remote("origin").url
            if _shareable(origin):
                return f"{DISTRIBUTION} @ git+{origin}@{checkout.head.commit.hexsha}", True
        except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
            pass
    return PLACEHOLDER_TOOLKIT, False


def _shareable(url: str) -> bool:
    """An https URL with no user or token in it: safe to commit, usable by CI."""
    if not url.startswith("https://"):
        return False
    host = url.removeprefix("https://").split("/", 1)[0]
    return "@" not in host


def _target_name(relative: Path) -> Path:
    """``dot-github/workflows/build.yml`` → ``.github/workflows/build.yml``."""
    parts = ["." + p.removeprefix(DOT_PREFIX) if p.startswith(DOT_PREFIX) else p
             for p in relative.parts]
    name = Path(*parts)
    return name.with_name(name.name.removesuffix(FILLED_SUFFIX))


def _yaml_scalar(value: str) -> str:
    """A title as one YAML scalar, whatever quotes or colons it holds."""
    return yaml.safe_dump(value, default_style='"', allow_unicode=True, width=10_000).strip()


def lay_out(folder: Path, title: str, toolkit: str) -> list[Path]:
    """Copy the template into ``folder`` (which exists and is empty); return the files."""
    values = {"title": _yaml_scalar(title), "toolkit": toolkit}
    written: list[Path] = []
    for source in sorted(TEMPLATE.rglob("*")):
        if not source.is_file() or "__pycache__" in source.parts:
            continue
        target = folder / _target_name(source.relative_to(TEMPLATE))
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.name.endswith(FILLED_SUFFIX):
            text = string.Template(source.read_text(encoding="utf-8")).substitute(values)
            target.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)
    for schema in sorted(SCHEMAS.glob("*.schema.json")):
        target = folder / SCHEMA_DIR / schema.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(schema, target)
        written.append(target)
    return written


def first_commit(folder: Path, title: str) -> str:
    """``git init`` on ``main`` and commit everything: the workflows expect a repository."""
    import git  # here, not for the command's --help

    repo = git.Repo.init(folder, initial_branch="main")
    try:
        repo.git.config("user.name")
        repo.git.config("user.email")
        identity: list[str] = []
    except git.GitCommandError:
        name, email = FALLBACK_IDENTITY
        identity = [f"user.name={name}", f"user.email={email}"]
    runner = repo.git(c=identity) if identity else repo.git
    runner.add("--all")
    runner.commit("--no-verify", "-q", "-m", f"New report: {title}")
    return repo.head.commit.hexsha


def create(target: Path, title: str | None = None, toolkit: str | None = None,
           init_git: bool = True) -> NewTree:
    """Make a new report tree at ``target``: refused when it exists and is not empty."""
    shown = str(target)
    if target.exists() and not target.is_dir():
        raise InputError(Problem(shown, None, "exists and is not a folder"))
    if target.is_dir() and any(target.iterdir()):
        raise InputError(Problem(shown, None, "already exists and is not empty: "
                                              "give a new folder"))
    title = (title or "").strip() or default_title(target)
    known = True
    if toolkit is None:
        toolkit, known = toolkit_requirement()
    commit = None
    with atomic_dir(target) as folder:
        lay_out(folder, title, toolkit)
        if init_git:
            commit = first_commit(folder, title)
    return NewTree(target, title, toolkit, known, commit)


__all__ = ["NewTree", "create", "default_title", "lay_out", "requirement_from",
           "toolkit_requirement"]
