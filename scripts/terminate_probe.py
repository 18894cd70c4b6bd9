#!/usr/bin/env python3
"""Terminate builds at random moments and report what each left (not a test).

A cancelled CI job sends SIGTERM at any moment: the build must end (exit 143) within
seconds and leave nothing in the temporary folder. This builds a copy of a small tree
(``tests/trees/minimal`` by default) again and again, each with a temporary folder of
its own, sends SIGTERM a random time (up to ``--within`` seconds) after the build made
its first temporary file (in the folder of its own it makes there, report.outputs), and
prints every build that did not end within 20 s (and stops, leaving it running to be
inspected) or left files behind. Jinja's per-user
bytecode folder (``_jinja2-cache-*``), kept on purpose, is not counted.

Usage: scripts/terminate_probe.py [--runs 60] [--within 0.6] [--tree minimal]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--within", type=float, default=0.6)
    parser.add_argument("--tree", default="minimal")
    args = parser.parse_args()
    report = Path(sys.executable).parent / "report"
    left_behind = 0
    for run in range(args.runs):
        base = Path(tempfile.mkdtemp(prefix="terminate-probe-"))
        root = base / args.tree
        shutil.copytree(HERE / "tests" / "trees" / args.tree, root)
        subprocess.run("git init -q && git add -A && git -c user.name=probe "
                       "-c user.email=probe@example.org commit -qm probe", shell=True,
                       cwd=root, check=True)
        temporary = base / "tmp"
        temporary.mkdir()
        build = subprocess.Popen([str(report), "--root", str(root), "build", "--jobs", "2"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env={**os.environ, "TMPDIR": str(temporary)})
        while not any(temporary.glob("report-*/*")) and build.poll() is None:
            time.sleep(0.02)  # a folder the build made in its own (report.outputs)
        delay = random.random() * args.within
        time.sleep(delay)
        build.send_signal(signal.SIGTERM)
        try:
            status = build.wait(20)
        except subprocess.TimeoutExpired:
            print(f"run {run}: still running 20 s after SIGTERM ({delay:.3f} s in): "
                  f"pid {build.pid}, tree {root}")
            return
        left = sorted(p.name for p in temporary.iterdir()
                      if not p.name.startswith("_jinja2-cache"))
        if left:
            left_behind += 1
            print(f"run {run}: exit {status}, {delay:.3f} s in, left {left}")
        shutil.rmtree(base)
    print(f"{args.runs} builds terminated: none hung, {left_behind} left files behind")


if __name__ == "__main__":
    main()
