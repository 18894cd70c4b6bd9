"""``report serve [--port N]``: live preview of the web edition on 127.0.0.1.

MkDocs' live-reload server with the ``report`` plugin, as ``mkdocs serve`` runs it, with
three changes for speed: file changes are noticed through inotify (watchdog's native
observer) rather than by polling every half second; a rebuilt page whose navigation and
table of contents did not change has its content swapped in by the browser rather than
the page reloaded (``preview_reload.js``); and a rebuild that fails on bad input
prints ``path:line: message`` and keeps the last good site instead of a traceback. The
site is built in a temporary folder; ``build/`` is not touched.
"""

from __future__ import annotations

import functools
import hashlib
import html
import logging
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from report.manuscript import Manuscript

HOST = "127.0.0.1"
# How long MkDocs' server waits for a burst of file events to end before it rebuilds (its
# default is 0.1 s): an editor's save is a write and a rename, a few milliseconds apart.
BUILD_DELAY = 0.02
# Reading a file is not a change: the build itself opens every chapter, and inotify
# reports those opens, which would rebuild the site forever.
_READS = {"opened", "closed_no_write"}


def _say(message: str) -> None:
    click.echo(message, err=True)


_WHERE = re.compile(r"^(\S+?:\d+(?::\d+)?): (.*)$")
OVERLAY_ID = "report-preview-problems"


def overlay(problems: list[str]) -> bytes:
    """The problems of the last save, as a panel over the page (inline styles: the page's
    own stylesheet may be the one that is broken)."""
    items = []
    for problem in problems:
        match = _WHERE.match(problem)
        where, message = (match.group(1), match.group(2)) if match else ("", problem)
        code = f"<code style=\"font-weight:bold\">{html.escape(where)}</code> " if where else ""
        items.append(f"<li>{code}{html.escape(message)}</li>")
    return (
        f'<div id="{OVERLAY_ID}" role="alert" style="position:fixed;left:0;right:0;bottom:0;'
        "z-index:2147483647;max-height:60vh;overflow:auto;background:#fff3f3;color:#1b1b1b;"
        "border-top:6px solid #b00020;padding:1rem 1.5rem;font:16px/1.5 system-ui,sans-serif;"
        'box-shadow:0 -4px 16px rgba(0,0,0,.35)">'
        '<p style="margin:0 0 .5rem;font-weight:bold;color:#b00020">This save did not build. '
        "The page below is the last good version.</p>"
        f'<ul style="margin:0;padding-left:1.25rem">{"".join(items)}</ul>'
        '<p style="margin:.5rem 0 0">Fix the file and save: this panel goes when the report '
        "builds again.</p></div>").encode()


class _Errors(logging.Handler):
    """MkDocs logs a plugin's error and raises only "Aborted with a BuildError!": the
    problems themselves are in the log records."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


RELOAD_SCRIPT = Path(__file__).resolve().with_name("preview_reload.js")
# The page's own content in mkdocs-material's layout: what a save usually changes.
_CONTENT = re.compile(rb'(<article class="md-content__inner[^"]*"[^>]*>).*(</article>)', re.S)


def frame_key(page: bytes) -> str:
    """A hash of everything on a served page but its content: navigation, table of
    contents, title bar, assets. The same key on the page shown and the rebuilt one lets
    the browser swap in the content alone (``preview_reload.js``)."""
    return hashlib.sha256(_CONTENT.sub(rb"\1\2", page, count=1)).hexdigest()


@functools.cache
def _reload_source() -> str:
    return RELOAD_SCRIPT.read_text(encoding="utf-8")


def reload_script(page: bytes, epoch: int) -> bytes:
    """The script that shows the next build of ``page`` (served at ``epoch``): it swaps in
    the new content when the frame is unchanged, else reloads as MkDocs' script does.
    The request id only names the page in the server's log, as MkDocs' does."""
    frame = frame_key(page)
    source = (_reload_source().replace("EPOCH", str(epoch))
              .replace("REQUEST_ID", str(round(time.monotonic() * 1000)))
              .replace("FRAME", frame).replace("OVERLAY_ID", OVERLAY_ID))
    return f'<script id="report-preview-reload" data-frame="{frame}">{source}</script>'.encode()


@functools.cache
def _server_types() -> tuple[type, type]:
    """MkDocs' live-reload server and watchdog's observer, adapted; imported only when a
    preview starts (``report serve --help`` need not load MkDocs)."""
    import watchdog.events
    import watchdog.observers
    from mkdocs.livereload import LiveReloadServer

    class ChangesOnly(watchdog.events.FileSystemEventHandler):
        def __init__(self, inner: watchdog.events.FileSystemEventHandler) -> None:
            self.inner = inner

        def dispatch(self, event: watchdog.events.FileSystemEvent) -> None:
            if event.event_type not in _READS:
                self.inner.dispatch(event)

    class ChangeObserver(watchdog.observers.Observer):
        """The native (inotify) observer, passing on writes, creations, moves and
        deletions."""

        def schedule(self, event_handler, path, **options):
            return super().schedule(ChangesOnly(event_handler), path, **options)

    class PreviewServer(LiveReloadServer):
        """MkDocs' live-reload server that lays the last failed save's problems over every
        page it serves."""

        problems: list[str]

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.problems = []

        def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
            """The page with the preview's reload script (in place of MkDocs' own) and,
            after a failed save, the problems panel."""
            at = content.rfind(b"</body>")
            at = len(content) if at < 0 else at
            panel = overlay(self.problems) if self.problems else b""
            return content[:at] + reload_script(content, epoch) + panel + content[at:]

    return PreviewServer, ChangeObserver


def preview(root: Path, port: int, host: str = HOST) -> None:
    """Serve the tree's web edition until interrupted, rebuilding on every saved change."""
    from report.render import caches_saved
    from report.render.cache import entries_remembered

    with entries_remembered():  # each save reads back the chapters it does not render
        try:
            _serve(root, port, host)
        finally:
            caches_saved()


