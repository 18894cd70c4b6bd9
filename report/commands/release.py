"""`report release`: not built yet."""

import click


@click.command("release", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
def command() -> None:
    """Not built yet."""
    raise click.ClickException("report release is not built yet")
