"""The web edition: a mkdocs-material site whose pages are the shared render's chapters.

MkDocs does the site (navigation, search, theme); the ``report`` plugin
(:mod:`report.editions.web_plugin`) swaps each chapter page's content for the chapter HTML
that every other edition lays out too. Because the plugin is named in the tree's
``mkdocs.yml``, a plain ``mkdocs build`` or ``mkdocs serve`` gives the same site;
``report build web`` only adds the build context (draft stamp, noindex) and writes the
site atomically.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException

from report.editions import EditionResult
from report.editions.context import BuildContext
from report.errors import InputError, Problem
from report.manuscript import MANIFEST, Manifest
from report.manuscript.manifest import load_manifest
from report.outputs import atomic_dir, atomic_path

SITE = "site"
DOWNLOADS = "downloads"
PLUGIN = "report"


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


def copy_downloads(manifest: Manifest, build_dir: Path, site_dir: Path) -> list[Path]:
    """Copy the editions that exist in ``build_dir`` into the site; return the copies.

    Editions built after the web edition in the same ``report build`` are copied in by
    :func:`add_downloads` at the end of the build.
    """
    copied = []
    for download in downloads(manifest):
        source = build_dir / download.name
        if source.is_file():
            target = site_dir / DOWNLOADS / download.name
            with atomic_path(target) as tmp:
                shutil.copyfile(source, tmp)
            copied.append(target)
    return copied


def add_downloads(context: BuildContext) -> list[Path]:
    """Bring the built site's downloads up to date with the editions now in ``build/``."""
    site = context.path(SITE)
    if not site.is_dir():
        return []
    assert context.out_dir is not None
    return copy_downloads(context.manuscript.manifest, context.out_dir, site)


def site_config(root: Path, site_dir: Path | str | None = None,
                context: BuildContext | None = None, **overrides) -> MkDocsConfig:
    """The tree's ``mkdocs.yml``, with the ``report`` plugin enabled even if not named.

    ``context`` hands the plugin this build's draft state and noindex flag; without it the
    plugin makes its own (a draft, indexable), as under a plain ``mkdocs build``.
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


def build(context: BuildContext) -> EditionResult:
    """Build ``build/site``: into a temporary folder first, swapped in when complete."""
    out = context.path(SITE)
    logger = logging.getLogger("mkdocs")
    warnings = _Warnings(context.warnings)
    logger.addHandler(warnings)
    try:
        with atomic_dir(out) as tmp, _source_date(context):
            config = site_config(context.manuscript.root, tmp, context=context)
            try:
                mkdocs_build(config)
            except MkDocsException as exc:
                raise InputError(Problem(MANIFEST, None, f"web edition: {exc}")) from None
    finally:
        logger.removeHandler(warnings)
    return EditionResult("web", out, pages=len(context.rendered.chapters))
