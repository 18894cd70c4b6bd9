"""A finding: what linters print, one per line, ``path:line:col: CODE message``.

Every check (terminology, consent, structure, draft marks, plain English, built files)
returns these, so the CLI formats them one way for text, JSON, GitHub and SARIF.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    severity: str
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}"
        if self.suggestion:
            text += f" (suggestion: {self.suggestion})"
        return text

    def as_json(self) -> dict:
        return asdict(self)


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in ``text``."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column
