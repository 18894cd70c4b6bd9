#!/usr/bin/env python3
"""``report`` with the wall time of each phase of a build on stderr (not a test).

Where a cold build or a rebuild spends its time, without a profiler's overhead: the
build's checks (in a thread beside the render), the render, each round of the chaptered
layout (round one: the chapters; round two: the front matter and folio layers), the
tagged assembly and its save, the print edition's tail (its sheets finished, and
``build``: the wait for its cover, laid out in a process of its own, whose own
finish_sheets line shows too, with that process's smaller resident set). Seconds from
the start of this process, then the phase's own length, and this process's resident set
at the phase's end and its high-water mark so far (MiB; ``/proc/self/status``): what
each phase leaves held in the main process. On the way out, the main process's own CPU
time (its threads, not its children: layout workers, pandoc), which a loaded machine
stretches less than wall time. The arguments are the ``report`` command's.

Usage: scripts/build_phases.py --root TREE build digital --jobs 2
"""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

START = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import report.build  # noqa: E402
import report.editions.chaptered  # noqa: E402
import report.editions.context  # noqa: E402
import report.editions.printcover  # noqa: E402
import report.editions.printed  # noqa: E402

PHASES = ((report.build, "manuscript_problems"), (report.editions.context, "render"),
          (report.build, "start_writers"), (report.build, "_privacy_gate"),
          (report.editions.chaptered, "run_jobs"),
          (report.editions.chaptered, "_assemble_tagged"), (report.editions.chaptered, "_save"),
          (report.editions.printed, "finish_sheets"),
          (report.editions.printcover.PrintCover, "build"))


def resident() -> str:
    """This process's resident set now and its peak so far, MiB."""
    fields = dict(line.split(":", 1) for line in
                  Path("/proc/self/status").read_text().splitlines() if ":" in line)
    now, peak = (int(fields[key].split()[0]) // 1024 for key in ("VmRSS", "VmHWM"))
    return f"rss {now:4d} MiB, peak {peak:4d} MiB"


def timed(module, name: str) -> None:
    """Replace ``module.name`` by the same function, saying its start and end."""
    function = getattr(module, name)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            ended = time.perf_counter()
            print(f"[phase] {name:20} {began - START:7.2f} -> {ended - START:7.2f} "
                  f"({ended - began:6.2f} s) {resident()}", file=sys.stderr)

    setattr(module, name, wrapper)


def timed_editions() -> None:
    """Each edition's own layout (``report.build.builder``'s function), named by edition."""
    pick = report.build.builder

    def builder(name: str):
        function = pick(name)

        def edition(context):
            began = time.perf_counter()
            try:
                return function(context)
            finally:
                ended = time.perf_counter()
                print(f"[phase] {'edition ' + name:20} {began - START:7.2f} -> "
                      f"{ended - START:7.2f} ({ended - began:6.2f} s)", file=sys.stderr)

        return edition

    report.build.builder = builder


def own_cpu() -> None:
    """This process's CPU seconds (all its threads, none of its children)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"[phase] {'main process cpu':20} {usage.ru_utime + usage.ru_stime:7.2f} s "
          f"(user {usage.ru_utime:.2f}, system {usage.ru_stime:.2f}), wall "
          f"{time.perf_counter() - START:.2f} s", file=sys.stderr)


def main() -> None:
    import atexit

    atexit.register(own_cpu)
    for module, name in PHASES:
        timed(module, name)
    timed_editions()
    from report.cli import main as report

    print(f"[phase] {'imports':20} {time.perf_counter() - START:7.2f} {resident()}",
          file=sys.stderr)
    report()


if __name__ == "__main__":
    main()
