"""`report serve`: not built yet."""

import click


@click.command("serve", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
def command() -> None:
    """Not built yet."""
    raise click.ClickException("report serve is not built yet")
