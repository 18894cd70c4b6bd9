"""`report contributors`: not built yet."""

import click


@click.command("contributors", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
def command() -> None:
    """Not built yet."""
    raise click.ClickException("report contributors is not built yet")
