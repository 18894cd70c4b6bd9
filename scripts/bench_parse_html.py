#!/usr/bin/env python3
"""What parsing the print edition's part documents costs, WeasyPrint's way and ours (not a
test): tinyhtml5 (``HTML(string=…)``), against libxml2 and the copy of
``report.editions.html_tree``, over the same documents, side by side, with the number of
documents whose trees differ (none should).

Usage: scripts/bench_parse_html.py TREE   (e.g. a tree from scripts/corpus_tree.py)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tinyhtml5  # noqa: E402

from report.editions import chaptered, printed  # noqa: E402
from report.editions.context import BuildContext  # noqa: E402
from report.editions.html_tree import html5_tree  # noqa: E402
from report.editions.paged import running_heads_css  # noqa: E402
from report.editions.stamp import draft_css  # noqa: E402
from report.manuscript import load  # noqa: E402


def documents(root: Path) -> list[str]:
    """The print edition's first-round documents (its chapters and folio layers)."""
    context = BuildContext(load(root))
    profile, _ = printed._profile(context, None)
    css, options = printed.profile_css(profile)
    spec = chaptered.parts_spec(["paged.css", "print.css"],
                                css + running_heads_css(context.rendered), options,
                                layer_css=draft_css(context), cmyk=str(profile or ""))
    return [job.document for job in chaptered._Plan(context, spec).round_one]


def nodes(root) -> list[tuple]:
    return [(node.tag, dict(node.attrib), node.text or None, node.tail or None, len(node))
            for node in root.iter()]


def main() -> None:
    texts = documents(Path(sys.argv[1]).resolve())
    began = time.perf_counter()
    theirs = [tinyhtml5.parse(text, namespace_html_elements=False) for text in texts]
    tinyhtml5_s = time.perf_counter() - began
    began = time.perf_counter()
    ours = [html5_tree(text) for text in texts]
    ours_s = time.perf_counter() - began
    fallback = sum(tree is None for tree in ours)
    differ = sum(tree is not None and nodes(tree) != nodes(other)
                 for tree, other in zip(ours, theirs, strict=True))
    print(f"{len(texts)} documents, {sum(map(len, texts)) / 1e6:.1f} M characters")
    print(f"tinyhtml5              {tinyhtml5_s:6.3f} s")
    print(f"libxml2 + copy         {ours_s:6.3f} s   ({ours_s / tinyhtml5_s:.2f} ×)")
    print(f"left to tinyhtml5      {fallback}")
    print(f"trees that differ      {differ}")


if __name__ == "__main__":
    main()
