"""A part's PDF depends on its own HTML and CSS only, never on what the process laid
out before it: the layout workers lay out parts in whatever order they get them, and a
rebuild (a few parts) must give the same bytes as a cold build (every part)."""

from __future__ import annotations

import gc
import os
import weakref
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pikepdf
import pytest

from report.editions import chaptered, pdf
from report.editions.printed import profile_css

PAGE = ('<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        '<body><p>Draft</p></body></html>')
STYLES = ["paged.css", "print.css"]


def test_a_colour_profile_of_one_part_does_not_reach_the_next(tmp_path: Path) -> None:
    """The print edition's output profile is an ``@color-profile`` in the chapters' extra
    CSS, not in the draft stamp's: the stamp laid out after a chapter in the same worker
    carried the profile's colour space (unused) and the same stamp laid out first did
    not, so a rebuild's print PDF differed from a cold build's."""
    profiles = sorted((pdf.STYLES / "icc").glob("*.icc"))
    assert profiles, "no output profile in report/styles/icc (make print-profile)"
    with_profile, options = profile_css(profiles[0])
    stamp = "p { color: red }"
    pdf._forget_styles(os.getpid())
    pdf.layout(PAGE, tmp_path / "first.pdf", tmp_path, tmp_path, STYLES, stamp)
    pdf.layout(PAGE, tmp_path / "chapter.pdf", tmp_path, tmp_path, STYLES, with_profile,
               **options)
    pdf.layout(PAGE, tmp_path / "after.pdf", tmp_path, tmp_path, STYLES, stamp)
    assert _colour_spaces(tmp_path / "chapter.pdf") >= {"/device-cmyk"}
    assert "/device-cmyk" not in _colour_spaces(tmp_path / "first.pdf")
    assert (tmp_path / "after.pdf").read_bytes() == (tmp_path / "first.pdf").read_bytes()


def _colour_spaces(path: Path) -> set[str]:
    """The names of the colour spaces in the resources of ``path``'s first page."""
    with pikepdf.open(path) as document:
        spaces = document.pages[0].obj.Resources.get("/ColorSpace", {})
        return {str(name) for name in spaces.keys()}


class _Node:
    """An object that can be in a cycle and be watched (weakref)."""


def _laid_out_in_a_worker(folder: str) -> tuple[bool, int, bool, bool]:
    """In a layout worker: whether the collector runs by itself, how many objects are
    frozen, whether a cycle dropped before a layout is still there, and whether it is
    gone after it."""
    node = _Node()
    node.me = node
    watched = weakref.ref(node)
    del node
    allocated = [[] for _ in range(10_000)]  # would set a running collector off
    del allocated
    kept_until_layout = watched() is not None
    pdf.layout(PAGE, Path(folder) / "worker.pdf", Path(folder), Path(folder), STYLES)
    return gc.isenabled(), gc.get_freeze_count(), kept_until_layout, watched() is None


def test_a_layout_worker_collects_its_garbage_after_each_layout(tmp_path: Path) -> None:
    """The workers run without Python's cyclic collector during a layout (it scanned
    their heap again and again: 9% of their CPU) and collect once after each layout:
    garbage in cycles lives only until the layout ends."""
    with ProcessPoolExecutor(1, initializer=chaptered._start_worker,
                             initargs=(str(tmp_path),)) as pool:
        enabled, frozen, kept, collected = pool.submit(_laid_out_in_a_worker,
                                                       str(tmp_path)).result()
    assert not enabled and frozen > 0
    assert kept, "the collector ran before the layout"
    assert collected, "a cycle outlived the layout"
    assert (tmp_path / "worker.pdf").read_bytes().startswith(b"%PDF-")


def _pid_and_temporary(folder: str) -> tuple[int, str]:
    import tempfile

    pdf.layout(PAGE, Path(folder) / "worker.pdf", Path(folder), Path(folder), STYLES)
    return os.getpid(), tempfile.gettempdir()


def test_a_killed_workers_temporary_files_go_with_the_build(tmp_path: Path,
                                                             monkeypatch) -> None:
    """A layout worker keeps its temporary files (WeasyPrint's font folders) in a folder
    of the build's, which the build removes: a worker killed with its build (SIGKILL,
    which no exit handler sees) left them in the temporary folder."""
    import signal
    import tempfile

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    workers = chaptered.Workers(1)
    workers.submit([])  # the pool and its folder
    pool = workers._pool
    pid, used = pool.submit(_pid_and_temporary, str(tmp_path)).result()
    assert Path(used).parent == temporary and any(Path(used).glob("weasyprint-*"))
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(BrokenProcessPool):
        pool.submit(_pid_and_temporary, str(tmp_path)).result()
    workers.close()
    assert list(temporary.iterdir()) == []
