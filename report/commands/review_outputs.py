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
    try:
        changes.write(red, target, root)
    except changes.NamedWithoutConsent as exc:
        for leak in exc.leaks:
            click.echo(leak, err=True)
        click.echo("report review changes: refused: the redline would name someone "
                   "without consent (nothing was written)", err=True)
        raise SystemExit(EXIT_FINDINGS) from None
    changed = len(red.changed)
    click.echo(f"{_relative(target, root)}: {changed} of {len(red.chapters)} chapters "
               "changed since the round.")


@click.command("export")
@click.option("--round", "round_name", metavar="R", help="The round (default: as status).")
@click.option("--format", "fmt", required=True, type=click.Choice(["xlsx", "csv", "md", "html"]),
              help="xlsx, csv or md: the comment resolution matrix; html: the dashboard.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Output file; with --per-reviewer, a folder for the letters.")
@click.option("--anonymise", is_flag=True, help='Name reviewers "Reviewer 1", "Reviewer 2"….')
@click.option("--per-reviewer", is_flag=True,
              help="One letter per reviewer (md or html) saying what became of each comment.")
def export_cmd(round_name: str | None, fmt: str, output: Path, anonymise: bool,
               per_reviewer: bool) -> None:
    """The disposition of comments: matrix, dashboard, or letters to reviewers."""
    from report.manuscript import load
    from report.review import export

    if per_reviewer and fmt not in ("md", "html"):
        raise click.UsageError("--per-reviewer writes letters as md or html")
    root = _root()
    manuscript = load(root)
    if round_name is not None:
        from report.review.round import check_name

        check_name(round_name)
    items = export.entries(manuscript, round_name, anonymise=anonymise)
    title = manuscript.manifest.full_title
    target = output.resolve()
    if per_reviewer:
        written = export.write_letters(target, items, fmt=fmt, title=title,
                                       round_name=round_name, anonymise=anonymise)
        click.echo(f"{len(written)} letters in {_relative(target, root)}")
        return
    chapter_titles = {c.rel: c.title for c in manuscript.chapters}
    export.write_matrix(target, items, fmt=fmt, title=title, chapter_titles=chapter_titles)
    click.echo(f"{_relative(target, root)}: {len(items)} comments")
