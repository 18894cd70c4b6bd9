"""``report release VERSION [--launch ISO-8601] [--allow-open-comments]``.

Exit 0 with the bundle written and the commit tagged; 1 when a gate refuses (every
failure listed on stderr, nothing written, nothing tagged); 2 on bad input.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import datetime
from pathlib import Path

import click

from report.errors import EXIT_FINDINGS
from report.manuscript import load
from report.release.embargo import LaunchTimeError, describe_launch, parse_launch

_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]*")


def _version(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A version that makes a valid tag name ``vVERSION`` and folder name."""
    if not _VERSION.fullmatch(value) or ".." in value or value.endswith((".", ".lock")):
        raise click.BadParameter(f"{value!r} cannot name a tag: use e.g. 1.0.0", ctx, param)
    return value


def _launch(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_launch(value)
    except LaunchTimeError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


@click.command("release")
@click.argument("version", callback=_version)
@click.option("--launch", callback=_launch, metavar="ISO-8601",
              help="Embargoed launch time, e.g. 2022-03-01T00:01 (London time unless an "
                   "offset is given). Before it, the web edition carries noindex and "
                   "`report publish web` refuses without --preview.")
@click.option("--allow-open-comments", is_flag=True,
              help="Release even though some review comments are still open.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Parallel layout jobs (default: the number of cores).")
@click.pass_obj
def command(root: Path, version: str, launch: datetime | None, allow_open_comments: bool,
            jobs: int | None) -> None:
    """Check every release gate, build all editions final into build/release/VERSION/
    and tag the commit vVERSION.

    VERSION must equal extra.version in mkdocs.yml (committed), so the tag rebuilds the
    same files. The launch time is kept in the tag's message and the bundle's
    manifest.json, where `report publish web` reads it.
    """
    # The release pipeline (every edition, WeasyPrint, the gates) is imported only when a
    # release runs: `report release --help` stays instant.
    from rich.console import Console

    from report.release.bundle import ReleaseRefused, release

    manuscript = load(root)
    console = Console(stderr=True)
    with console.status("checking the release gates…") as status:
        def progress(name: str, stage: str) -> None:
            if stage == "start":
                status.update(f"building the {name} edition…" if name != "accessibility"
                              else "checking accessibility of the digital PDF and EPUB…")
            else:
                console.print(f"[green]✓[/] {name}")

        try:
            done = release(manuscript, version, launch, allow_open_comments=allow_open_comments,
                           jobs=jobs or os.cpu_count() or 1, progress=progress)
        except ReleaseRefused as exc:
            gates = list(dict.fromkeys(f.gate for f in exc.failures))
            click.echo(f"release {version} refused by the {', '.join(gates)} gate"
                       f"{'s' if len(gates) > 1 else ''}; nothing was built or tagged:",
                       err=True)
            for failure in exc.failures:
                click.echo(f"  {failure}", err=True)
            sys.exit(EXIT_FINDINGS)
    for warning in done.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    rel = done.folder.relative_to(manuscript.root).as_posix()
    click.echo(f"released {version}: {rel}/ (tag {done.tag} on {done.commit[:7]})")
    for name, entry in {**done.manifest["editions"], **done.manifest["extras"]}.items():
        pages = entry.get("pages")
        details = [f"{pages} page{'s' if pages != 1 else ''}"] if pages is not None else []
        if entry.get("isbn"):
            details.append(f"ISBN {entry['isbn']}")
        click.echo(f"  {name}: {entry['path']}" + (f" ({', '.join(details)})" if details else ""))
    if done.launch is None:
        click.echo("launch: on release, no embargo")
    elif done.embargoed:
        click.echo(f"launch: {describe_launch(done.launch)} — embargoed until then: the "
                   "web edition carries noindex and `report publish web` refuses without "
                   "--preview")
    else:
        click.echo(f"launch: {describe_launch(done.launch)} (passed)")
    if allow_open_comments:
        from report.release.gates import open_comments

        still_open = open_comments(manuscript)
        if still_open:
            console.print(f"[yellow]warning:[/] released with {len(still_open)} open review "
                          "comments (--allow-open-comments)")
