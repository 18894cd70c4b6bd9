"""Cached render work, one JSON file per entry under ``build/.cache/<kind>/``.

New entries are held back until :meth:`JsonCache.save`, which the render calls only once
the whole report has rendered without a problem: bad input writes nothing in ``build/``.
An entry that cannot be read (missing, truncated, not JSON) is a miss, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from report.outputs import write_text


def digest(*parts: str | bytes) -> str:
    """A SHA-256 over ``parts``, each ended by a NUL so that no two lists collide."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8") if isinstance(part, str) else part)
        hasher.update(b"\0")
    return hasher.hexdigest()


# Entries read or written in this process, by path, when a long-lived process asks for
# it (:func:`entries_remembered`): ``report serve`` reads every chapter's cached parse facts,
# index entry and render back on each save, most of them the same each time. An entry's
# key is a hash of all it is made from, so its value never changes; it is still read
# from disk again once its file is gone.
_REMEMBERED: dict[Path, object] | None = None
_REMEMBERED_MAX = 4096
# What the render makes from entries (a chapter's HTML parsed and numbered on), by a key
# that covers all it is made from, kept while entries are remembered (:func:`made_once`).
_MADE: dict[str, object] = {}
_MADE_MAX = 4096  # a bound whatever happens; forget_unused keeps far fewer
_USED: set[str] = set()  # keys asked for since the last forget_unused
_USED_ENTRIES: set[Path] = set()  # remembered entries read or written since then
T = TypeVar("T")


@contextlib.contextmanager
def entries_remembered() -> Iterator[None]:
    """Within, keep the entries read or written in memory (values are shared: the render
    only reads them)."""
    global _REMEMBERED
    saved = _REMEMBERED
    _REMEMBERED = {} if saved is None else saved
    try:
        yield
    finally:
        _REMEMBERED = saved
        if saved is None:
            _MADE.clear()
            _USED.clear()
            _USED_ENTRIES.clear()


def remembering() -> bool:
    """Whether entries are remembered (a long-lived process: ``report serve``)."""
    return _REMEMBERED is not None


def made_once(key: str, make: Callable[[], T]) -> T:
    """``make()``, kept by ``key`` (a hash of all it is made from) while entries are
    remembered: ``report serve`` then makes again only what a save changed. Outside, made
    on every call, so a one-off build holds nothing. A kept value is shared between
    renders: whoever takes it only reads it (the editions copy a chapter before they
    change it)."""
    if _REMEMBERED is None:
        return make()
    _USED.add(key)
    if key not in _MADE:
        if len(_MADE) >= _MADE_MAX:
            _MADE.clear()
        _MADE[key] = make()
    return _MADE[key]  # type: ignore[return-value]


def forget_unused() -> None:
    """Drop what :func:`made_once` kept, and the remembered entries, that nobody asked for
    since the last call: the render calls it as it starts, so ``report serve`` holds what
    the last save's render and layout used (a chapter tree or two of each chapter, the
    entries of the chapters as they are), not every version of the chapters saved since
    it started. Remembered entries were bounded by their number only (4,096): a save of
    the bundled report's third chapter added 1.8 MiB to the server, 250 MiB after 90
    saves."""
    for key in [key for key in _MADE if key not in _USED]:
        del _MADE[key]
    _USED.clear()
    if _REMEMBERED is not None:
        used = set(_USED_ENTRIES)
        for path in list(_REMEMBERED):  # a copy: another thread may read an entry in
            if path not in used:
                _REMEMBERED.pop(path, None)
    _USED_ENTRIES.clear()


class JsonCache:
    """JSON values by key in ``folder``, written atomically on :meth:`save`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pending: dict[Path, object] = {}
        self.used: set[Path] = set()

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> object | None:
        path = self.path(key)
        if path in self.pending:
            return self.pending[path]
        if _REMEMBERED is not None and path in _REMEMBERED and path.is_file():
            self.used.add(path)
            _USED_ENTRIES.add(path)
            return _REMEMBERED[path]
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        self.used.add(path)
        _remember(path, value)
        return value

    def put(self, key: str, value: object) -> None:
        self.pending[self.path(key)] = value
        self.used.add(self.path(key))
        _remember(self.path(key), value)

    def keep(self, key: str) -> None:
        """Keep the entry through :meth:`prune` without reading it."""
        self.used.add(self.path(key))

    def save(self) -> None:
        for path, value in self.pending.items():
            write_text(path, json.dumps(value))  # atomic: a crash leaves no half entry
        self.pending.clear()

    def prune(self) -> None:
        """Remove the entries this build did not use: what an edit replaced would
        otherwise pile up, an entry for every save of a chapter."""
        for path in self.folder.glob("*.json"):
            if path not in self.used:
                path.unlink(missing_ok=True)


def _remember(path: Path, value: object) -> None:
    if _REMEMBERED is not None:
        if len(_REMEMBERED) >= _REMEMBERED_MAX:
            _REMEMBERED.clear()
        _REMEMBERED[path] = value
        _USED_ENTRIES.add(path)


_DIGESTS: dict[tuple[Path, int, int], str] = {}


def file_digest(path: Path) -> str | None:
    """The SHA-256 of the file at ``path``, or None when it cannot be read; the same file
    (by its path, size and time) is read once per process. Here, not beside the layout's
    URL fetcher (``report.render.fetcher``), which imports WeasyPrint: the web edition
    and ``report serve`` ask for it too, and need no WeasyPrint (a second of imports)."""
    try:
        stat = path.stat()
        key = (path, stat.st_size, stat.st_mtime_ns)
        if key not in _DIGESTS:
            _DIGESTS[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    return _DIGESTS[key]
