"""The web edition: a mkdocs-material site whose pages are the shared render's chapters.

MkDocs does the site (navigation, search, theme); the ``report`` plugin
(:mod:`report.editions.web_plugin`) swaps each chapter page's content for the chapter HTML
that every other edition lays out too. Because the plugin is named in the tree's
``mkdocs.yml``, a plain ``mkdocs build`` or ``mkdocs serve`` gives the same site;
``report build web`` only adds the build context (draft stamp, noindex) and builds
incrementally: MkDocs builds into a site kept in ``build/.cache/web/site`` between builds
(dirty mode), writing only the pages whose HTML changed (:class:`SiteState`); the search
index, sitemap and 404 page are made whole every time. ``build/site`` is then brought up to
date file by file, each file replaced atomically and only when its bytes changed, so a
server or a sync to a host sees what changed and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException

from report.editions import EditionResult
from report.editions.context import BuildContext
from report.errors import InputError, Problem
from report.manuscript import MANIFEST, Manifest
from report.manuscript.manifest import load_manifest
from report.outputs import atomic_dir, atomic_path, write_text

if TYPE_CHECKING:  # the plugin imports this module
    from report.editions.web_plugin import SiteState

SITE = "site"
DOWNLOADS = "downloads"
PLUGIN = "report"
CACHE = Path(".cache") / "web"
DIRTY_WARNING = "A 'dirty' build is being performed"


class _NoDirtyWarning(logging.Filter):
    """MkDocs warns that a dirty build may leave navigation stale; the plugin rebuilds
    every page whose navigation changed, so the warning is not the author's concern."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(DIRTY_WARNING)


logging.getLogger("mkdocs.commands.build").addFilter(_NoDirtyWarning())


@dataclass(frozen=True)
class Download:
    """An edition a reader can download from the site, under ``downloads/<name>``."""

    edition: str
    name: str
    label: str
    format: str


def downloads(manifest: Manifest) -> list[Download]:
    """The editions offered for download, named as ``report build`` names them.

    The print PDF is left out: it carries bleed and crop marks for the printer.
    """
    slug = manifest.slug
    return [
        Download("digital", f"{slug}.pdf", "Accessible PDF", "PDF"),
        Download("docx", f"{slug}.docx", "Word document", "DOCX"),
        Download("epub", f"{slug}.epub", "EPUB e-book", "EPUB"),
    ]


DOWNLOAD_SUFFIXES = frozenset({".pdf", ".docx", ".epub"})  # as downloads() names them


def copy_if_changed(source: Path, target: Path) -> bool:
    """Replace ``target`` (atomically) by a copy of ``source`` unless it has the same
    bytes already; whether it was written."""
    # Not filecmp: it caches verdicts by size and mtime, which a rewrite within the same
    # second of the same size would fool in a long-lived process.
    if target.is_file() and target.stat().st_size == source.stat().st_size \
            and target.read_bytes() == source.read_bytes():
        return False
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    return True


def shown_size(path: Path) -> str | None:
    """A download's size as the site shows it (None: not built)."""
    if not path.is_file():
        return None
    size = path.stat().st_size
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def shown_sizes(manifest: Manifest, build_dir: Path) -> list[str | None]:
    """Every download's size as the site shows it, in order."""
    return [shown_size(build_dir / download.name) for download in downloads(manifest)]


def copy_downloads(manifest: Manifest, build_dir: Path, site_dir: Path,
                   settling: frozenset[str] = frozenset()) -> list[Path]:
    """Copy the editions that exist in ``build_dir`` into the site; return the copies.

    Editions built after the web edition in the same ``report build``, and those still
    being finished apart (``settling``), are copied in by :func:`add_downloads` at the
    end of the build. The copy of a settling edition the site holds from the last build
    is taken out meanwhile: it is what the edition was, and the site, scanned for names
    without consent when it is built, must not offer what a withdrawal has taken out of
    the edition since (such a copy made the build refuse, though every edition was
    clean).
    """
    copied = []
    offered = downloads(manifest)
    # A download under a name no longer made (the title, and with it the file names,
    # changed) is an edition as it was: a cold build's site has no such file. A file
    # the author put there (a handout a chapter links to) is theirs, and stays.
    names = {download.name for download in offered}
    folder = site_dir / DOWNLOADS
    authors = manifest.root / manifest.docs_dir / DOWNLOADS
    for path in folder.glob("*") if folder.is_dir() else ():
        if (path.suffix in DOWNLOAD_SUFFIXES and path.name not in names and path.is_file()
                and not (authors / path.name).exists()):
            path.unlink()
    for download in offered:
        source = build_dir / download.name
        target = site_dir / DOWNLOADS / download.name
        if download.edition in settling:
            target.unlink(missing_ok=True)
        elif source.is_file():
            copy_if_changed(source, target)
            copied.append(target)
    return copied


