"""Seals on what a build keeps in ``build/.cache`` and then trusts for consent.

Two kept files stand in for work the privacy rules rest on: the contributors register as
validated (``contributors.json``: who opted in to be listed) and the privacy gate's
verdicts (``privacy.json``: which pages and texts were scanned and found clean). Both
are keyed by what they were made from, but a key says nothing of who wrote the entry:
anyone who can put a file into ``build/`` (a cache restored in CI, a build folder passed
around) could plant a register that lists a contributor who never opted in, or a
verdict that waves a leaking file through. So each entry carries an HMAC made with a key
of this user's, kept outside the tree (``$XDG_CACHE_HOME/report-toolkit/seal.key``,
created on first use, owner-only); an entry whose seal does not verify is a miss, read
or scanned afresh. Where no such key can be had (no writable home, a folder others can
read), nothing is trusted and every build does the work itself.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

KEY_NAME = "seal.key"
_KEY: bytes | bool | None = None  # False: none can be had in this process


def key_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "report-toolkit"


def _private(info: os.stat_result) -> bool:
    """Owned by this user and not open to others (where the system says so)."""
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return os.name == "nt" or not info.st_mode & 0o077


def _read_or_make() -> bytes | None:
    folder = key_folder()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder.lstat()) or not stat.S_ISDIR(folder.lstat().st_mode):
            return None
        path = folder / KEY_NAME
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or not _private(info):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if len(data) == 32 else None  # one being written by another process: none


def _key() -> bytes | None:
    global _KEY
    if _KEY is None:
        _KEY = _read_or_make() or False
    return _KEY or None


def seal(kind: str, data: bytes) -> str | None:
    """The seal of ``data`` kept as ``kind``; None when this user has no key."""
    key = _key()
    if key is None:
        return None
    return hmac.new(key, kind.encode() + b"\0" + data, hashlib.sha256).hexdigest()


def sealed(kind: str, data: bytes, mark: object) -> bool:
    """Whether ``mark`` is this user's seal of ``data`` kept as ``kind``."""
    expected = seal(kind, data)
    return expected is not None and isinstance(mark, str) and hmac.compare_digest(expected,
                                                                                  mark)
