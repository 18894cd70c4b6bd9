"""``report publish web --remote GIT_URL [--branch gh-pages] [--preview]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from report import publish
from report.cli import WholeHelpGroup
from report.errors import EXIT_FINDINGS
from report.manuscript import load


@click.group("publish", cls=WholeHelpGroup)
def command() -> None:
    """Publish a built edition."""


@command.command("web")
@click.option("--remote", required=True, metavar="GIT_URL",
              help="The git remote to push to (URL or path).")
@click.option("--branch", default="gh-pages", show_default=True,
              help="The branch that holds the published site.")
@click.option("--preview", is_flag=True,
              help="Publish before the launch, with noindex on every page.")
@click.option("--site", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The site to push (default build/site; e.g. build/release/1.0.0/site).")
@click.pass_obj
def web(root: Path, remote: str, branch: str, preview: bool, site: Path | None) -> None:
    """Push build/site as a commit on BRANCH of the remote (as mkdocs gh-deploy does)."""
    manuscript = load(root)
    if site is not None and not site.is_absolute():
        site = root / site
    try:
        done = publish.publish_web(manuscript, publish.remote_url(remote), branch, preview,
                                   site=site)
    except publish.PublishRefused as exc:
        click.echo(f"publish refused: {exc}", err=True)
        sys.exit(EXIT_FINDINGS)
    except publish.PublishFailed as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_FINDINGS)
    what = "preview (noindex)" if done.preview else "web edition"
    if done.changed:
        click.echo(f"published the {what} to {branch} of {remote}: {done.commit[:12]} "
                   f"({done.files} files)")
    else:
        click.echo(f"{branch} of {remote} already holds this {what}: {done.commit[:12]}")
