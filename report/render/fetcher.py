"""The only door through which WeasyPrint may read a file.

A build must read nothing outside the report tree and the toolkit's own styles, and
fetch nothing from the network: a stray ``<img src="https://…">`` in a chapter would
otherwise tell a third party that the report is being built, and a ``file:///etc/…``
would leak a local file into a PDF. WeasyPrint accepts a custom URL fetcher; this one
refuses everything else.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from weasyprint.urls import URLFetcher

PACKAGE_DIR = Path(__file__).resolve().parent.parent


class FetchRefused(ValueError):
    """Raised for any URL outside the allowed folders; WeasyPrint logs and skips it."""


class TreeFetcher(URLFetcher):
    """A WeasyPrint fetcher that reads only ``file:`` URLs below the allowed folders."""

    def __init__(self, *allowed: Path) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
        self.roots = [p.resolve() for p in (*allowed, PACKAGE_DIR)]

    def fetch(self, url: str, headers=None):
        parsed = urlparse(url)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if not any(path == root or root in path.parents for root in self.roots):
                raise FetchRefused(f"refused to read {path}: outside the report tree")
        elif parsed.scheme != "data":
            raise FetchRefused(f"refused to fetch {url}: builds do not use the network")
        return super().fetch(url, headers)


def make_fetcher(*allowed: Path) -> TreeFetcher:
    return TreeFetcher(*allowed)
