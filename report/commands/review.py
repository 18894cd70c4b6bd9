"""`report review`: consultation rounds, imported comments, anchors and answers.

``import``, ``status`` and ``respond`` live here; ``open``, ``export`` and ``changes``
come from :mod:`report.commands.review_outputs` when it is installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from report.cli import WholeHelpGroup
from report.review.model import STATUSES


@click.group("review", cls=WholeHelpGroup)
def command() -> None:
    """Consultation review: open a round, import comments, see and answer them."""


@command.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--round", "round_name", help="The round (default: the newest open round).")
@click.option("--reviewer", help="The invited reviewer whose file this is (default: the "
              "reviewer the pack copy names, else the file's name).")
@click.option("--not-pack", is_flag=True, help="Import a Word or PDF file that is not "
              "this round's pack (its comments are placed by their text alone).")
@click.pass_obj
def import_cmd(root: Path, file: Path, round_name: str | None, reviewer: str | None,
               not_pack: bool) -> None:
    """Import a reviewer's .docx, annotated pack .pdf, .xlsx/.csv form, Hypothesis .json
    or review .yaml."""
    from report.review.store import _counts, import_file

    outcome = import_file(root, file, round_name, reviewer, not_pack=not_pack)
    for warning in outcome.warnings:
        click.echo(str(warning), err=True)
    for result in outcome.results:
        note = f", {result.already} already recorded" if result.already else ""
        click.echo(f"{result.path}: {_counts(result.added)} added{note}")
    if not outcome.total:
        click.echo(f"nothing new to import from {file.name} (round {outcome.round})")
    elif outcome.commit:
        click.echo(f"committed {outcome.commit[:7]}")


@command.command("undo")
@click.argument("import_commit", metavar="[IMPORT]", required=False)
@click.pass_obj
def undo_cmd(root: Path, import_commit: str | None) -> None:
    """Back out the last import (or the named import commit) with a git revert."""
    from report.review.undo import undo

    done = undo(root, import_commit)
    click.echo(f"undid {done.imported[:7]} ({done.subject}) in {done.revert[:7]}")


@command.command("status")
@click.option("--round", "round_name", help="The round (default: the newest open round).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_obj
def status_cmd(root: Path, round_name: str | None, fmt: str) -> None:
    """Every comment of a round: where it stands now in the text, and its disposition."""
    from report.manuscript import load
    from report.review import status

    manuscript = load(root)
    found = status.entries(manuscript, round_name)
    if fmt == "json":
        click.echo(json.dumps([e.row() for e in found], ensure_ascii=False, indent=2))
        return
    from rich.console import Console

    record = found[0].round if found else status.current_round(root, round_name)
    Console().print(status.table(found, record.name, status.invitees(root, record), record))


@command.command("respond")
@click.argument("comment_id")
@click.option("--status", "status_", type=click.Choice(STATUSES), required=True,
              help="The disposition.")
@click.option("--response", help="The answer to the reviewer.")
@click.option("--by", help="Who decided (default: git user.name).")
@click.pass_obj
def respond_cmd(root: Path, comment_id: str, status_: str, response: str | None,
                by: str | None) -> None:
    """Record the author's disposition and response to a comment, and commit it."""
    from report.review.respond import respond

    review, comment = respond(root, comment_id, status_, response, by)
    click.echo(f"{comment.id}: {comment.disposition.status} "
               f"({review.path.relative_to(Path(root).resolve()).as_posix()})")


def _add_outputs() -> None:
    """Add ``open``, ``export`` and ``changes`` if their module is there."""
    try:
        from report.commands import review_outputs
    except ImportError:
        return
    for name in ("open_cmd", "export_cmd", "changes_cmd"):
        sub = getattr(review_outputs, name, None)
        if sub is not None:
            command.add_command(sub)


_add_outputs()
