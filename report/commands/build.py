"""``report build [EDITION ...] [--final] [--jobs N]``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from report import fingerprint
from report.editions import EDITION_ORDER
from report.errors import EXIT_FINDINGS, BuildStopped


@click.command("build")
@click.argument("editions", nargs=-1, type=click.Choice(EDITION_ORDER))
@click.option("--final", is_flag=True, help="Build final editions: no draft stamp.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Parallel layout jobs (default: the number of cores).")
@click.pass_obj
def command(root: Path, editions: tuple[str, ...], final: bool, jobs: int | None) -> None:
    """Build the editions (all five when none is named) into build/."""
    names = editions or EDITION_ORDER
    # One reading of the toolkit for the whole build (fingerprint.pinned): the key is
    # taken before the build, so a toolkit changed while it runs leads to another build.
    with fingerprint.pinned():
        # Nothing changed since the last build of these editions: say what is there, lay
        # out nothing. Only the fingerprint's light modules are imported on this path.
        # Not a report tree: no hashing of whatever folder this is, load() says what is
        # wrong.
        key = (fingerprint.fingerprint(root, names, final=final) if fingerprint.is_tree(root)
               else None)
        manifest = fingerprint.unchanged(root, key, names) if key else None
        if manifest is None:
            manifest = _build(root, names, final, jobs)
            if key:
                fingerprint.record(root, key, names)
        else:
            click.echo("nothing changed since the last build", err=True)
    _print_editions(manifest, names)


def _build(root: Path, names: tuple[str, ...], final: bool, jobs: int | None) -> dict:
    """Render and lay out the editions; the pipeline's imports are paid only here."""
    from rich.console import Console

    from report import build as pipeline
    from report.manuscript import load

    manuscript = load(root)
    console = Console(stderr=True)

    with console.status("rendering…") as status:
        def progress(name: str, stage: str) -> None:
            if stage == "start":
                status.update(f"building the {name} edition…")
            elif stage == "unchanged":
                console.print(f"[green]✓[/] {name} (unchanged since the last build)")
            else:
                console.print(f"[green]✓[/] {name}")

        def warn(text: str) -> None:
            # A draft has no printer yet: the missing print profile is said once by
            # `report check`, and by the final build, where it matters.
            if not final and "print" in names:  # the print module is loaded then anyway
                from report.editions.printed import NO_PROFILE

                if text.endswith(NO_PROFILE):
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
    return manifest


def _print_editions(manifest: dict, names: tuple[str, ...]) -> None:
    for name, entry in manifest["editions"].items():
        if name in names:
            pages = f" ({entry['pages']} pages)" if "pages" in entry else ""
            click.echo(f"{name}: {entry['path']}{pages}")
