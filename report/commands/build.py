"""``report build [EDITION ...] [--final] [--jobs N]``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console

from report import build as pipeline
from report.editions import EDITION_ORDER
from report.editions.printed import NO_PROFILE
from report.errors import EXIT_FINDINGS, BuildStopped
from report.manuscript import load


@click.command("build")
@click.argument("editions", nargs=-1, type=click.Choice(EDITION_ORDER))
@click.option("--final", is_flag=True, help="Build final editions: no draft stamp.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Parallel layout jobs (default: the number of cores).")
@click.pass_obj
def command(root: Path, editions: tuple[str, ...], final: bool, jobs: int | None) -> None:
    """Build the editions (all five when none is named) into build/."""
    manuscript = load(root)
    console = Console(stderr=True)
    names = editions or EDITION_ORDER

    with console.status("rendering…") as status:
        def progress(name: str, stage: str) -> None:
            if stage == "start":
                status.update(f"building the {name} edition…")
            else:
                console.print(f"[green]✓[/] {name}")

        def warn(text: str) -> None:
            # A draft has no printer yet: the missing print profile is said once by
            # `report check`, and by the final build, where it matters.
            if not final and text.endswith(NO_PROFILE):
                return
            console.print(f"[yellow]warning:[/] {text}")

        try:
            manifest = pipeline.build(manuscript, names, final=final,
                                      jobs=jobs or os.cpu_count() or 1, progress=progress,
                                      warn=warn)
        except BuildStopped as exc:
            click.echo(f"build stopped: {exc}", err=True)
            sys.exit(EXIT_FINDINGS)
        except pipeline.LeakFound as exc:
            for leak in exc.leaks:
                click.echo(leak, err=True)
            click.echo("build refused: a name without consent reached a built file "
                       "(the file was deleted)", err=True)
            sys.exit(EXIT_FINDINGS)
    for name, entry in manifest["editions"].items():
        if name in names:
            pages = f" ({entry['pages']} pages)" if "pages" in entry else ""
            click.echo(f"{name}: {entry['path']}{pages}")
