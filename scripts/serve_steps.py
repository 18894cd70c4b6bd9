#!/usr/bin/env python3
"""Where a preview save's time goes: ``report serve``'s rebuild, step by step.

On a copy of a report tree (the bundled report by default), builds the site as ``report
serve`` does, then several times appends a sentence to a chapter and rebuilds it as the
server's builder does (the tree loaded and its render started ahead in a thread, by
``report serve``'s own ``_render_ahead``, while MkDocs loads its configuration),
printing for each save the time from the save at which each step ended: the tree
loaded, the first pandoc run started, MkDocs' configuration loaded, the plugin asks for
the render (when MkDocs hands it the site's files), the last pandoc run ended, the render
ended, the plugin has the render, the site was written. Then the median of each, and the
pandoc processes a save ran. No browser: ``scripts/bench_serve.py`` measures save to
screen. Run by hand; the steps are found by wrapping the toolkit's functions. Last, the
median time of each part of MkDocs' build of a save (the files listed, those chosen for
the site, the navigation, the plugin's pages read as before, MkDocs reading the others,
the plugin's choice of pages to write, the static files copied, the theme's own
templates, the pages built, the plugin's end of build), whose sum is most of the time
from "plugin has the render" to "site written".

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

# MkDocs' build, in parts (module or class, function, name): timed on each save.
MKDOCS_PARTS = (("mkdocs.commands.build", "get_files", "files listed"),
                ("report.editions.web_plugin:ReportPlugin", "_publish_only_what_is_used",
                 "files chosen"),
                ("mkdocs.commands.build", "get_navigation", "navigation"),
                ("report.editions.web_plugin:ReportPlugin", "_read_as_before",
                 "pages read as before"),
                ("mkdocs.commands.build", "_populate_page", "pages read"),
                ("report.editions.web_plugin:ReportPlugin", "_skip_unchanged",
                 "pages to write chosen"),
                ("mkdocs.structure.files:Files", "copy_static_files", "static files"),
                ("mkdocs.commands.build", "_build_theme_template", "theme templates"),
                ("mkdocs.commands.build", "_build_page", "pages built"),
                ("report.editions.web_plugin:ReportPlugin", "on_post_build",
                 "plugin's end of build"))


def time_mkdocs_parts(spent: dict[str, float]) -> None:
    """Wrap each of MKDOCS_PARTS so that its time adds up in ``spent`` (by name)."""
    import functools
    import importlib

    for where, name, label in MKDOCS_PARTS:
        module, _, cls = where.partition(":")
        owner = importlib.import_module(module)
        owner = getattr(owner, cls) if cls else owner
        function = getattr(owner, name)

        def timed(*args, _function=function, _label=label, **kwargs):
            began = time.perf_counter()
            try:
                return _function(*args, **kwargs)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.perf_counter() - began

        setattr(owner, name, functools.wraps(function)(timed))


class Steps:
    """Time stamps of one save, from the save: the first of each name is kept."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.marks: dict[str, float] = {}
        self.pandoc = 0
        self.mkdocs: dict[str, float] = {}  # time in each of MKDOCS_PARTS

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
    from report.commands import serve
    from report.editions import web, web_plugin
    from report.editions.context import BuildContext
    from report.manuscript import load
    from report.render import pandoc
    from report.render.cache import entries_remembered

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    steps = Steps()
    real_run, real_take = pandoc.run, web_plugin.ReportPlugin._take_render
    real_render = rendering.render

    def run(*a, **k):
        steps.mark("pandoc started")
        steps.pandoc += 1
        try:
            return real_run(*a, **k)
        finally:
            steps.marks["pandoc ended"] = time.monotonic() - steps.start

    def render(*a, **k):
        try:
            return real_render(*a, **k)
        finally:
            if threading.current_thread().name == "report-render-ahead":
                steps.mark("rendered")

    def take_render(plugin):
        steps.mark("plugin asks for the render")
        try:
            return real_take(plugin)
        finally:
            steps.mark("plugin has the render")

    pandoc.run = run
    rendering.render = render
    web_plugin.ReportPlugin._take_render = take_render
    spent: dict[str, float] = {}
    time_mkdocs_parts(spent)
    rows: list[Steps] = []
    with tempfile.TemporaryDirectory(prefix="serve-steps-") as tmp:
        root = copy_tree(args.root.resolve(), Path(tmp) / "tree")
        (root / "notes.txt").write_text("work in progress\n", encoding="utf-8")
        site = Path(tmp) / "site"
        url = "http://127.0.0.1:8000/"
        with entries_remembered():
            state = web_plugin.SiteState(salt=fingerprint.toolkit(root / "build"))

            def build(config=None) -> None:
                if config is None:  # as report serve's builder does
                    manuscript = serve._render_ahead(root)
                    steps.mark("tree loaded")
                    config = web.site_config(
                        root, str(site), dev_addr="127.0.0.1:8000", incremental=state,
                        context=BuildContext(manuscript) if manuscript else None)
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
                spent.clear()
                build()
                steps.mark("site written")
                steps.mkdocs = dict(spent)
                rendering.caches_saved()
                rows.append(steps)
                print("  ".join(f"{name} {at:.3f}" for name, at in
                                sorted(steps.marks.items(), key=lambda item: item[1]))
                      + f"  ({steps.pandoc} pandoc)")
    names = sorted(rows[0].marks, key=lambda name: rows[0].marks[name])
    print("median: " + "  ".join(
        f"{name} {statistics.median(row.marks.get(name, 0.0) for row in rows):.3f}"
        for name in names)
        + f"  ({statistics.median(row.pandoc for row in rows):g} pandoc a save)")
    print("MkDocs' build, median ms a save: " + "  ".join(
        f"{label} {statistics.median(row.mkdocs.get(label, 0.0) for row in rows) * 1000:.1f}"
        for _, _, label in MKDOCS_PARTS))


if __name__ == "__main__":
    main()
