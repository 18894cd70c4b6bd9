"""Precision and recall of the name check on tests/names/labelled.txt and heldout.txt.

Run as a script to print the figures: ``.venv/bin/python tests/names/measure.py``. A
found span counts when it overlaps a marked name; precision is found spans that are names
over all found, recall marked names found over all marked.
"""

from __future__ import annotations

import re
from pathlib import Path

from report.checks.names import find_names

LABELLED = Path(__file__).with_name("labelled.txt")
HELDOUT = Path(__file__).with_name("heldout.txt")
_MARK = re.compile(r"\[\[(.+?)\]\]")


def labelled(path: Path = LABELLED) -> tuple[str, list[tuple[int, int]]]:
    """The sentences as one text (a paragraph each) and the offsets of the marked names."""
    text, gold = "", []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        position = len(text)
        plain = ""
        last = 0
        for match in _MARK.finditer(line):
            plain += line[last:match.start()]
            start = position + len(plain)
            plain += match.group(1)
            gold.append((start, position + len(plain)))
            last = match.end()
        plain += line[last:]
        text += plain + "\n\n"
    return text, gold


def measure(path: Path = LABELLED) -> dict:
    text, gold = labelled(path)
    found = find_names(text)
    hit = [f for f in found if any(f[0] < g[1] and g[0] < f[1] for g in gold)]
    caught = [g for g in gold if any(f[0] < g[1] and g[0] < f[1] for f in found)]
    return {
        "sentences": text.count("\n\n"),
        "names": len(gold),
        "found": len(found),
        "precision": len(hit) / len(found) if found else 0.0,
        "recall": len(caught) / len(gold) if gold else 0.0,
        "false_positives": [text[a:b] for a, b in found if (a, b) not in hit],
        "missed": [text[a:b] for a, b in gold if (a, b) not in caught],
        "exact": sum(1 for f in found if f in gold),
    }


if __name__ == "__main__":
    for path in (LABELLED, HELDOUT):
        print(f"== {path.name}")
        for key, value in measure(path).items():
            print(f"{key}: {value}")
