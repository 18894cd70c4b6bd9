#!/usr/bin/env python3
"""What each verb of the ``report`` command imports, and what that costs (not a test).

Runs ``report VERB --help`` (and the commands given whole, such as a no-change build) in a
fresh interpreter under ``python -X importtime`` and prints, per command, the wall time,
the time spent importing, whether WeasyPrint, MkDocs or pandoc's wrapper were imported,
and the top-level packages whose modules took longest to import (their own time).

Usage: scripts/bench_imports.py [--root TREE]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
HEAVY = ("weasyprint", "mkdocs", "material", "pypandoc", "lxml", "rich", "git")
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")

RUN = "import sys; from report.cli import main; sys.argv[0] = 'report'; main()"


def import_profile(args: list[str], cwd: Path = HERE) -> dict:
    """Wall seconds, import seconds and per-package import seconds of ``report ARGS``."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", RUN, *args], cwd=cwd,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    packages: dict[str, float] = defaultdict(float)
    total = 0.0
    for line in proc.stderr.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        own, name = int(match.group(1)), match.group(4)
        total += own / 1e6  # each module's own time, so that nothing is counted twice
        packages[name.split(".")[0]] += own / 1e6
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    heavy = sorted({name.split(".")[0] for name in imported} & set(HEAVY))
    top = sorted(packages.items(), key=lambda item: -item[1])[:4]
    return {"wall": wall, "imports": total, "heavy": heavy, "top": top,
            "status": proc.returncode}


def commands(root: Path) -> list[list[str]]:
    verbs = ["build", "check", "serve", "review", "contributors", "new", "publish", "release"]
    return [["--help"], *([verb, "--help"] for verb in verbs),
            ["--root", str(root), "build"]]  # run twice: the second is the no-change path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE)
    args = parser.parse_args()
    print(f"{'command':34} {'wall s':>7} {'imports s':>9}  heavy imports; heaviest packages")
    for command in commands(args.root.resolve()):
        if command[-1] == "build":
            import_profile(command)  # make sure the next one has nothing to do
        result = import_profile(command)
        name = "report " + " ".join(c for c in command if c != str(args.root.resolve())
                                    and c != "--root")
        if command[-1] == "build":
            name += " (no change)"
        top = ", ".join(f"{pkg} {sec:.2f}" for pkg, sec in result["top"])
        print(f"{name:34} {result['wall']:7.2f} {result['imports']:9.2f}  "
              f"{','.join(result['heavy']) or '-'}; {top}")


if __name__ == "__main__":
    main()
