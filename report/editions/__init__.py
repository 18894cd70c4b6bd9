"""The editions: each lays out what ``report.render`` produced, nothing more.

``EDITIONS`` maps the contract's edition names to the functions that build them; each
returns an :class:`EditionResult` for ``build/manifest.json``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the context renders: `report build` with nothing to do need not import it
    from report.editions.context import BuildContext


@dataclass
class EditionResult:
    name: str
    path: Path
    pages: int | None = None
    sha256: str | None = None
    extra: dict = field(default_factory=dict)


def _registry() -> dict[str, Callable[[BuildContext], EditionResult]]:
    from report.editions import digital, docx, epub, printed, web

    return {
        "print": printed.build,
        "digital": digital.build,
        "web": web.build,
        "docx": docx.build,
        "epub": epub.build,
    }


EDITION_ORDER = ("print", "digital", "web", "docx", "epub")


def builder(name: str) -> Callable[[BuildContext], EditionResult]:
    return _registry()[name]
