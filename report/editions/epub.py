"""The epub edition: not built yet."""

from __future__ import annotations

from report.editions import EditionResult
from report.editions.context import BuildContext


def build(context: BuildContext) -> EditionResult:
    raise NotImplementedError("the epub edition is not built yet")