def _serve(root: Path, port: int, host: str) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import MkDocsException

    from report import fingerprint
    from report.editions import web
    from report.editions.context import BuildContext
    from report.editions.web_plugin import SiteState
    from report.manuscript import load
    from report.outputs import held_until_done
    from report.render import caches_saving, render

    PreviewServer, ChangeObserver = _server_types()
    render(load(root))  # bad input stops here, with path:line, before anything is served
    url = f"http://{host}:{port}/"
    _check_port(host, port, url)
    site_dir = tempfile.mkdtemp(prefix="report-serve-")
    # The site is kept between saves: a save re-renders the pages whose HTML changed.
    state = SiteState(salt=fingerprint.toolkit(root / "build"))

    def config_for_build(manuscript: Manuscript | None = None):
        # The manuscript the save's render was started from, loaded once for both.
        context = BuildContext(manuscript) if manuscript is not None else None
        config = web.site_config(root, site_dir, dev_addr=f"{host}:{port}", context=context,
                                 incremental=state)
        config.site_url = url
        return config

    problems: list[str] = []

    def builder(config=None) -> None:
        started = time.monotonic()
        manuscript = _render_ahead(root) if config is None else None
        errors = _Errors()
        logging.getLogger("mkdocs").addHandler(errors)
        state.current = None
        try:
            mkdocs_build(config or config_for_build(manuscript), serve_url=url, dirty=True)
            state.previous = state.current
        except MkDocsException as exc:
            if state.current is not None:  # it may have written part of the site
                state.previous = None
            # Returning (not raising) lets the browsers reload, onto the overlay.
            problems[:] = [line for message in errors.messages or [str(exc)]
                           for line in message.splitlines() if line.strip()]
            _say(f"{exc}\nnot rebuilt: fix the problem above and save again")
            return
        finally:
            logging.getLogger("mkdocs").removeHandler(errors)
            caches_saving()  # the render's caches, now that the page is written
        problems.clear()
        _say(f"rebuilt in {time.monotonic() - started:.2f} s")

    config = config_for_build()
    config.plugins.on_startup(command="serve", dirty=False)
    server = PreviewServer(builder=builder, host=host, port=port, root=site_dir)
    server.build_delay = BUILD_DELAY
    server.problems = problems
    server.observer = ChangeObserver()  # inotify: no polling delay
    server.error_handler = lambda code: _error_page(Path(site_dir), code)

    def stop(signum, frame) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, held_until_done(stop))
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


def _render_ahead(root: Path) -> Manuscript | None:
    """Start rendering the saved tree while MkDocs loads its configuration (a fifth of a
    second, in Python, while the render mostly waits for pandoc): the plugin's render
    then waits for this one and finds it done (:func:`report.render.render`). Returns
    the manuscript the render started from, for the build to lay out (the tree is read
    once a save), once loaded: MkDocs' loading waits until then rather than slow the
    load down by taking turns with it. None when the tree does not load: the plugin
    loads it again and reports the problem as on any build, as it does a render's
    failure."""
    from report.manuscript import load
    from report.render import render

    loaded: list[Manuscript | None] = [None]
    ready = threading.Event()

    def work() -> None:
        try:
            loaded[0] = load(root)
        except Exception:  # noqa: BLE001 - the plugin's load raises it again, reported
            return
        finally:
            ready.set()
        try:
            render(loaded[0])
        except Exception:  # noqa: BLE001 - the plugin's render raises it again, reported
            pass

    threading.Thread(target=work, name="report-render-ahead", daemon=True).start()
    ready.wait()
    return loaded[0]


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
