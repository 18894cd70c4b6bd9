"""How chapters are dealt into pandoc processes: few processes, none holding too much.

Starting pandoc costs more than reading a chapter (it loads its filters, and for a render
the bibliography and the CSL style), so chapters are read, numbered and rendered in
batches. But a pandoc process's memory grows with the text it holds at once: on the
470-page corpus a render batch of half the book peaked at 286 MiB, over the layout's.
So a batch holds at most about :data:`LIMIT` characters of Markdown (a chapter larger
than that goes alone), and at most one batch a core runs at a time. Measured on the
corpus (1.2 MB of Markdown, cold render, same output; pandoc CPU under a varying load,
so roughly), before this and ``-H1m``: two render batches peaked at 278-288 MiB, 28.5 s
of pandoc CPU in 5 processes. A limit of 48 KB: 82 processes, 204-210 MiB, 69.6 s.
160 KB: 24 processes, 226-229 MiB, 37.6 s, and the main process 231 MiB instead of 324
(it decodes smaller batches). About 85 MiB and 0.8 s of each corpus render process were
syntax highlighting loading every syntax definition for a code block whose class names
none ("console", "text"); such code is now written without that lookup
(:mod:`report.render.highlighting`): a render batch peaks at 139-141 MiB. On the bundled
report (131 KB) the limit changes nothing: one batch per core.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

# Markdown characters a pandoc process is given at most (unless one chapter is larger).
LIMIT = 160_000


def cores() -> int:
    """How many pandoc processes run at once: one per core."""
    return os.cpu_count() or 1


def dealt(sizes: Sequence[int], count: int | None = None, limit: int | None = None
          ) -> list[list[int]]:
    """Indexes of ``sizes`` dealt into groups of about the same size: at least one per core
    (``count``), more where the groups would pass ``limit``, never more than one per item;
    the largest first to the lightest group, each group in the order of the items."""
    if not sizes:
        return []
    wanted = max(count or cores(), math.ceil(sum(sizes) / (limit or LIMIT)))
    groups: list[list[int]] = [[] for _ in range(min(len(sizes), wanted))]
    loads = [0] * len(groups)
    for size, item in sorted(zip(sizes, range(len(sizes)), strict=True),
                             key=lambda pair: (-pair[0], pair[1])):
        lightest = loads.index(min(loads))
        groups[lightest].append(item)
        loads[lightest] += size
    return [sorted(group) for group in groups]


def runs(sizes: Sequence[int], limit: int | None = None) -> list[list[int]]:
    """Indexes of ``sizes`` cut into consecutive runs of at most ``limit`` (a larger item
    alone): for work where each item follows from the one before it (the index)."""
    limit = limit or LIMIT
    cut: list[list[int]] = []
    load = 0
    for item, size in enumerate(sizes):
        if not cut or (load + size > limit and cut[-1]):
            cut.append([])
            load = 0
        cut[-1].append(item)
        load += size
    return cut
