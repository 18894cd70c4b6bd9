"""The ``report`` command: thin. It parses options, calls the pipeline, prints.

Exit codes follow the contract: 0 success, 1 findings or a refused gate, 2 bad input.
"""

from __future__ import annotations

import errno
import importlib
import signal
import sys
import threading
from pathlib import Path

import click

from report.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, InputError

# What the machine, not the input, does wrong when a command writes.
WRITE_FAULTS = frozenset({errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM,
                          errno.EDQUOT, errno.EFBIG})

# One module per verb, imported only when that verb runs: ``report serve`` or
# ``report review status`` should not pay for importing WeasyPrint and MkDocs.
COMMANDS = {
    "build": ("report.commands.build", "Build the editions into build/ (all five by default)."),
    "check": ("report.commands.check", "Check the manuscript, as a linter (and built files)."),
    "contributors": ("report.commands.contributors",
                     "The contributors list exactly as the editions print it."),
    "new": ("report.commands.new", "Create a new report tree that builds at once."),
    "publish": ("report.commands.publish", "Publish a built edition (the web edition)."),
    "release": ("report.commands.release", "Run the release gates, build final, tag."),
    "review": ("report.commands.review", "Consultation rounds: packs, comments, answers."),
    "serve": ("report.commands.serve", "Live preview of the web edition on 127.0.0.1."),
}


class WholeHelpGroup(click.Group):
    """A group whose command list shows each sub-command's first sentence whole, wrapped,
    rather than cut at the terminal width with "..." (``report review --help``)."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def hoist_root(args: list[str]) -> list[str]:
    """``--root DIR`` moved before the verb, so that ``report check --root .`` works as
    ``report --root . check`` does (people type the option where they think of it)."""
    args = list(args)
    verb = None
    for i, arg in enumerate(args):
        if arg in COMMANDS and (i == 0 or args[i - 1] != "--root"):
            verb = i
            break
    if verb is None:
        return args
    end = args.index("--") if "--" in args[verb:] else len(args)
    i = verb + 1
    while i < end:
        if args[i] == "--root" and i + 1 < end:
            value = args[i:i + 2]
            del args[i:i + 2]
            args[verb:verb] = value
            verb += 2
            continue
        if args[i].startswith("--root="):
            args.insert(verb, args.pop(i))
            verb += 1
        i += 1
    return args


class ReportGroup(click.Group):
    """Turns :class:`InputError` into ``path:line: message`` lines and exit 2, and loads
    each sub-command's module lazily."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        return importlib.import_module(COMMANDS[name][0]).command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The verbs' one-line help without importing them (``report --help`` stays fast)."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, help_) for name, (_, help_) in sorted(COMMANDS.items())])

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InputError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except OSError as exc:
            if exc.errno not in WRITE_FAULTS:
                raise
            # A full disk or a read-only folder: nothing was half-written (every output
            # goes through a temporary file), so one line says what to fix.
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"{where}cannot write: {exc.strerror or exc}", err=True)
            ctx.exit(EXIT_FINDINGS)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_root(args))

    def main(self, *args, **kwargs):
        # Click's own usage errors exit 2 already, as the contract wants. A terminated
        # command (SIGTERM: a cancelled CI job) unwinds like Ctrl-C, so that every
        # temporary file and folder is removed on the way out.
        if threading.current_thread() is threading.main_thread():
            from report.outputs import held_until_done

            signal.signal(signal.SIGTERM, held_until_done(_terminated))
        return super().main(*args, **kwargs)


def _handle_termination() -> None:
    """SIGTERM raises SystemExit from here on (and Ctrl-C KeyboardInterrupt, as ever),
    both waiting while the build forks (``report.outputs.signals_held``), and this
    command's temporary files and folders all go in one of its own, removed at exit
    (``report.outputs.own_temporary_folder``). Set up with the signals held, so that a
    termination meanwhile is handled once both are in place."""
    from report.outputs import held_until_done, own_temporary_folder, signals_held

    with signals_held():
        own_temporary_folder()
        signal.signal(signal.SIGTERM, held_until_done(_terminated))
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, held_until_done(signal.default_int_handler))


def _terminated(signum: int, frame) -> None:
    raise SystemExit(128 + signum)


@click.group(cls=ReportGroup)
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              help="The report tree (default: the current folder).")
@click.version_option(package_name="report-toolkit")
@click.pass_context
def main(ctx: click.Context, root: Path) -> None:
    """Write, review and publish a report from Markdown chapters in git."""
    ctx.obj = root.resolve()


def run() -> None:
    """The ``report`` command (its console script): :func:`main`, then straight out.

    Freeing what a build leaves loaded (WeasyPrint, pikepdf, MkDocs, lxml and their
    objects) took Python 0.2 s at exit, after the work was done: a tenth of a one-chapter
    edit of the bundled report. Threads are joined and exit handlers run (temporary
    folders, worker pools, logging, open files flushed) as at any exit; only the freeing
    of memory the process is about to give back is skipped.

    Python's cyclic garbage collector runs less often than its default (every 50,000
    allocations rather than 700; the full collection a hundredth as often): decoding
    pandoc's JSON and walking the chapters' trees makes objects by the million, and
    the collector scanned them again and again for the few cycles among them. A cold
    print build of the 470-page corpus: 4.2–4.5 s of the build process's CPU before,
    3.9–4.1 s after, the same resident set (``scripts/build_phases.py``). The layout
    workers collect once after each layout instead (``report.editions.pdf``).
    """
    import gc

    gc.set_threshold(50_000, 50, 100)
    try:
        _handle_termination()
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    _leave(code)


def _leave(code: object) -> None:
    """Exit with ``code`` as ``sys.exit`` would, skipping the interpreter's teardown."""
    import atexit
    import os

    shutdown = getattr(threading, "_shutdown", None)  # what Python's own exit calls first
    if shutdown is None:  # pragma: no cover - another Python: the ordinary exit
        sys.exit(code)
    shutdown()
    atexit._run_exitfuncs()
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(status & 0xFF)


if __name__ == "__main__":  # pragma: no cover
    run()
