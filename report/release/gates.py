"""The release gates: what must hold before a report goes out under a version number.

A refused release names every failed gate at once (like a linter, not like a compiler
that stops at the first error), so comms can hand the author the whole list. Each gate
returns :class:`Failure` records; an empty list means the gate passed.

The gates on the source run first and cost little. The accessibility gate needs the final
digital PDF and EPUB, so it runs on the release's own build, before anything is renamed
into place or tagged.

Version rule: ``VERSION`` must equal ``extra.version`` in ``mkdocs.yml``. The release does
not stamp the version itself: the editions print the version from the manifest, so the
tagged commit must already carry it, and rebuilding the tag later gives the same files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import git

from report.checks.built import epub_findings, pdf_accessibility_findings
from report.checks.findings import Finding
from report.checks.runner import run_checks
from report.manuscript import MANIFEST, Manuscript
from report.manuscript.yamlsource import LinedDict

CONSENT_PREFIX = "CONSENT"


@dataclass(frozen=True)
class Failure:
    """One reason to refuse a release: the gate it failed and what to fix."""

    gate: str
    detail: str

    def __str__(self) -> str:
        return f"{self.gate}: {self.detail}"


def repository(root: Path) -> git.Repo | None:
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def tag_name(version: str) -> str:
    return f"v{version}"


def version_gate(manuscript: Manuscript, version: str) -> list[Failure]:
    """VERSION must be the version the editions print (``extra.version``)."""
    manifest = manuscript.manifest
    if manifest.version == version:
        return []
    extra = manifest.config.get("extra")
    line = extra.line_of("version") if isinstance(extra, LinedDict) and "version" in extra \
        else None
    where = f"{MANIFEST}:{line}" if line else MANIFEST
    return [Failure("version", f"{where}: extra.version is {manifest.version!r}, not "
                    f"{version!r}: set it to {version!r} and commit before releasing")]


def tag_gate(repo: git.Repo | None, version: str) -> list[Failure]:
    """A version is released once: its tag must not exist yet."""
    if repo is None:
        return []  # the git gate says why
    name = tag_name(version)
    if name in {tag.name for tag in repo.tags}:
        return [Failure("tag", f"tag {name} already exists: version {version} is released; "
                        "choose a new version")]
    return []


def git_gate(repo: git.Repo | None, root: Path) -> list[Failure]:
    """The release is tagged, so what is built must be exactly what is committed.

    Anything changed, staged or untracked in the repository fails, except the report
    tree's ``build/`` folder (outputs, never committed) and files git ignores.
    """
    if repo is None:
        return [Failure("git", f"{root} is not in a git repository: a release is a tagged "
                        "commit")]
    if not repo.head.is_valid():
        return [Failure("git", "the repository has no commit yet")]
    top = Path(repo.working_tree_dir or root).resolve()
    build = Path(os.path.relpath(root.resolve() / "build", top)).as_posix() + "/"
    listing = repo.git.status("--porcelain=v1", "-z", "--untracked-files=all")
    entries = [e for e in listing.split("\0") if e]
    failures = []
    skip = False
    for entry in entries:
        if skip:  # the source path of a rename
            skip = False
            continue
        state, path = entry[:2], entry[3:]
        if "R" in state or "C" in state:
            skip = True
        if path.startswith(build):
            continue
        what = "untracked" if state == "??" else "not committed"
        failures.append(Failure("git", f"{path}: {what}"))
    if failures:
        failures.append(Failure("git", "commit (or remove) these changes: a release builds "
                                "and tags exactly what is committed"))
    return failures


def check_gates(manuscript: Manuscript) -> tuple[list[Failure], list[Failure]]:
    """``report check --final`` errors, split into the check gate and the consent gate."""
    errors = [f for f in run_checks(manuscript, final=True) if f.severity == "error"]
    checks = [Failure("check", str(f)) for f in errors if not f.code.startswith(CONSENT_PREFIX)]
    consent = [Failure("consent", str(f)) for f in errors if f.code.startswith(CONSENT_PREFIX)]
    return checks, consent


def open_comments(manuscript: Manuscript) -> list[str]:
    """Every comment still ``open`` in any round, located where it stands now."""
    from report.review import model
    from report.review.anchoring import Anchorer

    found: list[str] = []
    anchorer: Anchorer | None = None
    for record in model.rounds(manuscript.root):
        for review in model.load_round(manuscript.root, record):
            rel = manuscript.rel(review.path)
            for comment in review.comments:
                if comment.disposition.status != "open":
                    continue
                anchorer = anchorer or Anchorer(manuscript)
                anchor = anchorer.anchor(comment, record.commit)
                where = (f"{anchor.chapter}:{anchor.line}" if anchor.chapter and anchor.line
                         else "orphaned")
                text = " ".join((comment.body or comment.proposed or "").split())
                quote = f" on “{_short(comment.quote, 40)}”" if comment.quote else ""
                found.append(f"{rel}: comment {comment.id} (round {record.name}, "
                             f"{review.reviewer.id}, at {where}) is open{quote}: "
                             f"{_short(text, 80)}")
    return found


def review_gate(manuscript: Manuscript, allow_open: bool) -> list[Failure]:
    """No reviewer's comment may be left unanswered, unless the release says so."""
    if allow_open:
        return []
    found = open_comments(manuscript)
    failures = [Failure("review", text) for text in found]
    if failures:
        failures.append(Failure("review", "answer each with `report review respond ID "
                                "--status STATUS`, or release with --allow-open-comments"))
    return failures


