"""The ``report`` command: thin. It parses options, calls the pipeline, prints.

Exit codes follow the contract: 0 success, 1 findings or a refused gate, 2 bad input.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from report.errors import EXIT_BAD_INPUT, InputError

# One module per verb, imported only when that verb runs: ``report serve`` or
# ``report review status`` should not pay for importing WeasyPrint and MkDocs.
COMMANDS = {
    "build": "report.commands.build",
    "check": "report.commands.check",
    "contributors": "report.commands.contributors",
    "new": "report.commands.new",
    "publish": "report.commands.publish",
    "release": "report.commands.release",
    "review": "report.commands.review",
    "serve": "report.commands.serve",
}


class ReportGroup(click.Group):
    """Turns :class:`InputError` into ``path:line: message`` lines and exit 2, and loads
    each sub-command's module lazily."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = COMMANDS.get(name)
        if module is None:
            return None
        return importlib.import_module(module).command

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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
