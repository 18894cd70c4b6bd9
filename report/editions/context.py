"""What every edition needs to know about one build: draft or final, and its stamp."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from report.manuscript import Manuscript
from report.manuscript.provenance import Provenance, provenance
from report.render import Rendered, render


@dataclass
class BuildContext:
    manuscript: Manuscript
    final: bool = False
    jobs: int = 1
    noindex: bool = False
    out_dir: Path | None = None
    # The reviewer pack's stamp: set, the PDF and Word editions are laid out as the pack
    # (pack numbers in the margin, bookmarks p-N, this stamp on every page).
    pack_stamp: str | None = None
    warnings: list[str] = field(default_factory=list)
    # pandoc writers started ahead by the build (edition name: its Writing), taken up by
    # the edition when it is built (report.build.start_writers).
    writers: dict = field(default_factory=dict)
    # The layout workers both PDF editions share in one build, the layouts started ahead
    # (an edition's parts spec: its plan) and what starts them, once the edition being
    # built leaves a worker idle (report.editions.chaptered.lay_out_ahead).
    layout_workers: Any = None
    layout_plans: dict = field(default_factory=dict)
    layout_ahead: list[Callable[[], None]] = field(default_factory=list)
    layout_page_map: tuple | None = None  # (page numbers, page kinds)
    # The digital edition assembles its book in a forked process while the build goes on
    # with the next edition (report.build: set when another follows it).
    assemble_apart: bool = False
    # What an edition laid out in the shared workers calls once its own parts are laid
    # out, before it assembles them (report.editions.chaptered): the build starts the
    # next edition's assembly apart then, when its parts are laid out or being laid out.
    before_assembly: list[Callable[[], None]] = field(default_factory=list)
    # Editions still being finished apart when the web edition is built (report.build):
    # the site shows the sizes of their last files and copies them in only once settled.
    settling: frozenset[str] = frozenset()
    provenance: Provenance = field(init=False)
    _rendered: Rendered | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.provenance = provenance(self.manuscript.root)
        if self.out_dir is None:
            self.out_dir = self.manuscript.build_dir

    @property
    def draft(self) -> bool:
        return not self.final

    @property
    def rendered(self) -> Rendered:
        """The render this build lays out: with the pack numbers only for the pack."""
        if self._rendered is None:
            rendered = render(self.manuscript)
            self._rendered = rendered if self.pack else rendered.without_pack_marks()
        return self._rendered

    @property
    def pack(self) -> bool:
        """Laid out as the reviewer pack (see :mod:`report.review.pack`)."""
        return self.pack_stamp is not None

    @property
    def stamp(self) -> str:
        """The line every page of a draft carries, so a printout can be traced."""
        if self.pack_stamp is not None:
            return self.pack_stamp
        version = self.manuscript.manifest.version
        day = self.provenance.date.date().isoformat()
        commit = self.provenance.short + ("+" if self.provenance.dirty else "")
        return f"Draft {version} · {commit} · {day} · not for circulation"

    def path(self, name: str) -> Path:
        assert self.out_dir is not None
        return self.out_dir / name

    def rel(self, path: Path) -> str:
        return path.resolve().relative_to(self.manuscript.root).as_posix()
