#!/usr/bin/env python3
"""The least memory pandoc needs to render one chapter, under each GC setting (not a test).

The peak-memory target (a build's largest process at most 0.6 × bare single-pass
WeasyPrint) cannot be met by any build whose render needs more than that for the
smallest piece of work it can be cut into: one chapter, parsed, indexed and rendered
with the report's filters, alone in its pandoc processes. This measures that piece as a
one-chapter edit makes it (the rest of the book from the render's cache), once per
setting of pandoc's runtime (``+RTS``: allocation area, heap, old generation,
compaction) that could lower it, each in a fresh process: the largest pandoc process
(the kernel's ``ru_maxrss`` of the process's children; the render starts nothing else)
and the pandoc CPU it took.

Why no setting gets far below: pandoc's runtime makes its first major collection soon
after the start (GHC starts the old generation at zero), and that collection reads
about 75 MiB of pandoc's 162 MB static binary; only a process that never allocates
twice its allocation area escapes it, and a render allocates far more (+RTS -S).

Usage: scripts/render_floor.py [--root TREE] [--chapter chapters/X.md] [--rts "-A4m ..."]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "scripts"))

# The toolkit's own setting first (report.render.pandoc.RTS_OPTIONS), then pandoc as
# shipped (-H64m), smaller and larger allocation areas, and compaction.
SETTINGS = ("-A4m -H1m -O32m", "", "-A1m -H1m -O32m", "-A2m -H1m -O32m", "-A16m -H1m",
            "-A64m -H1m", "-A4m -H1m -O32m -c")


def child(root: Path, chapter: str, rts: str) -> dict:
    """Render the tree after an edit of ``chapter`` with pandoc run under ``rts``; the
    caches stay as they were (held, then dropped), so every setting meets the same."""
    from report.manuscript import load
    from report.render import caches_dropped, caches_held, pandoc, render

    pandoc.RTS_OPTIONS[:] = ["+RTS", *rts.split(), "-RTS"]
    path = root / chapter
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "\n\nA sentence for the measure.\n",
                    encoding="utf-8")
    try:
        with caches_held():
            render(load(root))
        caches_dropped()
    finally:
        path.write_text(original, encoding="utf-8")
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"peak_mib": used.ru_maxrss / 1024, "cpu": used.ru_utime + used.ru_stime}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE)
    parser.add_argument("--chapter", help="the chapter edited (default: the largest)")
    parser.add_argument("--rts", action="append", help="a setting (default: seven)")
    parser.add_argument("--child", nargs=3, metavar=("ROOT", "CHAPTER", "RTS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        root, chapter, rts = args.child
        print(json.dumps(child(Path(root), chapter, rts)))
        return
    from bench_serve import copy_tree

    from report.manuscript import load
    from report.render import render

    with tempfile.TemporaryDirectory(prefix="render-floor-") as tmp:
        root = copy_tree(args.root.resolve(), Path(tmp) / "tree")
        (root / "build").mkdir()  # the render keeps its caches only in a build/
        manuscript = load(root)
        render(manuscript)  # the whole book once: the cache an edit finds
        chapters = {c.rel: c for c in manuscript.chapters}
        if args.chapter is not None and args.chapter not in chapters:
            parser.error(f"{args.chapter}: not a chapter of the tree (nav in mkdocs.yml)")
        chapter = args.chapter or max(chapters.values(), key=lambda c: len(c.text)).rel
        print(f"tree: {args.root.resolve()}  chapter edited: {chapter}")
        print(f"{'pandoc +RTS':24} {'largest pandoc MiB':>18} {'pandoc CPU s':>13}")
        for rts in args.rts or SETTINGS:
            said = subprocess.run([sys.executable, __file__, "--child", str(root), chapter,
                                   rts], capture_output=True, text=True, check=True).stdout
            figures = json.loads(said.strip().splitlines()[-1])
            print(f"{rts or '(as shipped)':24} {figures['peak_mib']:18.0f} "
                  f"{figures['cpu']:13.2f}")


if __name__ == "__main__":
    main()
