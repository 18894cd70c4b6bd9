"""How chapters are dealt into pandoc processes: few processes, none holding too much.

Starting pandoc costs more than reading a chapter (it loads its filters, and for a render
the bibliography and the CSL style), so chapters are read, numbered and rendered in
batches. But a pandoc process's memory grows with the text it holds at once: on the
470-page corpus a render batch of half the book peaked at 286 MiB, over the layout's.
So a batch holds at most about :data:`LIMIT` characters of Markdown (a chapter larger than
that goes alone): measured on the bundled report with ``-A1m -H1m``, one chapter with
citeproc peaks at about 131 MiB, 65 KB of Markdown at about 140 MiB and 131 KB at
151 MiB, most of it (about 95 MiB) pandoc's own code pages (see
``scripts/peak_memory.py``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

# Markdown characters a pandoc process is given at most (unless one chapter is larger).
LIMIT = 48_000


def cores() -> int:
    """How many pandoc processes run at once: one per core."""
    return os.cpu_count() or 1


def dealt(sizes: Sequence[int], count: int | None = None, limit: int = LIMIT
          ) -> list[list[int]]:
    """Indexes of ``sizes`` dealt into groups of about the same size: at least one per core
    (``count``), more where the groups would pass ``limit``, never more than one per item;
    the largest first to the lightest group, each group in the order of the items."""
    if not sizes:
        return []
    wanted = max(count or cores(), math.ceil(sum(sizes) / limit))
    groups: list[list[int]] = [[] for _ in range(min(len(sizes), wanted))]
    loads = [0] * len(groups)
    for size, item in sorted(zip(sizes, range(len(sizes)), strict=True),
                             key=lambda pair: (-pair[0], pair[1])):
        lightest = loads.index(min(loads))
        groups[lightest].append(item)
        loads[lightest] += size
    return [sorted(group) for group in groups]


def runs(sizes: Sequence[int], limit: int = LIMIT) -> list[list[int]]:
    """Indexes of ``sizes`` cut into consecutive runs of at most ``limit`` (a larger item
    alone): for work where each item follows from the one before it (the index)."""
    cut: list[list[int]] = []
    load = 0
    for item, size in enumerate(sizes):
        if not cut or (load + size > limit and cut[-1]):
            cut.append([])
            load = 0
        cut[-1].append(item)
        load += size
    return cut
