#!/usr/bin/env python3
"""How long the render takes: whole book in one pandoc run, and chapter by chapter.

For a report tree (the bundled report by default; a corpus tree from corpus_tree.py for
scale), copied to a temporary folder, in this process, after the imports and with every
chapter's parse cached (both routes share the parses): the whole-book render (the one
pandoc run the chapter-wise render is tested against), then the chapter-wise render cold
(no ``build/.cache/index`` or ``render``), with no change, and after a one-chapter edit
(a sentence appended to the middle chapter). ``bench_render(root)`` returns the figures
for scripts/bench.py to print. With ``--profile``: the whole-book pass step by step
(``profile_chain``), to see where its time goes.

Usage: scripts/bench_render.py [--profile] [TREE]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

import report.render as rendering
from report.manuscript import load
from report.render import pandoc, parse

HERE = Path(__file__).resolve().parent


def _cpu() -> float:
    """CPU seconds of this process and the pandoc processes it waited for."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(root: Path, **options: bool) -> tuple[float, float]:
    """Wall and CPU seconds of one render (CPU: the figure a busy machine blurs least)."""
    rendering._memo.clear()  # the in-process memo would answer at once
    manuscript = load(root)
    start, cpu = time.perf_counter(), _cpu()
    rendering.render(manuscript, **options)
    return time.perf_counter() - start, _cpu() - cpu


def bench_render(tree: Path) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds for each way of rendering a copy of ``tree``."""
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        root = Path(tmp) / "tree"
        shutil.copytree(tree, root, ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "node_modules", "tests", "*.egg-info", "__pycache__",
            ".pytest_cache", ".ruff_cache"))
        manuscript = load(root)
        parse.parse_chapters(manuscript.chapters,
                             parse.ParseCache(manuscript.build_dir / ".cache" / "parse"))[0]
        return _figures(root)


def _figures(root: Path) -> dict[str, tuple[float, float]]:
    figures = {"whole book, one pandoc run": _timed(root, whole_book=True)}
    for folder in ("index", "render"):
        shutil.rmtree(root / "build" / ".cache" / folder, ignore_errors=True)
    figures["chapter by chapter, cold"] = _timed(root)
    figures["chapter by chapter, no change"] = _timed(root)
    chapters = load(root).chapters
    middle = chapters[len(chapters) // 2].path
    with middle.open("a", encoding="utf-8") as handle:
        handle.write("\n\nAn edit for the benchmark.\n")
    figures["chapter by chapter, one chapter edited"] = _timed(root)
    return figures


def profile_chain(tree: Path) -> list[tuple[str, float]]:
    """Where a whole-book pass spends its time: pandoc reading and writing the book's
    JSON, then with each filter of the chain added, citeproc, and the HTML writer
    (emit.lua), each run on the parsed book (seconds, cumulative)."""
    manuscript = load(tree)
    cache = parse.ParseCache(manuscript.build_dir / ".cache" / "parse")
    document, _ = parse.parse_document(manuscript, cache)
    data = json.dumps(document).encode("utf-8")
    bib_args, _ = rendering._bibliography_args(manuscript)
    steps: list[tuple[str, list[str]]] = [("read and write JSON", [])]
    for name in rendering.FILTER_CHAIN:
        steps.append((f"+ {name}", [*steps[-1][1], "--lua-filter", pandoc.filter_path(name)]))
    steps.append(("+ citeproc", [*steps[-1][1], "--citeproc", *bib_args]))
    with tempfile.TemporaryDirectory() as tmp:
        steps.append(("+ emit.lua (HTML writer)", [
            *steps[-1][1], "-M", f"report-html-out={Path(tmp) / 'out.html'}",
            "--lua-filter", pandoc.filter_path("emit.lua")]))
        timings = []
        for label, args in steps:
            start = time.perf_counter()
            pandoc.run(["-f", "json", "-t", "json", *args], stdin=data)
            timings.append((label, time.perf_counter() - start))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", type=Path, default=HERE.parent)
    parser.add_argument("--profile", action="store_true",
                        help="time the whole-book pass step by step instead")
    args = parser.parse_args()
    if args.profile:
        for label, seconds in profile_chain(args.tree.resolve()):
            print(f"{label:42} {seconds:7.2f} s")
        return
    figures = bench_render(args.tree.resolve())
    whole, whole_cpu = figures["whole book, one pandoc run"]
    print(f"{'render':42} {'wall':>8} {'× whole':>8} {'CPU':>8} {'× whole':>8}")
    for name, (wall, cpu) in figures.items():
        print(f"{name:42} {wall:7.2f}s {wall / whole:8.2f} {cpu:7.2f}s {cpu / whole_cpu:8.2f}")


if __name__ == "__main__":
    main()
