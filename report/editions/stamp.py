"""Draft stamping and fingerprints shared by the editions."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from report.editions.context import BuildContext


def draft_css(context: BuildContext) -> str:
    """Every page of a draft PDF carries the stamp in its top margin."""
    if not context.draft:
        return ""
    text = json.dumps(context.stamp, ensure_ascii=False)
    return (f"@page {{ @bottom-center {{ content: {text}; font: 600 7.5pt 'Report Sans'; "
            "color: var(--draft, #8a3b12); white-space: nowrap; } }")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
