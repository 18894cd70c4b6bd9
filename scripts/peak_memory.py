#!/usr/bin/env python3
"""Peak memory of every process of a command (not a test): which one sets the build's peak.

``/usr/bin/time -v`` gives one figure, the largest resident set of the command or any of
its descendants; a build runs pandoc several times, lays out in worker processes and
assembles in the main one, and a memory target holds for each of them. This runs the
command, reads the kernel's high-water mark (``VmHWM`` in ``/proc/PID/status``) of every
descendant every few milliseconds, and prints the peak of each process, grouped by what it
is (``pandoc``, ``main`` for the command's own process, ``worker`` for Python processes it
starts) as peak/private (private: the largest anonymous resident set sampled, which
excludes shared code pages: 95 MiB of a pandoc process are its binary's), and the
overall largest (the kernel's own ``ru_maxrss`` of the descendants, as
``time -v``, which a sample cannot miss). With each group, the CPU seconds (user +
system, ``/proc/PID/stat``) its processes used; ``--json`` has each process's, with
when it was first and last seen (seconds from the first process seen): a timeline.

A sample misses what a process adds in its last few milliseconds (``--every``), never
more; the overall figure does not miss it.

Usage: scripts/peak_memory.py [--every MS] [--json FILE] -- COMMAND [ARG ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Seen:
    """One process as sampled: what it is and its highest high-water mark (KiB)."""

    pid: int
    kind: str
    command: str
    peak_kib: int = 0
    private_kib: int = 0  # the largest RssAnon sampled: memory no other process shares
    cpu: float = 0.0  # user + system seconds at the last sample
    first: float = field(default_factory=time.perf_counter)
    last: float = 0.0


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc (one read of each ``stat``)."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(root: int) -> list[int]:
    tree, found, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += tree.get(pid, [])
    return found


_TICK = os.sysconf("SC_CLK_TCK")


def _high_water(pid: int) -> tuple[int, int, float] | None:
    """The process's high-water mark and its anonymous resident memory now (KiB), and
    the CPU seconds (user + system) it has used so far."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    if "VmHWM" not in fields:
        return None  # a zombie: its memory is gone
    times = stat[stat.rindex(")") + 2:].split()[11:13]  # utime, stime (fields 14, 15)
    return (int(fields["VmHWM"].split()[0]), int(fields.get("RssAnon", "0 kB").split()[0]),
            sum(int(t) for t in times) / _TICK)


def _kind(pid: int, root: int, command: str) -> str:
    if pid == root:
        return "main"
    name = Path(command.split("\0")[0]).name
    if "pandoc" in name:
        return "pandoc"
    if "python" in name or "report" in name:
        return "worker"
    return name or "?"


def _describe(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
    except OSError:
        return ""


def watch(command: list[str], every: float) -> tuple[int, float, int, list[Seen]]:
    """Run ``command``; its exit code, wall seconds, the kernel's largest resident set of
    it and its descendants (KiB) and every process seen, with its peak."""
    start = time.perf_counter()
    proc = subprocess.Popen(command)
    seen: dict[int, Seen] = {}
    while proc.poll() is None:
        for pid in _descendants(proc.pid):
            found = _high_water(pid)
            if found is None:
                continue
            kib, private, cpu = found
            if pid not in seen:
                cmd = _describe(pid)
                seen[pid] = Seen(pid, _kind(pid, proc.pid, cmd), cmd.replace("\0", " ")[:160])
            seen[pid].peak_kib = max(seen[pid].peak_kib, kib)
            seen[pid].private_kib = max(seen[pid].private_kib, private)
            seen[pid].cpu = cpu
            seen[pid].last = time.perf_counter()
        time.sleep(every)
    wall = time.perf_counter() - start
    overall = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return proc.returncode, wall, overall, list(seen.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=10, help="sample period, ms")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="also write every process and its peak to FILE (JSON)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")
    code, wall, overall, seen = watch(command, args.every / 1000)
    by_kind: dict[str, list[Seen]] = {}
    began = min((s.first for s in seen), default=0.0)
    for each in sorted(seen, key=lambda s: s.first):
        by_kind.setdefault(each.kind, []).append(each)
    if args.json:
        args.json.write_text(json.dumps({
            "exit": code, "wall": round(wall, 2), "overall_mib": overall / 1024,
            "processes": [{"kind": s.kind, "pid": s.pid, "mib": s.peak_kib / 1024,
                           "private_mib": s.private_kib / 1024, "cpu": s.cpu,
                           "seen": [round(s.first - began, 2), round(s.last - began, 2)],
                           "command": s.command}
                          for s in sorted(seen, key=lambda s: s.first)]},
            indent=1))
    print(f"exit {code}, {wall:.2f} s, largest process {overall / 1024:.0f} MiB "
          f"(kernel, all descendants)", file=sys.stderr)
    for kind, processes in sorted(by_kind.items()):
        peaks = " ".join(f"{s.peak_kib / 1024:.0f}/{s.private_kib / 1024:.0f}"
                         for s in processes)
        print(f"  {kind:8} max {max(s.peak_kib for s in processes) / 1024:4.0f} MiB, "
              f"CPU {sum(s.cpu for s in processes):.1f} s  "
              f"({len(processes)}, peak/private MiB: {peaks})", file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
