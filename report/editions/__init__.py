"""The editions: each lays out what ``report.render`` produced, nothing more.

``EDITIONS`` maps the contract's edition names to the functions that build them; each
returns an :class:`EditionResult` for ``build/manifest.json``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from report.editions import libraries

if TYPE_CHECKING:  # the context renders: `report build` with nothing to do need not import it
    from report.editions.context import BuildContext


@dataclass
class EditionResult:
    name: str
    path: Path
    pages: int | None = None
    sha256: str | None = None
    extra: dict = field(default_factory=dict)
    # Set: the edition's last step still runs apart (the digital edition's assembly, in
    # a process of its own); the build takes ``pending.result()`` before recording it.
    pending: Pending | None = None


@dataclass
class Pending:
    """What is left of an edition's build, running apart: ``result`` waits for it and
    gives the edition's finished result; ``stop`` ends it (the build stopped)."""

    result: Callable[[], EditionResult]
    stop: Callable[[], None]


# Each edition's module, imported only when that edition is built: the Word edition alone
# need not pay for importing WeasyPrint (a second) or MkDocs.
MODULES = {
    "print": "report.editions.printed",
    "digital": "report.editions.digital",
    "web": "report.editions.web",
    "docx": "report.editions.docx",
    "epub": "report.editions.epub",
}

# Every module that imports WeasyPrint is an edition's (or its helpers'): from here on
# it opens its libraries without asking gcc and ld for them (report.editions.libraries).
libraries.install()

EDITION_ORDER = ("print", "digital", "web", "docx", "epub")


def builder(name: str) -> Callable[[BuildContext], EditionResult]:
    import importlib

    return importlib.import_module(MODULES[name]).build


# The editions pandoc's own writers produce: their package can be made ahead of the
# build's other work (report.editions.pandoc_writer.WrittenAhead), from each module's
# ``start`` and ``written``.
WRITTEN_BY_PANDOC = ("docx", "epub")
