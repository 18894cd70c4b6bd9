#!/usr/bin/env python3
"""Where a preview save's time goes: ``report serve``'s rebuild, step by step.

On a copy of a report tree (the bundled report by default), builds the site as ``report
serve`` does, then several times appends a sentence to a chapter and rebuilds it as the
server's builder does (the render started ahead in a thread while MkDocs loads its
configuration), printing for each save the time from the save at which each step ended:
the first pandoc run started, MkDocs' configuration loaded, the plugin's configuration
step started (it waits for the render), the last pandoc run ended, the render ended, the
plugin's configuration step ended, the site was written. Then the median of each, and the
pandoc processes a save ran. No browser: ``scripts/bench_serve.py`` measures save to
screen. Run by hand; the steps are found by wrapping the toolkit's functions.

Usage: scripts/serve_steps.py [--root TREE] [--chapter chapters/01-introduction.md] [--runs N]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_serve import copy_tree  # noqa: E402


class Steps:
    """Time stamps of one save, from the save: the first of each name is kept."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.marks: dict[str, float] = {}
        self.pandoc = 0

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, time.monotonic() - self.start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE.parent, help="report tree (copied)")
    parser.add_argument("--chapter", default="chapters/01-introduction.md")
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()

    from mkdocs.commands.build import build as mkdocs_build

    import report.render as rendering
    from report import fingerprint
    from report.editions import web, web_plugin
    from report.manuscript import load
    from report.render import pandoc
    from report.render.cache import entries_remembered

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    steps = Steps()
    real_run, real_config = pandoc.run, web_plugin.ReportPlugin.on_config

    def run(*a, **k):
        steps.mark("pandoc started")
        steps.pandoc += 1
        try:
            return real_run(*a, **k)
        finally:
            steps.marks["pandoc ended"] = time.monotonic() - steps.start

    def on_config(plugin, config):
        steps.mark("plugin waits for the render")
        try:
            return real_config(plugin, config)
        finally:
            steps.mark("plugin configured")

    pandoc.run = run
    web_plugin.ReportPlugin.on_config = on_config
    rows: list[Steps] = []
    with tempfile.TemporaryDirectory(prefix="serve-steps-") as tmp:
        root = copy_tree(args.root.resolve(), Path(tmp) / "tree")
        (root / "notes.txt").write_text("work in progress\n", encoding="utf-8")
        site = Path(tmp) / "site"
        url = "http://127.0.0.1:8000/"
        with entries_remembered():
            state = web_plugin.SiteState(salt=fingerprint.toolkit(root / "build"))

            def build(config=None) -> None:
                config = config or web.site_config(root, str(site), dev_addr="127.0.0.1:8000",
                                                   incremental=state)
                steps.mark("MkDocs configuration loaded")
                config.site_url = url
                state.current = None
                mkdocs_build(config, serve_url=url, dirty=True)
                state.previous = state.current

            rendering.render(load(root))
            first = web.site_config(root, str(site), dev_addr="127.0.0.1:8000",
                                    incremental=state)
            first.plugins.on_startup(command="serve", dirty=False)
            build(first)
            chapter = root / args.chapter
            for n in range(args.runs):
                chapter.write_text(chapter.read_text(encoding="utf-8")
                                   + f"\n\nBenchmark sentence {n}.\n", encoding="utf-8")
                steps = Steps()

                def ahead(current: Steps = steps) -> None:
                    rendering.render(load(root))
                    current.mark("rendered")

                thread = threading.Thread(target=ahead)
                thread.start()
                build()
                steps.mark("site written")
                thread.join()
                rows.append(steps)
                print("  ".join(f"{name} {at:.3f}" for name, at in
                                sorted(steps.marks.items(), key=lambda item: item[1]))
                      + f"  ({steps.pandoc} pandoc)")
    names = sorted(rows[0].marks, key=lambda name: rows[0].marks[name])
    print("median: " + "  ".join(
        f"{name} {statistics.median(row.marks.get(name, 0.0) for row in rows):.3f}"
        for name in names)
        + f"  ({statistics.median(row.pandoc for row in rows):g} pandoc a save)")


if __name__ == "__main__":
    main()
