"""Bytes made from bytes, kept by content under ``build/.cache/bytes``.

Some steps of an edition cost much and depend on little: a figure drawn as PNG for Word
(resvg), the EPUB's cover (Pillow). After a one-chapter edit their inputs are the same, so
their output is read back instead of made again. An entry is named by a hash of its kind,
its inputs and the toolkit's own fingerprint (source and tools' versions), so a changed
input or toolkit simply misses (entries are written atomically, never half).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

FOLDER = "bytes"


def cached(cache: Path | None, kind: str, inputs: Iterable[bytes | str],
           make: Callable[[], bytes], valid: Callable[[bytes], bool] | None = None) -> bytes:
    """``make()``, or what it returned last time for the same ``kind`` and ``inputs``
    (``cache`` is the build's ``.cache`` folder; None: no cache, always make). An entry
    that ``valid`` refuses (a damaged file) is a miss: made and written again."""
    if cache is None:
        return make()
    from report import fingerprint

    digest = hashlib.sha256(f"{kind}\0{fingerprint.toolkit(cache.parent)}\0".encode())
    for part in inputs:
        digest.update(part.encode("utf-8") if isinstance(part, str) else part)
        digest.update(b"\0")
    path = cache / FOLDER / f"{kind}-{digest.hexdigest()}"
    try:
        kept = path.read_bytes()
    except OSError:
        pass
    else:
        if valid is None or valid(kept):
            return kept
    data = make()
    try:
        from report.outputs import write_bytes

        write_bytes(path, data)
    except OSError:
        pass  # a cache, not an output: the next build makes it again
    return data


def prune_kept(folder: Path, used: set[str], pattern: str, keep_extra: int = 2) -> None:
    """Of the files ``pattern`` names in ``folder``, keep those this build ``used`` (by
    name) and the newest others, up to ``keep_extra`` times as many in all: an undone
    edit finds its entry again, and entries do not pile up with every save."""
    entries = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[len(used) * keep_extra:]:
        if stale.name not in used:
            stale.unlink(missing_ok=True)
