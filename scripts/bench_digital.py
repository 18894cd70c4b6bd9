#!/usr/bin/env python3
"""The digital edition at scale, side by side in one run (not a test).

For the bundled report and for a tree made from the Rust book (../shared/corpora,
about 470 pages), it times whole processes and reads their peak memory from the kernel
(``wait4``, as ``/usr/bin/time -v`` does: the largest single process, not the sum of
parallel workers):

- bare single-pass WeasyPrint, tagged (PDF/UA-1), on the toolkit's own digital HTML and
  CSS as one document;
- ``report build digital`` from a cold cache with every core;
- the rebuild after editing one mid-book chapter.

Usage: scripts/bench_digital.py [--corpus DIR] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "scripts"))

from bench import measure  # noqa: E402
from bench_scale import DEFAULT_CORPUS, git_commit, single_pass_html  # noqa: E402
from corpus_tree import make_tree  # noqa: E402

BUNDLED_SKIP = (".git", ".venv", "build", "node_modules", "tests", ".pytest_cache",
                "*.egg-info", "__pycache__", ".ruff_cache", ".hypothesis")


def bare_tagged_command(root: Path, work: Path, name: str) -> list[str]:
    """WeasyPrint, tagged (PDF/UA-1), in one pass over the toolkit's digital HTML and CSS
    as one document (written into ``work`` first)."""
    from report.manuscript import load

    html = work / f"{name}.html"
    single_pass_html(root, html, "digital")
    styles = HERE / "report" / "styles"
    return [str(BIN / "weasyprint"), "--pdf-variant", "pdf/ua-1",
            "-s", str(styles / "paged.css"), "-s", str(styles / "digital.css"),
            "-s", str(html.with_suffix(".css")),
            "-u", str(root / load(root).manifest.docs_dir) + "/", str(html),
            str(work / f"{name}.pdf")]


def bench(name: str, root: Path, work: Path, jobs: int) -> list[tuple[str, float, float]]:
    from report.manuscript import load

    manuscript = load(root)
    bare = measure(bare_tagged_command(root, work, name), root, 1)

    def cold() -> None:
        shutil.rmtree(root / "build", ignore_errors=True)

    build = [str(BIN / "report"), "--root", str(root), "build", "digital", "--jobs", str(jobs)]
    middle = manuscript.chapters[len(manuscript.chapters) // 2].path
    edits = iter(range(10**6))

    def edit() -> None:
        with middle.open("a", encoding="utf-8") as handle:
            handle.write(f"\n\nAn edit for the benchmark, number {next(edits)}.\n")

    # As scripts/bench.py: an author's tree mid-work, with an uncommitted edit before
    # the cold build. Otherwise the edit timed is the first after a commit, which also
    # changes the draft stamp ("modified") on every page of the book.
    edit()
    first = measure(build, root, 1, setup=cold)
    again = measure(build, root, 1, setup=edit)
    return [(f"{name}: bare single-pass WeasyPrint (tagged)", *bare),
            (f"{name}: digital cold build, {jobs} jobs", *first),
            (f"{name}: digital rebuild after one chapter edit", *again)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    rows: list[tuple[str, float, float]] = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-digital-") as tmp:
        work = Path(tmp)
        bundled = work / "bundled"
        shutil.copytree(HERE, bundled, ignore=shutil.ignore_patterns(*BUNDLED_SKIP))
        git_commit(bundled)
        rows += bench("bundled", bundled, work, args.jobs)
        corpus = make_tree(args.corpus.resolve(), work / "corpus")
        git_commit(corpus)
        rows += bench("corpus", corpus, work, args.jobs)
    # The machine may be shared: ratios are taken within one run, and the load is said.
    print(f"cores: {os.cpu_count()}  jobs: {args.jobs}  load average (1, 5, 15 min) "
          f"before: {' '.join(f'{x:.2f}' for x in load_before)}  after: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'command':52} {'wall s':>8} {'peak MiB':>9}")
    for name, wall, peak in rows:
        print(f"{name:52} {wall:8.2f} {peak:9.0f}")
    print("\nratios (target in brackets):")
    for index, name in ((0, "bundled"), (3, "corpus")):
        bare, cold, rebuild = rows[index:index + 3]
        print(f"  {name}: rebuild / cold {rebuild[1] / cold[1]:5.2f} (≤ 0.20)   "
              f"cold / bare {cold[1] / bare[1]:5.2f} (≤ 0.70)   "
              f"peak / bare {cold[2] / bare[2]:5.2f} (≤ 0.60)")


if __name__ == "__main__":
    main()