def placeholder_gate(manuscript: Manuscript) -> list[Failure]:
    """Example records and unconfirmed consent details may be drafted with, never
    released: a name goes to print only on a consent record someone has confirmed."""
    from report.manuscript.contributors import load_contributors

    return [Failure("consent", f"contributors.yaml:{record.line}: record {record.id!r} is "
                    "marked placeholder: confirm its consent record (or delete an example), "
                    "then remove `placeholder: true`")
            for record in load_contributors(manuscript) if record.placeholder]


def isbn_gate(manuscript: Manuscript) -> list[Failure]:
    """A placeholder ISBN is for drafts: a released edition carries its allocated one."""
    return [Failure("isbn", f"{MANIFEST}: the {edition} edition's ISBN is a placeholder: "
                    "replace it with the number the ISBN agency allocated")
            for edition in sorted(manuscript.manifest.isbn_placeholders)]


def source_gates(manuscript: Manuscript, version: str, allow_open_comments: bool
                 ) -> list[Failure]:
    """Every gate that reads the source and the repository, in the order printed."""
    repo = repository(manuscript.root)
    checks, consent = check_gates(manuscript)
    return [
        *version_gate(manuscript, version),
        *tag_gate(repo, version),
        *git_gate(repo, manuscript.root),
        *checks,
        *review_gate(manuscript, allow_open_comments),
        *consent,
        *placeholder_gate(manuscript),
        *isbn_gate(manuscript),
    ]


def accessibility_gate(pdfs: list[Path], epub: Path, shown: dict[Path, str],
                       site: Path | None = None) -> list[Failure]:
    """The final digital PDFs (the report, its summary), the EPUB and the web edition as
    readers get them: tagged PDF/UA, valid EPUB, WCAG 2.2 AA pages that call no other host.

    An EPUB or a site that could not be checked (no EPUBCheck, no Chromium or axe-core)
    fails too: the gate cannot vouch for it.
    """
    from report.checks.web import web_findings

    findings: list[Finding] = []
    for pdf in pdfs:
        findings += pdf_accessibility_findings(pdf, shown.get(pdf))
    findings += epub_findings(epub, shown.get(epub))
    if site is not None:
        findings += web_findings(site, shown.get(site, str(site)))
    return [Failure("accessibility", str(f)) for f in findings
            if f.severity == "error" or f.code in ("A11Y029", "A11Y049")]


def print_gate(files: list[Path], shown: dict[Path, str]) -> list[Failure]:
    """The printer's files (inside pages and cover) pass the preflight: boxes, marks
    outside the bleed, output intent, fonts, CMYK, no hyphenated URL, no stranded
    heading or label, no short page before a blank."""
    from report.checks.preflight import preflight_findings

    return [Failure("print", str(finding)) for path in files
            for finding in preflight_findings(path, shown.get(path))]


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
