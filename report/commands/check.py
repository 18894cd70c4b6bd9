"""`report check`: not built yet."""

import click


@click.command("check", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
def command() -> None:
    """Not built yet."""
    raise click.ClickException("report check is not built yet")
