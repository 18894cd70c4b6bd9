#!/usr/bin/env python3
"""Speed at book scale, measured side by side in one run (not a test).

On a tree made from the Rust book (../shared/corpora/rust-book, about 470 A4 pages), the
table of ``scripts/bench.py`` (bare pandoc + single-pass WeasyPrint, each edition cold,
all five cold, after a one-chapter edit and with no change, peak memory, preview latency,
the ratios against issue 18's targets), and in the same table the review engine:
importing 1,000 comments, re-anchoring 10,000 after 5% of the paragraphs were edited.

Usage: scripts/bench_scale.py [--corpus DIR] [--runs N] [--jobs N] [--preview-runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "scripts"))

from corpus_tree import make_tree  # noqa: E402

DEFAULT_CORPUS = HERE.parent / "shared" / "corpora" / "rust-book"


def git_commit(root: Path) -> None:
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.name=bench", "-c", "user.email=bench@example.org", "commit",
                  "-qm", "corpus"]):
        subprocess.run(["git", *args], cwd=root, check=True)


def single_pass_html(root: Path, out: Path, edition: str = "print") -> None:
    """The toolkit's HTML of ``edition`` as one document (and its extra CSS beside it),
    for the single-pass comparison."""
    code = (
        "import sys; from pathlib import Path;"
        "from report.manuscript import load; from report.editions.context import BuildContext;"
        "from report.editions.paged import document, running_heads_css;"
        "from report.editions.stamp import draft_css;"
        "c = BuildContext(load(sys.argv[1]));"
        "Path(sys.argv[2]).write_text(document(c.rendered, c, sys.argv[4]));"
        "Path(sys.argv[3]).write_text(running_heads_css(c.rendered) + draft_css(c))"
    )
    subprocess.run([sys.executable, "-c", code, str(root), str(out), str(out.with_suffix(".css")),
                    edition], check=True, cwd=HERE)


def bare_print_command(root: Path, work: Path, name: str = "single") -> list[str]:
    """WeasyPrint in one pass over the toolkit's print HTML and CSS as one document
    (written into ``work`` first): what a one-pass tool does."""
    html = work / f"{name}.html"
    single_pass_html(root, html)
    styles = HERE / "report" / "styles"
    return [str(BIN / "weasyprint"), "-s", str(styles / "paged.css"),
            "-s", str(styles / "print.css"), "-s", str(html.with_suffix(".css")),
            "-u", str(root / "chapters") + "/", str(html), str(work / f"{name}.pdf")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--preview-runs", type=int, default=10)
    parser.add_argument("--pairs", type=int, default=None,
                        help="times each bare pass and its build are timed in turn "
                             "(default: --runs)")
    args = parser.parse_args()
    from bench import Row, print_table, table

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        root = make_tree(args.corpus.resolve(), work / "book")
        git_commit(root)
        chapters = len(list((root / "chapters").glob("*.md")))
        rows = table(root, runs=args.runs, jobs=args.jobs, corpus=True,
                     preview_runs=args.preview_runs, pairs=args.pairs)
        rows += [Row(name, wall, peak) for name, wall, peak in review_rows(root, work, args.runs)]
    print_table(rows, f"corpus: {args.corpus}  chapters: {chapters}  runs: {args.runs}  "
                      f"pairs: {args.pairs or args.runs}  jobs: {args.jobs}  "
                      f"cores: {os.cpu_count()}")


def review_rows(root: Path, work: Path, runs: int) -> list[tuple[str, float, float]]:
    """The review engine's import and re-anchoring, timed from inside the process (the
    operation alone), with the process's peak memory."""
    script = HERE / "scripts" / "bench_review.py"
    rows = []
    for stage, label in (("import", "review: import 1,000 comments"),
                         ("anchor", "review: re-anchor 10,000 comments")):
        out = subprocess.run([sys.executable, str(script), stage, str(root)], check=True,
                             capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        rows.append((label, result["seconds"], result["peak_mib"]))
    return rows


if __name__ == "__main__":
    main()
