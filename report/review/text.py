"""The same text whatever the typography: folding for matching quotes.

Reviewers quote what they read (Word's curly quotes, the PDF's ligatures and soft
hyphens, a spreadsheet's straight quotes); the manuscript has its own. Matching compares
both folded, and keeps a map back to the original offsets.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass

_FOLD = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "\u2026": "...",
}
_DROP = set("\u00ad\u200b\u200c\u200d\u2060\ufeff")


@dataclass(frozen=True)
class Normalised:
    """Text folded for matching; ``index[j]`` is the offset in the original of char ``j``."""

    text: str
    index: list[int]

    def to_original(self, offset: int) -> int:
        return self.index[min(max(offset, 0), len(self.index) - 1)]

    def to_original_end(self, offset: int) -> int:
        """Original offset just after the normalised range ending at ``offset``."""
        if offset <= 0:
            return self.index[0]
        return self.index[min(offset, len(self.index) - 1) - 1] + 1

    def from_original(self, offset: int) -> int:
        return bisect_left(self.index, offset, hi=len(self.index) - 1)


_SPECIAL = re.compile(r"[^\x21-\x7e ]|  +")


def normalise(text: str) -> Normalised:
    """Fold typography so that Word's, the PDF's and the Markdown's text compare equal.

    Curly quotes become straight, dashes become ``-``, the ellipsis three dots; soft
    hyphens and zero-width characters vanish; any run of whitespace (non-breaking
    spaces, tabs, line breaks) becomes one space; compatibility characters (ligatures,
    full-width forms) are decomposed. Plain ASCII runs are copied in bulk: this runs
    over whole chapters at every status.
    """
    chars: list[str] = []
    index: list[int] = []
    at = 0
    last_space = False

    for match in _SPECIAL.finditer(text):
        a, b = at, match.start()
        if a < b and text[a] == " " and last_space:
            a += 1
        if a < b:
            chars.append(text[a:b])
            index.extend(range(a, b))
            last_space = text[b - 1] == " "
        at = match.end()
        for position in range(match.start(), match.end()):
            ch = text[position]
            if ch in _DROP:
                continue
            if ch.isspace():
                if not last_space:
                    chars.append(" ")
                    index.append(position)
                    last_space = True
                continue
            last_space = False
            folded = _FOLD.get(ch)
            if folded is None:
                folded = unicodedata.normalize("NFKC", ch)
            chars.append(folded)
            index.extend([position] * len(folded))
    a, b = at, len(text)
    if a < b and text[a] == " " and last_space:
        a += 1
    if a < b:
        chars.append(text[a:b])
        index.extend(range(a, b))
    index.append(len(text))
    return Normalised("".join(chars), index)


def fold(text: str) -> str:
    """Normalised text only, trimmed: for comparing two short strings."""
    return normalise(text).text.strip()
