"""WeasyPrint's native libraries, opened without some fifty helper processes.

WeasyPrint (``weasyprint/text/ffi.py``) opens each of its eight libraries by trying
names in turn: ``libgobject-2.0-0``, ``gobject-2.0-0``, ``gobject-2.0``, then the Linux
soname ``libgobject-2.0.so.0``. cffi hands each name the loader cannot open to
``ctypes.util.find_library``, which on Linux runs ``ldconfig -p``, then ``gcc``, then
``ld`` to look for it: 22 ``ldconfig``, 16 ``gcc`` and 16 ``ld`` runs, about 0.4 s of
every process that imports WeasyPrint (0.86 s against 0.48 s for the whole import,
measured on this machine). The build's main process pays it before its first layout.

While that one module runs, ``find_library`` answers "not found" at once, so WeasyPrint
goes on to the soname, which the dynamic loader opens from the same places ``ldconfig``
would have named: the very same files are loaded (compared in ``/proc/self/maps``; a
test keeps it so). Nothing else sees the change: it is in place only while that module
is executed.
"""

from __future__ import annotations

import ctypes.util
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

MODULE = "weasyprint.text.ffi"


class _Quiet(importlib.abc.Loader):
    """The module's own loader, run with ``find_library`` answering None."""

    def __init__(self, loader: importlib.abc.Loader):
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # Python's lock on this module lets one thread at a time run it.
        found = ctypes.util.find_library
        ctypes.util.find_library = lambda name: None
        try:
            self._loader.exec_module(module)  # type: ignore[attr-defined]
        finally:
            ctypes.util.find_library = found


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path, target=None):
        if fullname != MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _Quiet(spec.loader)
        return spec


def install() -> None:
    """Open WeasyPrint's libraries by their sonames from now on (Linux only: elsewhere
    its first names are the platform's own and ``find_library`` is what finds them)."""
    if sys.platform.startswith("linux") and not any(
            isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
