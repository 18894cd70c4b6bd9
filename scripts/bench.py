#!/usr/bin/env python3
"""Benchmark: the toolkit's build of each edition beside bare pandoc + WeasyPrint.

Whole processes are timed (wall clock and peak memory from the kernel's accounting of
each finished child), each several times, and the median is printed with the ratio to
the bare pipeline, so the overhead of the toolkit is known. Not a test: run it by hand
or with ``make bench``. Usage: scripts/bench.py [--root TREE] [--runs N] [--editions ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))


def measure(command: list[str], cwd: Path, runs: int, setup=None) -> tuple[float, float]:
    """Median wall seconds and median peak RSS (MiB) of ``command`` over ``runs`` runs."""
    walls, peaks = [], []
    for _ in range(runs):
        if setup:
            setup()
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(command)}")
    return statistics.median(walls), statistics.median(peaks)


def bare_pipeline(root: Path, work: Path) -> tuple[list[str], list[str]]:
    """pandoc (citeproc, standalone HTML) then WeasyPrint on the same chapters and CSS."""
    from report.manuscript import load
    from report.render import pandoc

    manuscript = load(root)
    chapters = [str(c.path) for c in manuscript.chapters]
    bibs = [arg for name in manuscript.manifest.bibliography
            for arg in ("--bibliography", str(root / name))]
    html = work / "bare.html"
    pandoc_cmd = [pandoc.binary(), "-s", "--citeproc", *bibs, "-M", "title=Bare",
                  "-M", f"lang={manuscript.manifest.language}",  # hyphenation, as ours
                  "--resource-path", str(root / manuscript.manifest.docs_dir), *chapters,
                  "-o", str(html)]
    css = HERE / "report" / "styles" / "paged.css"
    weasy_cmd = [str(BIN / "weasyprint"), "-s", str(css), "-u",
                 str(root / manuscript.manifest.docs_dir) + "/", str(html), str(work / "bare.pdf")]
    return pandoc_cmd, weasy_cmd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--editions", nargs="*", default=["print", "digital", "web", "docx",
                                                           "epub"])
    args = parser.parse_args()
    root = args.root.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pandoc_cmd, weasy_cmd = bare_pipeline(root, work)
        bare_pandoc = measure(pandoc_cmd, root, args.runs)
        bare_weasy = measure(weasy_cmd, root, args.runs)
        bare = (bare_pandoc[0] + bare_weasy[0], max(bare_pandoc[1], bare_weasy[1]))
        rows = [("bare pandoc (markdown → HTML)", *bare_pandoc),
                ("bare WeasyPrint (HTML → PDF)", *bare_weasy),
                ("bare pandoc + WeasyPrint", *bare)]
        def clean() -> None:
            """Every run from a cold cache: the toolkit's caches live in build/.cache."""
            shutil.rmtree(root / "build" / ".cache", ignore_errors=True)

        for edition in args.editions:
            command = [str(BIN / "report"), "--root", str(root), "build", edition]
            wall, peak = measure(command, root, args.runs, setup=clean)
            rows.append((f"report build {edition}", wall, peak))
    print(f"tree: {root}  runs: {args.runs}  cores: {os.cpu_count()}")
    print(f"{'command':40} {'wall s':>8} {'peak MiB':>9} {'× bare':>7}")
    for name, wall, peak in rows:
        print(f"{name:40} {wall:8.2f} {peak:9.0f} {wall / bare[0]:7.2f}")


if __name__ == "__main__":
    main()
