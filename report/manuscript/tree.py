"""The one gate every resource of a build passes: regular files inside the report tree.

A build must read nothing but the tree: a chapter, image, stylesheet, bibliography or
CSL style pointing at ``/proc/self/environ``, ``../../secrets`` or a symlink out of the
tree would copy that file into an edition, and a URL would tell a third party (or a
service on the build machine) that the report is being built. So every reference the
toolkit or one of its tools (pandoc, WeasyPrint, MkDocs) could follow is resolved here,
after symlinks, and anything that is not a regular file inside the tree is refused with
a message fit for ``path:line: message``.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
# Link targets that only a reader's browser follows: no tool fetches them during a build.
LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


class Refused(ValueError):
    """A reference the build will not follow; the message says why, for the author."""


def scheme(reference: str) -> str | None:
    """The URL scheme of ``reference`` in lower case, or None for a relative path."""
    found = _SCHEME.match(reference.strip())
    return found.group(0)[:-1].lower() if found else None


def inside(root: Path, path: Path) -> bool:
    """Whether ``path`` (symlinks resolved) is ``root`` or below it."""
    resolved = path.resolve()
    root = root.resolve()
    return resolved == root or resolved.is_relative_to(root)


def resolve(root: Path, reference: str, base: Path | None = None, *,
            must_exist: bool = True) -> Path:
    """The regular file in the tree that ``reference`` names, relative to ``base``.

    ``reference`` is a path as an author writes it (URL-escaped or not, with or without a
    ``#fragment``); ``base`` is the folder it is relative to (the tree's root if None).
    Raises :class:`Refused` for a URL, an absolute path, anything outside the tree once
    symlinks are resolved, and (with ``must_exist``) anything that is not a regular file.
    """
    return Resolver(root).resolve(reference, base, must_exist=must_exist)


class Resolver:
    """:func:`resolve` for many references in one tree (the chapters of a nav): the
    root's real path, and each folder's, found once.

    Python finds a real path one component at a time, each an ``lstat`` and some Python:
    two of them for each of the 470-page corpus's 111 chapters took 12 ms of every load
    of ``mkdocs.yml``, twice on each preview save. A file that is not a symlink has its
    folder's real path and its own name; a folder's real path is kept for the life of
    the resolver (one pass), so only the file is looked at."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._root = str(self.root)
        self._below = self._root.rstrip(os.sep) + os.sep  # what a path inside starts with
        self._folders: dict[str, str] = {}

    def resolve(self, reference: str, base: Path | None = None, *,
                must_exist: bool = True) -> Path:
        """As :func:`resolve`, in this resolver's tree."""
        text = reference.strip()
        if scheme(text):
            raise Refused(f"URL not allowed (builds read only the report tree): {reference}")
        path_part = urlsplit(text).path if ("#" in text or "?" in text) else text
        path_part = unquote(path_part)
        if not path_part:
            raise Refused(f"empty path: {reference!r}")
        if (path_part.startswith(("/", "\\")) or Path(path_part).is_absolute()
                or "\0" in path_part):
            raise Refused(f"absolute path not allowed (builds read only the report tree): "
                          f"{reference}")
        try:
            target, mode = self._real(os.path.join(str(base) if base else self._root,
                                                   path_part))
        except (OSError, RuntimeError) as exc:  # a symlink loop
            raise Refused(f"cannot resolve {reference}: {exc}") from None
        if target != self._root and not target.startswith(self._below):
            raise Refused(f"outside the report tree: {reference}")
        if must_exist:
            if mode is None:
                raise Refused(f"not found: {reference}")
            if not stat.S_ISREG(mode):
                raise Refused(f"not a regular file: {reference}")
        return Path(target)

    def real(self, path: str) -> str:
        """The real path of ``path`` (absolute, anywhere), as ``Path.resolve()`` gives it,
        its folder's found once for the life of this resolver."""
        return self._real(path)[0]

    def _real(self, candidate: str) -> tuple[str, int | None]:
        """``candidate``'s real path, and the mode of what is there (None: nothing).
        Strings, not ``Path`` objects: making those was half the time."""
        folder, name = os.path.split(candidate)
        if name and name not in (".", ".."):
            real_folder = self._folders.get(folder)
            if real_folder is None:
                real_folder = self._folders[folder] = str(Path(folder).resolve())
            target = os.path.join(real_folder, name)
            try:
                mode = os.lstat(target).st_mode
            except FileNotFoundError:
                return target, None
            except OSError:
                mode = None  # not a folder on the way, or not ours to read: in full
            if mode is not None and not stat.S_ISLNK(mode):
                return target, mode
        target = str(Path(candidate).resolve())
        try:
            return target, os.stat(target).st_mode
        except OSError:
            return target, None


def resolve_folder(root: Path, reference: str) -> Path:
    """A folder of the tree (such as ``docs_dir``), below the root, symlinks resolved."""
    if scheme(reference) or Path(reference).is_absolute():
        raise Refused(f"must be a folder inside the report tree: {reference}")
    root = root.resolve()
    target = (root / reference).resolve()
    if target == root or not target.is_relative_to(root):
        raise Refused(f"must be a folder inside the report tree: {reference}")
    return target