def sync_site(source: Path, target: Path) -> list[str]:
    """Make ``target`` hold exactly the files of ``source``; return those written.

    A new ``target`` is made whole in a temporary folder and swapped in; an existing one
    is updated file by file (each replaced atomically, only when its bytes changed), and
    files ``source`` no longer has are removed.
    """
    if not target.is_dir():
        with atomic_dir(target) as tmp:
            shutil.copytree(source, tmp, dirs_exist_ok=True)
        return sorted(p.relative_to(target).as_posix() for p in target.rglob("*")
                      if p.is_file())
    written = []
    wanted = set()
    for path in sorted(source.rglob("*")):
        if path.is_file():
            rel = path.relative_to(source).as_posix()
            wanted.add(rel)
            if copy_if_changed(path, target / rel):
                written.append(rel)
    for path in sorted(target.rglob("*"), reverse=True):
        rel = path.relative_to(target).as_posix()
        if path.is_file() and rel not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return written


def add_downloads(context: BuildContext) -> list[Path]:
    """Bring the built site's downloads, and the kept site's, up to date with the
    editions now in ``build/``."""
    site = context.path(SITE)
    if not site.is_dir():
        return []
    assert context.out_dir is not None
    kept = context.path(str(CACHE)) / SITE
    if kept.is_dir():
        copy_downloads(context.manuscript.manifest, context.out_dir, kept)
    return copy_downloads(context.manuscript.manifest, context.out_dir, site)


def site_config(root: Path, site_dir: Path | str | None = None,
                context: BuildContext | None = None, incremental: SiteState | None = None,
                **overrides) -> MkDocsConfig:
    """The tree's ``mkdocs.yml``, with the ``report`` plugin enabled even if not named.

    ``context`` hands the plugin this build's draft state and noindex flag; without it the
    plugin makes its own (a draft, indexable), as under a plain ``mkdocs build``.
    ``incremental`` makes it write only changed pages into a kept site_dir (build with
    ``dirty=True`` then).
    """
    from report.editions.web_plugin import ReportPlugin

    # MkDocs' own loader runs python tags, hooks and INHERIT: it reads the file only
    # after the toolkit's safe loader has refused them (also when serve reloads it).
    load_manifest(root)
    options = dict(overrides)
    if site_dir is not None:
        options["site_dir"] = str(site_dir)
    try:
        config = load_config(config_file=str(root / MANIFEST), **options)
    except MkDocsException as exc:
        raise InputError(Problem(MANIFEST, None, f"not a valid MkDocs configuration: {exc}")) \
            from None
    plugin = config.plugins.get(PLUGIN)
    if not isinstance(plugin, ReportPlugin):
        plugin = ReportPlugin()
        plugin.load_config({}, config_file_path=config.config_file_path)
        config.plugins[PLUGIN] = plugin
    plugin.context = context
    plugin.incremental = incremental
    return config


class _Warnings(logging.Handler):
    """MkDocs' warnings, handed to the build's own list instead of bare stderr lines."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(f"mkdocs: {record.getMessage()}")


@contextlib.contextmanager
def _source_date(context: BuildContext) -> Iterator[None]:
    """MkDocs dates the sitemap from SOURCE_DATE_EPOCH, else today: give it the commit's
    date, so the same commit builds the same site on any day."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = saved or str(int(context.provenance.date.timestamp()))
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]


def _read_state(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def build(context: BuildContext) -> EditionResult:
    """Build ``build/site`` from the kept site in ``build/.cache/web``: only pages whose
    HTML changed are rendered, only files whose bytes changed are replaced."""
    from report import fingerprint
    from report.editions.web_plugin import SiteState

    out = context.path(SITE)
    cache = context.path(str(CACHE))
    site, state_path = cache / SITE, cache / "state.json"
    state = SiteState(previous=_read_state(state_path),
                      salt=fingerprint.toolkit(context.manuscript.build_dir))
    # From here until the build succeeds the kept site is in flux: without a state the
    # next build starts from a clean folder.
    state_path.unlink(missing_ok=True)
    logger = logging.getLogger("mkdocs")
    warnings = _Warnings(context.warnings)
    logger.addHandler(warnings)
    try:
        with _source_date(context):
            config = site_config(context.manuscript.root, site, context=context,
                                 incremental=state)
            try:
                mkdocs_build(config, dirty=True)
            except MkDocsException as exc:
                raise InputError(Problem(MANIFEST, None, f"web edition: {exc}")) from None
    finally:
        logger.removeHandler(warnings)
    assert state.current is not None
    write_text(state_path, json.dumps(state.current) + "\n")
    sync_site(site, out)
    return EditionResult("web", out, pages=len(context.rendered.chapters))
