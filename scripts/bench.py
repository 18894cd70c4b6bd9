#!/usr/bin/env python3
"""Benchmark: every edition and whole builds beside bare pandoc + WeasyPrint, in one table.

On a committed copy of a report tree (the bundled report by default; ``make bench-scale`` runs the
same table on the Rust-book corpus), it times whole processes, each from a cold cache
unless said otherwise, and reads their peak memory from the kernel (``wait4``, as
``/usr/bin/time -v`` does: the largest process of the tree, not the sum of workers):

- bare pandoc (Markdown → HTML) and bare single-pass WeasyPrint on the toolkit's own
  single-pass HTML and CSS, print and tagged digital (what a one-pass tool does);
- ``report build EDITION`` cold, for each of the five editions;
- ``report build`` (all five) cold, after a one-chapter edit, and with no change;
- the live preview: seconds from a chapter's save to its new text in Chromium, median
  of 10 saves;

then the ratios against issue 18's targets, each marked met or missed, in the same
table. The tree has an uncommitted edit before the first build, as an author's tree
has while writing: a first edit after a commit changes the draft stamp on every page.

Not a test: run it by hand or with ``make bench``.
Usage: scripts/bench.py [--root TREE] [--runs N] [--jobs N] [--preview-runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "scripts"))

EDITIONS = ("print", "digital", "web", "docx", "epub")


TIME = Path("/usr/bin/time")


def measure(command: list[str], cwd: Path, runs: int, setup=None,
            expect: str | None = None) -> tuple[float, float]:
    """Median wall seconds and median peak RSS (MiB) of ``command`` over ``runs`` runs.

    The peak is the kernel's maximum resident set of the command and each of its
    descendants (GNU time's %M; the largest single process, not a sum). GNU time starts
    it, not this script: a child forked from this (large) Python process would inherit
    its resident set as a starting peak. ``expect``: text the command must print on
    stderr (the no-change build says so), else the benchmark stops.
    """
    walls, peaks = [], []
    for _ in range(runs):
        if setup:
            setup()
        with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
            peak_file, err_file = Path(tmp) / "peak", Path(tmp) / "stderr"
            timed = [str(TIME), "-f", "%M", "-o", str(peak_file), *command] \
                if TIME.exists() else command
            start = time.perf_counter()
            with err_file.open("w") as err:
                proc = subprocess.Popen(timed, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
                _, status, usage = os.wait4(proc.pid, 0)
            walls.append(time.perf_counter() - start)
            said = err_file.read_text(errors="replace")
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"failed: {' '.join(command)}\n{said[-2000:]}")
            if expect is not None and expect not in said:
                raise SystemExit(f"{' '.join(command)} did not say {expect!r}:\n{said[-2000:]}")
            kib = peak_file.read_text().split()[-1] if TIME.exists() else usage.ru_maxrss
            peaks.append(int(kib) / 1024)
    return statistics.median(walls), statistics.median(peaks)


def bare_pandoc_command(root: Path, work: Path) -> list[str]:
    """pandoc alone (citeproc when the tree has a bibliography, standalone HTML)."""
    from report.manuscript import load
    from report.render import pandoc

    manuscript = load(root)
    chapters = [str(c.path) for c in manuscript.chapters]
    bibs = [arg for name in manuscript.manifest.bibliography
            for arg in ("--bibliography", str(root / name))]
    return [pandoc.binary(), "-s", *(["--citeproc"] if bibs else []), *bibs,
            "-M", "title=Bare", "-M", f"lang={manuscript.manifest.language}",
            "--resource-path", str(root / manuscript.manifest.docs_dir), *chapters,
            "-o", str(work / "bare.html")]


def pdf_pages(path: Path) -> int:
    import pikepdf

    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


@dataclass
class Row:
    name: str
    wall: float | None = None
    peak: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None

    def __post_init__(self) -> None:
        # Said as soon as measured: a long run that stops late keeps what it measured.
        figures = " ".join(f"{value:.2f}" for value in (self.wall, self.peak, self.ratio)
                           if value is not None)
        print(f"  {self.name}: {figures}", file=sys.stderr, flush=True)


def _ratio(name: str, value: float, limit: float, unit: str = "×") -> Row:
    return Row(name, ratio=value, target=f"≤ {limit:g}{'' if unit == '×' else ' ' + unit}",
               met=value <= limit)


def table(root: Path, *, runs: int, jobs: int, corpus: bool, preview_runs: int) -> list[Row]:
    """Every figure of the benchmark on the tree at ``root`` (changed: builds, an edit)."""
    from bench_digital import bare_tagged_command
    from bench_scale import bare_print_command
    from bench_serve import serve_latency

    from report.manuscript import load

    manuscript = load(root)
    middle = manuscript.chapters[len(manuscript.chapters) // 2].path
    edits = iter(range(10**6))

    def edit() -> None:
        with middle.open("a", encoding="utf-8") as handle:
            handle.write(f"\n\nAn edit for the benchmark, number {next(edits)}.\n")

    def cold() -> None:
        shutil.rmtree(root / "build", ignore_errors=True)

    edit()  # an author's tree, mid-work: uncommitted edits already (see the docstring)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-bare-") as tmp:
        work = Path(tmp)
        pandoc_wall, pandoc_peak = measure(bare_pandoc_command(root, work), root, runs)
        rows.append(Row("bare pandoc (Markdown → HTML)", pandoc_wall, pandoc_peak))
        bare = {}
        for edition, command in (("print", bare_print_command(root, work, "print")),
                                 ("digital", bare_tagged_command(root, work, "digital"))):
            wall, peak = measure(command, root, runs)
            pages = pdf_pages(work / f"{edition}.pdf")
            # time: pandoc + WeasyPrint; memory: the single pass of WeasyPrint, the
            # figure the memory target is set against
            bare[edition] = (pandoc_wall + wall, peak, pages)
            rows.append(Row(f"bare single-pass WeasyPrint, {edition} ({pages} pages)", wall, peak))
            rows.append(Row(f"bare pandoc + WeasyPrint, {edition}", bare[edition][0],
                            max(pandoc_peak, peak)))

    build = [str(BIN / "report"), "--root", str(root), "build", "--jobs", str(jobs)]
    cold_rows: dict[str, tuple[float, float, int | None]] = {}
    for edition in EDITIONS:
        wall, peak = measure([*build, edition], root, runs, setup=cold)
        entry = json.loads((root / "build" / "manifest.json").read_text())["editions"][edition]
        cold_rows[edition] = (wall, peak, entry.get("pages"))
        pages = f" ({entry['pages']} pages)" if entry.get("pages") else ""
        rows.append(Row(f"report build {edition}, cold{pages}", wall, peak))
    all_cold = measure(build, root, runs, setup=cold)
    rows.append(Row(f"report build (all five), cold, {jobs} jobs", *all_cold))
    after_edit = measure(build, root, runs, setup=edit)
    rows.append(Row("report build (all five) after a one-chapter edit", *after_edit))
    unchanged = measure(build, root, runs, expect="nothing changed since the last build")
    rows.append(Row("report build (all five) with no change", *unchanged))

    try:
        preview = serve_latency(root, middle.relative_to(root).as_posix(), preview_runs)
    except Exception as exc:  # noqa: BLE001 - the builds' figures are still worth printing
        preview = None
        rows.append(Row(f"preview: failed ({type(exc).__name__}: {str(exc)[:60]})"))
    else:
        latency = statistics.median(preview["figures"])
        rows.append(Row(f"preview: save → new text on screen ({preview['how']}, median of "
                        f"{len(preview['figures'])})", latency, preview["peak"]))

    per_page = 0.6 if corpus else 1.2
    rows.append(_ratio("one-chapter edit / cold (all five)", after_edit[0] / all_cold[0], 0.1))
    rows.append(_ratio("no-change build, seconds", unchanged[0], 1.0, "s"))
    for edition in ("print", "digital"):
        wall, peak, pages = cold_rows[edition]
        bare_wall, bare_peak, bare_pages = bare[edition]
        ratio = (wall / (pages or bare_pages)) / (bare_wall / bare_pages)
        rows.append(_ratio(f"{edition} cold / bare pandoc + WeasyPrint, per page", ratio,
                           per_page))
        rows.append(_ratio(f"{edition} cold peak memory / bare single-pass WeasyPrint",
                           peak / bare_peak, 0.6))
    if preview is not None:
        rows.append(_ratio("preview latency, seconds (median of 10 saves)", latency, 0.5, "s"))
    return rows


def print_table(rows: list[Row], header: str) -> None:
    print(header)
    print(f"{'measure':62} {'wall s':>8} {'peak MiB':>9} {'ratio':>7} {'target':>8}  verdict")
    for row in rows:
        wall = f"{row.wall:8.2f}" if row.wall is not None else " " * 8
        peak = f"{row.peak:9.0f}" if row.peak is not None else " " * 9
        ratio = f"{row.ratio:7.2f}" if row.ratio is not None else " " * 7
        verdict = "" if row.met is None else ("met" if row.met else "MISSED")
        print(f"{row.name:62} {wall} {peak} {ratio} {row.target:>8}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--preview-runs", type=int, default=10)
    args = parser.parse_args()
    from bench_serve import copy_tree

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        # A committed copy: the benchmark edits a chapter and deletes build/.
        root = copy_tree(args.root.resolve(), Path(tmp) / "tree")
        rows = table(root, runs=args.runs, jobs=args.jobs, corpus=False,
                     preview_runs=args.preview_runs)
    print_table(rows, f"tree: {args.root.resolve()}  runs: {args.runs}  jobs: {args.jobs}  "
                      f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
