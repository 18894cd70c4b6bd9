"""`report new DIR [--title ...]`: start the next report from a tree that already works.

The new tree has this report's layout (manifest, an example chapter showing every
construct, references, an empty ``contributors.yaml`` and ``review/``), the CI workflows
and the pre-commit config, and is a git repository with one commit, so that
``report build`` and ``report check`` pass in it at once. See :mod:`report.scaffold`.
"""

from __future__ import annotations

from pathlib import Path

import click

from report.scaffold import create


@click.command("new")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--title", help="The report's title (site_name); default: from DIR's name.")
@click.option("--toolkit", metavar="REQUIREMENT",
              help="How the new tree installs this toolkit (a pip requirement for "
                   "requirements.txt), e.g. 'report-toolkit @ git+https://…@v0.2.0'. "
                   "Default: where this toolkit was installed from, when pip recorded it.")
@click.option("--git/--no-git", "init_git", default=True, show_default=True,
              help="Make the tree a git repository with a first commit.")
def command(directory: Path, title: str | None, toolkit: str | None, init_git: bool) -> None:
    """Create a new report tree in DIR (a new or empty folder)."""
    made = create(directory, title=title, toolkit=toolkit, init_git=init_git)
    click.echo(f"New report {made.title!r} in {made.path}"
               + (f" (first commit {made.commit[:7]})" if made.commit else ""))
    if not made.toolkit_known:
        click.echo("note: set where CI installs the toolkit from in requirements.txt "
                   "(a git URL and tag), or pass --toolkit", err=True)
    click.echo(f"Next: cd {made.path} && report build && report check")
