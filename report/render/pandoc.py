"""Running the bundled pandoc (from the pypandoc-binary wheel: no system pandoc).

We call the binary directly rather than through ``pypandoc.convert_*`` because the
renderer needs pandoc's warnings (missing citations) on stderr, and several inputs
(metadata file, filters, bibliography) on one command line.
"""

from __future__ import annotations

import functools
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pypandoc

FILTERS = Path(__file__).resolve().parent / "filters"

# pandoc Markdown as the report writes it: fenced divs, bracketed spans, attributes,
# footnotes, citations, pipe tables with captions, implicit figures.
# example_lists is off: a line starting "(@rec-x)" or "@rec-x." must stay a cross-reference.
# tex_math_dollars is off: "$5" or "$HOME" in a report is money or a name, not maths.
MARKDOWN = ("markdown+fenced_divs+bracketed_spans+implicit_figures-example_lists"
            "-tex_math_dollars-auto_identifiers+gfm_auto_identifiers")


@functools.cache
def binary() -> str:
    return pypandoc.get_pandoc_path()


@functools.cache
def version() -> str:
    return str(pypandoc.get_pandoc_version())


@dataclass
class PandocResult:
    stdout: bytes
    warnings: list[str]


class PandocFailed(RuntimeError):
    """pandoc itself failed: a bug in the toolkit or a filter, not bad input."""


# The garbage collector's options. pandoc is linked with ``-H64m`` (``pandoc +RTS
# --info``): a 64 MB heap from the start, whatever the input, which made every pandoc
# process of a build peak at 170-195 MiB on the bundled report. ``-H1m`` gives that back
# (a render batch 188 -> 150 MiB, a parse batch 169 -> 110 MiB, for about 10% more CPU).
# Of what remains about 95 MiB are pages of pandoc's binary (a 160 MB static binary;
# shared by every pandoc process, not private memory), see scripts/peak_memory.py. They
# are read in by its garbage collector more than by the code run: a conversion of 500
# bytes of Markdown holds 21 MiB, one of 600 bytes, which makes a collection while its
# parse is under way, 105 MiB. The compacting collector (``-c``) saved 10 MiB more for
# 40% more CPU, ``-F1.2`` 20 MiB for twice the CPU: not taken.
# ``-A4m``: an allocation area of 4 MB, against 1 MB, makes a quarter of the minor
# collections. A cold print build of the 470-page corpus, its pandoc runs' CPU summed
# (three builds each way): 7.34-7.38 s with ``-A1m``, 6.86-7.11 s with ``-A4m``, and
# the largest run 225 -> 214 MiB; ``-A2m`` and ``-A8m`` gave less, ``-A16m`` cost more
# (8.3 s: the area no longer fits the processor's cache). The Word and EPUB writers'
# runs: 9 MiB more (407 MiB at most).
# ``-O32m``: an old generation of at least 32 MB before a major collection. Each major
# collection of a process running Lua filters costs 20-40 ms whatever little is live, and
# with only ``-H1m`` a process made many: replaying a cold render's pandoc runs on the
# 470-page corpus (same inputs, CPU summed), the 16 index and render batches took 9.00 s
# and the 8 parse batches 2.51 s; with ``-O32m`` 7.05 and 1.69 s, the largest process
# 225 -> 229 MiB (``-O64m``: 6.85 s, no less memory; ``-O16m`` on the bundled report: half
# the saving). A one-chapter render (a preview save) holds about 9 MiB: none at all.
RTS_OPTIONS = ["+RTS", "-A4m", "-H1m", "-O32m", "-RTS"]


def _command(args: list[str], rts: tuple[str, ...] = ()) -> list[str]:
    """pandoc's command line, with ``rts`` added to its runtime options (a test's ``-s``)."""
    options = [*RTS_OPTIONS[:-1], *rts, RTS_OPTIONS[-1]]
    return [binary(), *options, "--sandbox", *args]


def _environment(env: dict[str, str] | None) -> dict[str, str] | None:
    return {**os.environ, **env} if env else None


def _result(args: list[str], returncode: int, stdout: bytes, stderr: bytes) -> PandocResult:
    warnings = [line for line in stderr.decode("utf-8", "replace").splitlines() if line]
    if returncode != 0:
        raise PandocFailed(f"pandoc {' '.join(args[:3])}… failed: " + "\n".join(warnings))
    return PandocResult(stdout, warnings)


def run(args: list[str], stdin: bytes | None = None, cwd: Path | None = None,
        env: dict[str, str] | None = None) -> PandocResult:
    """Run pandoc sandboxed; ``env`` adds variables (e.g. SOURCE_DATE_EPOCH) for this call.

    ``--sandbox`` keeps pandoc's readers and writers from reading any file but those
    named on the command line, and from the network: an image, raw HTML media or a CSL
    parent link pointing elsewhere is not followed even if the resource gate
    (:mod:`report.render.source`) missed it. The writers get the files the gate allowed
    through their media bag (``filters/mediabag.lua``). Lua filters are not sandboxed;
    they are the toolkit's own.
    """
    proc = subprocess.run(_command(args), input=stdin, capture_output=True, cwd=cwd,
                          env=_environment(env))
    return _result(args, proc.returncode, proc.stdout, proc.stderr)


class Started:
    """A sandboxed pandoc run (as :func:`run`) that writes to files and works while the
    caller does something else: a build starts the Word and EPUB writers, then lays out
    the PDFs on the other core. Its warnings go to a file, not a pipe that could fill. Like
    a layout worker it dies with a killed build (``report.outputs.die_with_parent``)."""

    def __init__(self, args: list[str], cwd: Path, log: Path,
                 env: dict[str, str] | None = None):
        from report.outputs import die_with_parent, signals_held

        self.args = args
        self._stderr = log.open("w+b")
        with signals_held():  # with preexec_fn, Python's fork hooks run
            self._proc = subprocess.Popen(_command(args), stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=self._stderr,
                                          cwd=cwd, env=_environment(env),
                                          preexec_fn=die_with_parent)

    def wait(self) -> PandocResult:
        """Wait for pandoc to end: its warnings, or PandocFailed."""
        returncode = self._proc.wait()
        self._stderr.seek(0)
        stderr = self._stderr.read()
        self._stderr.close()
        return _result(self.args, returncode, b"", stderr)

    def stop(self) -> None:
        """End pandoc if it is still running (the build stopped before it was needed)."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._stderr.close()


def filter_path(name: str) -> str:
    return str(FILTERS / name)
