"""``report serve [--port N]``: live preview of the web edition on 127.0.0.1.

MkDocs' live-reload server with the ``report`` plugin, as ``mkdocs serve`` runs it, with
two changes for speed: file changes are noticed through inotify (watchdog's native
observer) rather than by polling every half second, and a rebuild that fails on bad input
prints ``path:line: message`` and keeps the last good site instead of a traceback. The
site is built in a temporary folder; ``build/`` is not touched.
"""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

import click
import watchdog.events
import watchdog.observers
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.exceptions import MkDocsException
from mkdocs.livereload import LiveReloadServer

from report.editions import web
from report.manuscript import load
from report.render import render

HOST = "127.0.0.1"
# Reading a file is not a change: the build itself opens every chapter, and inotify
# reports those opens, which would rebuild the site forever.
_READS = {"opened", "closed_no_write"}


class _ChangesOnly(watchdog.events.FileSystemEventHandler):
    def __init__(self, inner: watchdog.events.FileSystemEventHandler) -> None:
        self.inner = inner

    def dispatch(self, event: watchdog.events.FileSystemEvent) -> None:
        if event.event_type not in _READS:
            self.inner.dispatch(event)


class _ChangeObserver(watchdog.observers.Observer):
    """The native (inotify) observer, passing on writes, creations, moves and deletions."""

    def schedule(self, event_handler, path, **options):
        return super().schedule(_ChangesOnly(event_handler), path, **options)


def _say(message: str) -> None:
    click.echo(message, err=True)


def preview(root: Path, port: int, host: str = HOST) -> None:
    """Serve the tree's web edition until interrupted, rebuilding on every saved change."""
    render(load(root))  # bad input stops here, with path:line, before anything is served
    url = f"http://{host}:{port}/"
    _check_port(host, port, url)
    site_dir = tempfile.mkdtemp(prefix="report-serve-")

    def config_for_build():
        config = web.site_config(root, site_dir, dev_addr=f"{host}:{port}")
        config.site_url = url
        return config

    def builder(config=None) -> None:
        started = time.monotonic()
        try:
            mkdocs_build(config or config_for_build(), serve_url=url)
        except MkDocsException as exc:
            _say(f"{exc}\nnot rebuilt: fix the problem above and save again")
            return
        _say(f"rebuilt in {time.monotonic() - started:.2f} s")

    config = config_for_build()
    config.plugins.on_startup(command="serve", dirty=False)
    server = LiveReloadServer(builder=builder, host=host, port=port, root=site_dir)
    server.observer = _ChangeObserver()  # inotify: no polling delay
    server.error_handler = lambda code: _error_page(Path(site_dir), code)

    def stop(signum, frame) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        builder(config)
        server.watch(config.docs_dir)
        server.watch(config.config_file_path)
        server = config.plugins.on_serve(server, config=config, builder=builder)
        for item in config.watch:
            server.watch(item)
        _say(f"Serving the web edition on {url} (Ctrl+C to stop)")
        try:
            server.serve()
        except KeyboardInterrupt:
            _say("stopped")
        except OSError as exc:
            raise click.ClickException(f"cannot serve on {url}: {exc.strerror or exc}") \
                from None
        finally:
            server.shutdown()
    finally:
        signal.signal(signal.SIGTERM, previous)
        config.plugins.on_shutdown()
        shutil.rmtree(site_dir, ignore_errors=True)


def _check_port(host: str, port: int, url: str) -> None:
    """Fail before building when the port is taken, rather than after."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.ClickException(f"cannot serve on {url}: {exc.strerror or exc}") \
                from None


def _error_page(site_dir: Path, code: int) -> bytes | None:
    page = site_dir / f"{code}.html"
    return page.read_bytes() if code in (404, 500) and page.is_file() else None


@click.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1.")
@click.pass_obj
def command(root: Path, port: int) -> None:
    """Live preview of the web edition on 127.0.0.1; saved chapters show at once."""
    logging.getLogger("mkdocs").addHandler(logging.StreamHandler(sys.stderr))
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    preview(root, port)
