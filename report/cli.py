"""The ``report`` command: thin. It parses options, calls the pipeline, prints.

Exit codes follow the contract: 0 success, 1 findings or a refused gate, 2 bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from report.errors import EXIT_BAD_INPUT, InputError


class ReportGroup(click.Group):
    """Turns :class:`InputError` into ``path:line: message`` lines and exit 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InputError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            ctx.exit(EXIT_BAD_INPUT)

    def main(self, *args, **kwargs):
        # Click's own usage errors exit 2 already, as the contract wants.
        return super().main(*args, **kwargs)


@click.group(cls=ReportGroup)
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              help="The report tree (default: the current folder).")
@click.version_option(package_name="report-toolkit")
@click.pass_context
def main(ctx: click.Context, root: Path) -> None:
    """Write, review and publish a report from Markdown chapters in git."""
    ctx.obj = root.resolve()


def _register() -> None:
    from report.commands import build, check, contributors, new, publish, release, review, serve

    for module in (build, check, contributors, new, publish, release, review, serve):
        main.add_command(module.command)


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
