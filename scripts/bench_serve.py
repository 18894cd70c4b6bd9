#!/usr/bin/env python3
"""Benchmark: how long after a chapter is saved does ``report serve`` show it?

Starts ``report serve`` on a copy of a report tree (the bundled report by default, so the
real chapters are never touched), opens a chapter in Debian's Chromium, then several times
appends a new sentence to the chapter file and measures the time until the open page
shows it (live reload included). Without Chromium it polls the page over HTTP instead.
Prints each figure and the median. Not a test: run it by hand.

Usage: scripts/bench_serve.py [--root TREE] [--chapter chapters/01-introduction.md] [--runs N]
(10 runs by default: the target is a median over 10 saves)
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
sys.path.insert(0, str(HERE / "tests" / "browser"))

TREE_PARTS = ("mkdocs.yml", "chapters", "contributors.yaml", "references.bib",
              "references-practice.bib", "refs.bib", "review")


def copy_tree(source: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for name in TREE_PARTS:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, target / name)
        elif path.is_file():
            shutil.copy2(path, target / name)
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    subprocess.run(["git", "add", "-A"], cwd=target, check=True)
    subprocess.run(["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.org",
                    "commit", "-qm", "bench tree"], cwd=target, check=True)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"report serve did not answer on {url}")


def page_url(base: str, chapter: str) -> str:
    stem = Path(chapter).stem
    return f"{base}{stem}/"


def save(chapter: Path, marker: str) -> float:
    """Append a sentence as an editor would (write, then rename into place)."""
    text = chapter.read_text(encoding="utf-8") + f"\n\nBenchmark sentence {marker}.\n"
    tmp = chapter.with_name(f".{chapter.name}.swp")
    tmp.write_text(text, encoding="utf-8")
    started = time.monotonic()
    tmp.replace(chapter)
    return started


def bench_browser(url: str, chapter: Path, runs: int) -> list[float]:
    from site_server import chromium

    figures = []
    with chromium() as browser:
        page = browser.new_page()
        page.goto(url, wait_until="load")
        for run in range(runs):
            marker = f"zq{run}x{int(time.time() * 1000)}"
            started = save(chapter, marker)
            # The body is null for a moment while the page reloads.
            page.wait_for_function("m => document.body?.innerText.includes(m)", arg=marker,
                                   timeout=60000, polling=20)
            figures.append(time.monotonic() - started)
            time.sleep(0.5)
    return figures


def bench_http(url: str, chapter: Path, runs: int) -> list[float]:
    figures = []
    for run in range(runs):
        marker = f"zq{run}x{int(time.time() * 1000)}"
        started = save(chapter, marker)
        while True:
            with urllib.request.urlopen(url, timeout=30) as response:
                if marker.encode() in response.read():
                    break
            time.sleep(0.02)
        figures.append(time.monotonic() - started)
        time.sleep(0.5)
    return figures


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of process ``pid`` and of the children it has waited
    for (its pandoc runs), from /proc: a figure the machine's load does not inflate."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def serve_latency(source: Path, chapter: str, runs: int) -> dict:
    """Save ``chapter`` ``runs`` times in a copy of the tree at ``source`` while ``report
    serve`` shows it; the figures (seconds from save to the new text on screen), how they
    were taken, the server's rebuild times and its peak memory (MiB, from the kernel)."""
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        root = copy_tree(source.resolve(), Path(tmp) / "tree")
        # An author's tree has uncommitted work while they write: otherwise the first
        # save turns the draft stamp to "commit+" on every page.
        (root / "notes.txt").write_text("work in progress\n", encoding="utf-8")
        log_path = Path(tmp) / "serve.log"
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        with log_path.open("w") as log_file:
            server = subprocess.Popen([str(BIN / "report"), "--root", str(root), "serve",
                                       "--port", str(port)], stderr=log_file, text=True)
            try:
                wait_for(base)
                url = page_url(base, chapter)
                how = "Chromium" if CHROMIUM.exists() else "HTTP polling"
                cpu = cpu_seconds(server.pid)
                figures = (bench_browser if CHROMIUM.exists() else bench_http)(
                    url, root / chapter, runs)
                cpu = cpu_seconds(server.pid) - cpu
            finally:
                server.terminate()
                _, _, usage = os.wait4(server.pid, 0)
        log = log_path.read_text()
    rebuilds = [float(line.split()[2]) for line in log.splitlines()
                if line.startswith("rebuilt in")]
    return {"figures": figures, "how": how, "rebuilds": rebuilds[1:],
            "peak": usage.ru_maxrss / 1024, "cpu": cpu / max(1, runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE, help="report tree (copied first)")
    parser.add_argument("--chapter", default="chapters/01-introduction.md")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    result = serve_latency(args.root, args.chapter, args.runs)
    figures = result["figures"]
    for figure in figures:
        print(f"save -> shown: {figure:.2f} s")
    print(f"median save -> shown ({result['how']}, {len(figures)} runs): "
          f"{statistics.median(figures):.2f} s; worst {max(figures):.2f} s")
    if result["rebuilds"]:
        print(f"server rebuilds: {', '.join(f'{r:.2f}' for r in result['rebuilds'])} s")
    print(f"server CPU per save (with its pandoc runs): {result['cpu']:.2f} s")


if __name__ == "__main__":
    main()
