"""`report new`: not built yet."""

import click


@click.command("new", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
def command() -> None:
    """Not built yet."""
    raise click.ClickException("report new is not built yet")
