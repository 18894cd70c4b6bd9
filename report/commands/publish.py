"""`report publish`: not built yet."""

import click


@click.command("publish", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
def command() -> None:
    """Not built yet."""
    raise click.ClickException("report publish is not built yet")
