"""A release: the gates, then every edition built final into ``build/release/VERSION/``.

The bundle holds the five editions (``site/`` for the web), the standalone executive
summary PDF, a cover picture for social posts, ``manifest.json`` and ``SHA256SUMS``.
It is written into a temporary folder beside its place and renamed into place only when
complete, and the commit is tagged ``vVERSION`` as the last step: a refused or failed
release leaves neither a bundle nor a tag, a finished one leaves both.

Reproducible: everything dated in the editions takes the commit's date (or
``SOURCE_DATE_EPOCH`` when set), which the release also exports while it builds so that
tools reading the variable themselves (MkDocs' sitemap, pandoc) agree; the bundle never
records the wall-clock time. The same commit released twice, anywhere, on any day, gives
the same ``SHA256SUMS``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import git

from report.build import LeakFound, build
from report.editions import EDITION_ORDER
from report.editions.context import BuildContext
from report.editions.cover import SOCIAL_SIZE, cover_png
from report.editions.stamp import sha256_of
from report.manuscript import Manuscript
from report.outputs import atomic_dir, write_bytes, write_text
from report.release.embargo import RELEASE_DIR, describe_launch, iso
from report.release.gates import (
    Failure,
    accessibility_gate,
    print_gate,
    repository,
    source_gates,
    tag_name,
)
from report.release.summary import write_summary

SUMS = "SHA256SUMS"
MANIFEST = "manifest.json"
# Which ISBN each edition carries (mkdocs.yml extra.isbn); the web edition has none.
ISBN_OF = {"print": "print", "digital": "digital", "epub": "epub", "docx": "docx"}


class ReleaseRefused(Exception):
    """Every reason the release was refused; nothing was written or tagged."""

    def __init__(self, failures: list[Failure]):
        self.failures = failures
        super().__init__("\n".join(str(f) for f in failures))


@dataclass
class Released:
    version: str
    folder: Path
    tag: str
    commit: str
    launch: datetime | None
    embargoed: bool
    manifest: dict
    warnings: list[str]


def _sums_line(digest: str, name: str) -> str:
    """One line as GNU ``sha256sum`` writes it (text mode), escaping what it escapes."""
    if "\\" in name or "\n" in name:
        return f"\\{digest}  " + name.replace("\\", "\\\\").replace("\n", "\\n")
    return f"{digest}  {name}"


def sha256sums(folder: Path) -> str:
    """``SHA256SUMS`` of every file in ``folder`` (but itself), sorted by path, so that
    ``sha256sum -c SHA256SUMS`` in the bundle checks the whole release."""
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and p.relative_to(folder).as_posix() != SUMS)
    return "".join(_sums_line(sha256_of(folder / name), name) + "\n" for name in names)


@contextlib.contextmanager
def commit_date_epoch(commit: git.Commit) -> Iterator[None]:
    """Export ``SOURCE_DATE_EPOCH`` (the commit's date) while the release builds, unless
    the caller set it: MkDocs dates the sitemap from it, or else from today."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(commit.committed_date)
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def tag_message(manuscript: Manuscript, version: str, launch: datetime | None,
                sums_digest: str) -> str:
    """The annotated tag's message: what was released and when it may be public."""
    if launch is None:
        launch_line = "Launch: on release (no embargo)"
    else:
        launch_line = f"Launch: {iso(launch)} ({describe_launch(launch)})"
    return (f"Release {version}: {manuscript.manifest.full_title}\n\n"
            f"{launch_line}\n"
            f"SHA256SUMS: {sums_digest}\n")


def _drop_internal(folder: Path) -> None:
    """Caches and temporary files of the build are not part of what is released."""
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def _share(folder: Path) -> None:
    """Temporary folders are private to their owner (mkdtemp); a release is for sharing,
    so its folders get the permissions the umask gives any new folder."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        os.chmod(path, 0o777 & ~umask)


def _final_manifest(manuscript: Manuscript, built: dict, version: str, folder_rel: str,
                    tmp_rel: str, commit: str, launch: datetime | None,
                    extras: dict) -> dict:
    """The release's manifest: the build's, with the bundle's own paths, the ISBNs, the
    launch time and the extra files."""
    isbn = manuscript.manifest.isbn
    editions = {}
    for name, entry in built["editions"].items():
        entry = dict(entry)
        entry["path"] = entry["path"].replace(tmp_rel, folder_rel, 1)
        if "cover" in entry:  # the print edition's cover, a file of its own
            entry["cover"] = entry["cover"].replace(tmp_rel, folder_rel, 1)
        if ISBN_OF.get(name) in isbn:
            entry["isbn"] = isbn[ISBN_OF[name]]
        editions[name] = entry
    return {
        "title": built["title"],
        "version": version,
        "tag": tag_name(version),
        "commit": commit,
        "dirty": False,
        "draft": False,
        "launch": iso(launch) if launch else None,
        "launch_display": describe_launch(launch) if launch else None,
        "editions": editions,
        "extras": {name: dict(entry, path=f"{folder_rel}/{entry['path']}")
                   for name, entry in extras.items()},
        "checksums": f"{folder_rel}/{SUMS}",
    }


def release(manuscript: Manuscript, version: str, launch: datetime | None = None, *,
            allow_open_comments: bool = False, now: datetime | None = None, jobs: int = 1,
            progress: Callable[[str, str], None] | None = None) -> Released:
    """Run every gate, build the bundle, tag the commit; raise :class:`ReleaseRefused`
    with every failure when a gate fails."""
    failures = source_gates(manuscript, version, allow_open_comments)
    if failures:
        failures.append(Failure("accessibility", "not checked: the final digital PDF and "
                                "EPUB are built and checked once the gates above pass"))
        raise ReleaseRefused(failures)
    repo = repository(manuscript.root)
    assert repo is not None  # the git gate passed
    commit = repo.head.commit
    moment = now or datetime.now(UTC)
    embargoed = launch is not None and launch > moment
    root = manuscript.root
    target = root.joinpath(*RELEASE_DIR, version)
    folder_rel = target.relative_to(root).as_posix()
    warnings: list[str] = []
    tagged: git.TagReference | None = None
    try:
        with commit_date_epoch(commit), atomic_dir(target) as tmp:
            tmp_rel = tmp.relative_to(root).as_posix()
            try:
                built = build(manuscript, EDITION_ORDER, final=True, jobs=jobs, out_dir=tmp,
                              noindex=embargoed, progress=progress, warn=warnings.append)
            except LeakFound as exc:
                raise ReleaseRefused([Failure("consent", leak) for leak in exc.leaks]) \
                    from None
            _drop_internal(tmp)
            extras = _extras(manuscript, tmp, warnings)
            pdfs = [root / built["editions"]["digital"]["path"]]
            if "summary" in extras:
                pdfs.append(tmp / extras["summary"]["path"])
            epub = root / built["editions"]["epub"]["path"]
            site = root / built["editions"]["web"]["path"]
            shown = {path: f"{folder_rel}/{path.name}" for path in (*pdfs, epub, site)}
            if progress:
                progress("accessibility", "start")
            failures = accessibility_gate(pdfs, epub, shown, site)
            printed = built["editions"]["print"]
            print_files = [root / printed["path"], *([root / printed["cover"]]
                                                     if printed.get("cover") else [])]
            failures += print_gate(print_files, {path: f"{folder_rel}/{path.name}"
                                                 for path in print_files})
            if failures:
                raise ReleaseRefused(failures)
            if progress:
                progress("accessibility", "done")
            manifest = _final_manifest(manuscript, built, version, folder_rel, tmp_rel,
                                       commit.hexsha, launch, extras)
            write_text(tmp / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False)
                       + "\n")
            _share(tmp)
            sums = sha256sums(tmp)
            write_text(tmp / SUMS, sums)
            message = tag_message(manuscript, version, launch,
                                  hashlib.sha256(sums.encode()).hexdigest())
            try:
                tagged = repo.create_tag(tag_name(version), ref=commit, message=message)
            except git.GitCommandError as exc:
                detail = (exc.stderr or str(exc)).strip()
                raise ReleaseRefused([Failure("tag", f"git could not tag {tag_name(version)}: "
                                              f"{detail}")]) from None
    except BaseException:
        if tagged is not None:
            repo.delete_tag(tagged)
        raise
    return Released(version, target, tagged.name, commit.hexsha, launch, embargoed, manifest,
                    warnings)


def _extras(manuscript: Manuscript, folder: Path, warnings: list[str]) -> dict:
    """The executive-summary PDF and the social-media cover, beside the editions."""
    slug = manuscript.manifest.slug
    extras: dict = {}
    context = BuildContext(manuscript, final=True, out_dir=folder)
    summary = folder / f"{slug}-executive-summary.pdf"
    pages = write_summary(context, summary)
    if pages is None:
        warnings.append("no executive summary: label a front chapter ch-executive-summary "
                        "or name it as extra.executive_summary in mkdocs.yml")
    else:
        extras["summary"] = {"path": summary.name, "sha256": sha256_of(summary),
                             "pages": pages}
    cover = folder / f"{slug}-cover.png"
    write_bytes(cover, cover_png(manuscript.manifest, None, SOCIAL_SIZE))
    extras["cover"] = {"path": cover.name, "sha256": sha256_of(cover),
                       "width": SOCIAL_SIZE[0], "height": SOCIAL_SIZE[1]}
    return extras
