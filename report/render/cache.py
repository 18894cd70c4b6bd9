"""Cached render work, one JSON file per entry under ``build/.cache/<kind>/``.

New entries are held back until :meth:`JsonCache.save`, which the render calls only once
the whole report has rendered without a problem: bad input writes nothing in ``build/``.
An entry that cannot be read (missing, truncated, not JSON) is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from report.outputs import write_text


def digest(*parts: str | bytes) -> str:
    """A SHA-256 over ``parts``, each ended by a NUL so that no two lists collide."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8") if isinstance(part, str) else part)
        hasher.update(b"\0")
    return hasher.hexdigest()


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
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        self.used.add(path)
        return value

    def put(self, key: str, value: object) -> None:
        self.pending[self.path(key)] = value
        self.used.add(self.path(key))

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
