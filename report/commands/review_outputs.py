"""`report review open | export | changes`: what the review sends out.

``report.commands.review`` (the ``review`` group) adds these three commands; they live
here so that the importing side and the publishing side of a review can grow apart.
"""

from __future__ import annotations

from pathlib import Path

import click

from report.errors import EXIT_FINDINGS


def _root() -> Path:
    return click.get_current_context().find_root().obj


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


@click.command("open")
@click.argument("round_name", metavar="ROUND")
@click.option("--deadline", metavar="DATE", help="Date comments are due (YYYY-MM-DD).")
@click.option("--reviewer", "reviewers", multiple=True, metavar="ID",
              help="A reviewer's id (repeatable).")
def open_cmd(round_name: str, deadline: str | None, reviewers: tuple[str, ...]) -> None:
    """Start a consultation round on the current commit and build the reviewer pack."""
    from report.review.round import RoundRefused, open_round

    root = _root()
    try:
        opened = open_round(root, round_name, deadline=deadline, reviewers=reviewers)
    except RoundRefused as exc:
        click.echo(f"report review open: refused: {exc}", err=True)
        raise SystemExit(EXIT_FINDINGS) from None
    click.echo(f"Opened review round {opened.record.name} at {opened.record.commit[:7]} "
               f"(tag review/{opened.record.name}).")
    for path in opened.files:
        click.echo(_relative(path, root))


@click.command("changes")
@click.argument("round_name", metavar="ROUND")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Output file: .html (default build/review/ROUND/changes.html) or .pdf.")
def changes_cmd(round_name: str, output: Path | None) -> None:
    """What changed in the manuscript since that round (a word-by-word redline)."""
    from report.review import changes

    root = _root()
    red = changes.redline(root, round_name)
    target = output.resolve() if output else changes.default_output(root, round_name)
    changes.write(red, target, root)
    changed = len(red.changed)
    click.echo(f"{_relative(target, root)}: {changed} of {len(red.chapters)} chapters "
               "changed since the round.")
