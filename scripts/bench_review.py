#!/usr/bin/env python3
"""The review engine at scale: one stage per run, timed from inside (not a test).

- ``import``: a review file of 1,000 comments on random quotes, imported into a round
  (`report review import` does the same: read, locate, write, commit);
- ``anchor``: 10,000 comments recorded at the round, re-anchored after 5% of the
  paragraphs were edited in the working tree (the edits are undone afterwards).

Prints one JSON object: the stage, the seconds the operation took, and counts. The
round's Readings (its chapters' text as the render gave it, aligned with the Markdown)
are made while the benchmark sets up (its own RoundText, from the render of the round's
commit kept in the repository) and kept in the repository's git folder:

- ``seconds``: the operation with the Readings in memory, as in a process that has read
  the round already;
- ``seconds_fresh``: the same operation again with the in-memory Readings dropped, so
  they are loaded from the repository's cache, as every ``report review import`` or
  ``status`` after the round's first does;
- ``readings_seconds``: making all the round's Readings from the render's blocks, once
  per round (the first import or status pays it, on top of ``seconds_fresh``).

The render itself is cached in all three. The edited chapters of ``anchor`` are never
rendered: their Readings are the round's carried through the edit (``reading.derive``),
inside both timings.
Usage: scripts/bench_review.py import|anchor TREE
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from report.manuscript import load  # noqa: E402
from report.review import model  # noqa: E402
from report.review.anchoring import Anchorer  # noqa: E402
from report.review.importers import RoundText  # noqa: E402
from report.review.paragraphs import by_chapter, reading_of, round_blocks  # noqa: E402
from report.review.reading import read  # noqa: E402
from report.review.store import import_file  # noqa: E402

ROUND = "bench"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.org",
                           *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout.strip()


def ensure_round(root: Path) -> model.Round:
    try:
        return model.get_round(root, ROUND)
    except Exception:  # no such round yet: open one on the current commit
        model.write_round(root, model.Round(ROUND, git(root, "rev-parse", "HEAD"),
                                            "2021-11-01"))
        git(root, "add", "-A", "review")
        git(root, "commit", "-qm", "open the benchmark round")
        return model.get_round(root, ROUND)


def random_quote(rng: random.Random, paragraphs) -> tuple[object, str]:
    while True:
        paragraph = rng.choice(paragraphs)
        words = paragraph.text.split(" ")
        if len(words) >= 4:
            start = rng.randrange(len(words) - 2)
            return paragraph, " ".join(words[start:start + rng.randint(2, 8)])


def stage_import(root: Path, round_text: RoundText, rng: random.Random) -> dict:
    lines = ["reviewer: {id: bench, name: Bench Reviewer}", "comments:"]
    for number in range(1000):
        paragraph, quote = random_quote(rng, round_text.paragraphs)
        lines += [f"  - body: Comment {number}", "    target:",
                  f"      source: {paragraph.chapter}", "      selector:",
                  f"        - {{type: TextQuoteSelector, exact: {json.dumps(quote)}}}"]
    source = root.parent / "bench-review.yaml"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    start = time.perf_counter()
    outcome = import_file(root, source, ROUND, "bench")
    seconds = time.perf_counter() - start
    git(root, "reset", "-q", "--hard", "HEAD~1")  # the same import again, Readings unmade
    reading_of.cache_clear()
    start = time.perf_counter()
    again = import_file(root, source, ROUND, "bench")
    fresh = time.perf_counter() - start
    git(root, "reset", "-q", "--hard", "HEAD~1")
    assert again.total == outcome.total
    return {"seconds": seconds, "seconds_fresh": fresh, "comments": outcome.total}


def stage_anchor(root: Path, round_text: RoundText, rng: random.Random) -> dict:
    comments = []
    for number in range(10000):
        paragraph, quote = random_quote(rng, round_text.paragraphs)
        target = round_text.locate(quote, rel=paragraph.chapter, paragraph=paragraph)
        comments.append(model.Comment(id=f"c-{number}", body="x", target=target))
    edited = rng.sample(round_text.paragraphs, len(round_text.paragraphs) // 20)
    by_chapter: dict[str, list] = {}
    for paragraph in edited:
        by_chapter.setdefault(paragraph.chapter, []).append(paragraph)
    try:
        for rel, paragraphs in by_chapter.items():
            path = root / rel
            text = path.read_text(encoding="utf-8")
            for p in sorted(paragraphs, key=lambda p: -p.start):
                text = (text[:p.start] + "Edited: "
                        + text[p.start:p.end].replace(" the ", " a ", 1) + text[p.end:])
            path.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        anchors = Anchorer(load(root)).anchor_all(comments)
        seconds = time.perf_counter() - start
        reading_of.cache_clear()
        start = time.perf_counter()
        again = Anchorer(load(root)).anchor_all(comments)
        fresh = time.perf_counter() - start
    finally:
        git(root, "checkout", "-q", "--", ".")
    assert again == anchors
    states = Counter(anchor.status for anchor in anchors.values())
    return {"seconds": seconds, "seconds_fresh": fresh, "comments": len(comments),
            "anchors": dict(states)}


def readings_seconds(round_text: RoundText) -> float:
    """Making every chapter's Reading at the round from the render's blocks."""
    found = by_chapter(round_blocks(round_text.history, round_text.commit, [
        (c.rel, c.source) for c in round_text.corpus.chapters], round_text.manuscript.build_dir))
    start = time.perf_counter()
    for chapter in round_text.corpus.chapters:
        read(chapter.source, found.get(chapter.rel, ()))
    return time.perf_counter() - start


def main() -> None:
    stage, root = sys.argv[1], Path(sys.argv[2]).resolve()
    rng = random.Random(1)
    round_ = ensure_round(root)
    round_text = RoundText(load(root), round_)
    result = (stage_import if stage == "import" else stage_anchor)(root, round_text, rng)
    result["readings_seconds"] = readings_seconds(round_text)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"stage": stage, **result, "peak_mib": peak}))


if __name__ == "__main__":
    main()
