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


# A 1 MB allocation area for pandoc's garbage collector: on the 470-page scale corpus the
# render's peak memory falls from 428 MiB to 387 MiB for about 10% more time, which keeps
# the render below the layout in a book-length build's peak memory.
RTS_OPTIONS = ["+RTS", "-A1m", "-RTS"]


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
    environment = {**os.environ, **env} if env else None
    proc = subprocess.run([binary(), *RTS_OPTIONS, "--sandbox", *args], input=stdin,
                          capture_output=True, cwd=cwd, env=environment)
    warnings = [line for line in proc.stderr.decode("utf-8", "replace").splitlines() if line]
    if proc.returncode != 0:
        raise PandocFailed(f"pandoc {' '.join(args[:3])}… failed: " + "\n".join(warnings))
    return PandocResult(proc.stdout, warnings)


def filter_path(name: str) -> str:
    return str(FILTERS / name)
