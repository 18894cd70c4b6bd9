"""Bad input, reported the way compilers and linters do.

Every problem in a file the user edits becomes one line ``path:line: message`` and the
command exits 2 without writing anything. Collecting problems (rather than stopping at
the first) lets the author fix a whole batch in one go.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


@dataclass(frozen=True)
class Problem:
    """One problem in an input file; ``line`` and ``column`` are 1-based, or None."""

    path: str
    line: int | None
    message: str
    column: int | None = None

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class InputError(Exception):
    """Raised with every problem found; the CLI prints them and exits 2."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class BuildStopped(Exception):
    """A build that cannot produce a correct file stops, with one line saying why;
    nothing is written (the CLI exits 1)."""
