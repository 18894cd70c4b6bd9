"""The only door through which WeasyPrint may read a file.

A build must read nothing outside the report tree and the toolkit's own styles, and
fetch nothing from the network: a stray ``<img src="https://…">`` in a chapter would
otherwise tell a third party that the report is being built, and a ``file:///etc/…``
would leak a local file into a PDF. WeasyPrint accepts a custom URL fetcher; this one
refuses everything else.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlparse

from weasyprint.urls import URLFetcher, URLFetcherResponse

from report.render.cache import file_digest
from report.render.media import read_stripped

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".svg"})

PACKAGE_DIR = Path(__file__).resolve().parent.parent


class FetchRefused(ValueError):
    """Raised for any URL outside the allowed folders; WeasyPrint logs and skips it."""


class _Stripped(URLFetcherResponse):
    """An image's bytes without metadata. WeasyPrint re-reads a local raster image from
    its ``path`` when the PDF is written (to save memory); without a path it keeps
    these bytes, so the metadata stays out."""

    @property
    def path(self) -> None:
        return None


class TreeFetcher(URLFetcher):
    """A WeasyPrint fetcher that reads only ``file:`` URLs below the allowed folders,
    and gives images without their metadata (:mod:`report.render.media`)."""

    def __init__(self, *allowed: Path) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
        self.roots = [p.resolve() for p in (*allowed, PACKAGE_DIR)]
        self.read: dict[Path, str] = {}  # every file given out, by its SHA-256

    def read_below(self, root: Path) -> dict[str, str]:
        """The files given out that are in the tree at ``root`` (by their path from it),
        with their SHA-256: what a layout read besides its HTML and the toolkit's styles
        (the images), for a cache to check that they are still the same."""
        root = root.resolve()
        return {str(path.relative_to(root)): digest for path, digest in self.read.items()
                if root in path.parents}

    def fetch(self, url: str, headers=None):
        parsed = urlparse(url)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if not any(path == root or root in path.parents for root in self.roots):
                raise FetchRefused(f"refused to read {path}: outside the report tree")
            if not path.is_file():
                raise FetchRefused(f"refused to read {path}: not a regular file")
            self.read[path] = file_digest(path) or ""
            if path.suffix.lower() in IMAGE_SUFFIXES:
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return _Stripped(url, read_stripped(path), {"Content-Type": mime})
        elif parsed.scheme != "data":
            raise FetchRefused(f"refused to fetch {url}: builds do not use the network")
        return super().fetch(url, headers)


def make_fetcher(*allowed: Path) -> TreeFetcher:
    return TreeFetcher(*allowed)
