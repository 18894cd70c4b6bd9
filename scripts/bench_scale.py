#!/usr/bin/env python3
"""Speed at book scale, measured side by side in one run (not a test).

On a tree made from the Rust book (../shared/corpora/rust-book, about 470 A4 pages), it
times whole processes and reads their peak memory from the kernel:

- bare pandoc (Markdown → HTML) and bare single-pass WeasyPrint on the toolkit's own
  single-pass HTML and CSS (what a one-pass tool does);
- the toolkit's print build from a cold cache with 1 job and with every core;
- the rebuild after editing one mid-book chapter;
- the review engine: importing 1,000 comments, re-anchoring 10,000 after 5% of the
  paragraphs were edited (when the review engine is present).

Usage: scripts/bench_scale.py [--corpus DIR] [--runs N] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "scripts"))

from bench import measure  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        root = make_tree(args.corpus.resolve(), work / "book")
        git_commit(root)
        from report.manuscript import load
        from report.render import pandoc

        manuscript = load(root)
        chapters = [str(c.path) for c in manuscript.chapters]
        bare_pandoc = measure([pandoc.binary(), "-s", "-M", "title=Bare", "-M", "lang=en-GB",
                               "--resource-path", str(root / "chapters"), *chapters,
                               "-o", str(work / "bare.html")], root, args.runs)
        html = work / "single.html"
        single_pass_html(root, html)
        styles = HERE / "report" / "styles"
        weasy = measure([str(BIN / "weasyprint"), "-s", str(styles / "paged.css"),
                         "-s", str(styles / "print.css"), "-s", str(html.with_suffix(".css")),
                         "-u", str(root / "chapters") + "/", str(html), str(work / "single.pdf")],
                        root, args.runs)
        rows.append(("bare pandoc (Markdown → HTML)", *bare_pandoc))
        rows.append(("bare single-pass WeasyPrint", *weasy))
        bare = (bare_pandoc[0] + weasy[0], max(bare_pandoc[1], weasy[1]))
        rows.append(("bare pandoc + WeasyPrint", *bare))

        def cold() -> None:
            shutil.rmtree(root / "build", ignore_errors=True)

        build = [str(BIN / "report"), "--root", str(root), "build", "print"]
        one = measure([*build, "--jobs", "1"], root, args.runs, setup=cold)
        rows.append(("toolkit cold build, 1 job", *one))
        many = measure([*build, "--jobs", str(args.jobs)], root, args.runs, setup=cold)
        rows.append((f"toolkit cold build, {args.jobs} jobs", *many))

        middle = manuscript.chapters[len(manuscript.chapters) // 2].path
        edits = iter(range(10**6))

        def edit() -> None:
            with middle.open("a", encoding="utf-8") as handle:
                handle.write(f"\n\nAn edit for the benchmark, number {next(edits)}.\n")

        subprocess.run([*build, "--jobs", str(args.jobs)], check=True, capture_output=True)
        rebuild = measure([*build, "--jobs", str(args.jobs)], root, args.runs, setup=edit)
        rows.append(("toolkit rebuild after one chapter edit", *rebuild))
        review = review_rows(root, work, args.runs)

    print(f"corpus: {args.corpus}  chapters: {len(chapters)}  runs: {args.runs}  "
          f"cores: {os.cpu_count()}")
    print(f"{'command':44} {'wall s':>8} {'peak MiB':>9}")
    for name, wall, peak in rows + review:
        print(f"{name:44} {wall:8.2f} {peak:9.0f}")
    print()
    print("ratios (target in brackets):")
    print(f"  rebuild / cold build ({args.jobs} jobs)        {rebuild[0] / many[0]:6.2f}  (≤ 0.20)")
    print(f"  cold {args.jobs} jobs / cold 1 job              {many[0] / one[0]:6.2f}  (≤ 0.65)")
    print(f"  toolkit cold ({args.jobs} jobs) / bare            {many[0] / bare[0]:6.2f}")
    print(f"  peak memory toolkit / single-pass WeasyPrint {many[1] / weasy[1]:6.2f}  (≤ 0.60)")


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
