"""`report contributors`: the list exactly as the editions print it, or the register.

``md`` is the Markdown the renderer puts into the ``::: {.contributors}`` placeholder;
``json`` the same list as data (``id``, ``display_name``, ``affiliation``, ``roles``);
``csv`` the consent register for the data-protection file: every record, listed or not.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from report.errors import InputError, Problem
from report.manuscript.contributors import (
    CSV_FIELDS,
    load_contributors,
    register_markdown,
    register_rows,
)
from report.manuscript.manifest import MANIFEST
from report.outputs import write_text

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """A register opened in a spreadsheet must not run a name as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv(register) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in register_rows(register):
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


@click.command("contributors")
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md",
              show_default=True, help="md: the printed list; json: the list as data; "
                                      "csv: the consent register (every record).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (atomically) instead of standard output.")
@click.pass_obj
def command(root: Path, fmt: str, output: Path | None) -> None:
    """The contributors list exactly as the editions print it."""
    if not (root / MANIFEST).is_file():
        raise InputError(Problem(MANIFEST, None, f"no {MANIFEST} in {root}: not a report tree"))
    register = load_contributors(root)
    if fmt == "json":
        text = json.dumps([entry.as_json() for entry in register.entries()],
                          ensure_ascii=False, indent=2) + "\n"
    elif fmt == "csv":
        text = _csv(register)
    else:
        text = register_markdown(register)
    if output is not None:
        write_text(output, text)
    else:
        click.echo(text, nl=False)
