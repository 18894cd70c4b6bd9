"""`report review`: not built yet."""

import click


@click.command("review", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
def command() -> None:
    """Not built yet."""
    raise click.ClickException("report review is not built yet")
