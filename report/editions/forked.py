"""Work of a build done in a forked process, into a folder of its own, while the build's
own process goes on with other work.

A build's process does most of its work in Python, one interpreter lock for all its
threads; the layout workers and pandoc run on the other core, but after a one-chapter
edit they are idle most of the time while this process makes the Word and EPUB
documents and assembles the PDFs. Forked, such work has the render and the layouts as
they are, and runs on the other core.

Whatever the process does is a guess the build can do without: it writes its result
into its folder, and the caller takes it or, if the process failed, overran its time or
was never started, does the work itself. What else it writes (the EPUB's kept chapter
files) it writes as the build does, to a temporary name renamed into place; stopped, it
is asked to end first (SIGTERM, which it turns into an exception, so that a file it was
writing is removed), and killed only if it does not. A process forked from one with
threads could in principle hang on a lock one of them held; the waits are bounded for
that. It dies with the build (``report.outputs.die_with_parent``).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

STARTED = "started"  # what work touches in its folder once past its Python set-up


def available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class Forked:
    """``work(folder)`` in a forked process; :meth:`wait` for it, :meth:`close` always."""

    def __init__(self, work: Callable[[Path], None]) -> None:
        from report.outputs import die_with_parent, signals_held

        self.folder = Path(tempfile.mkdtemp(prefix="report-forked-"))
        folder = self.folder

        def run() -> None:
            die_with_parent()
            # What it inherited from the build is not scanned by its collections (nor
            # its pages copied by a scan).
            gc.freeze()
            try:
                signal.signal(signal.SIGTERM, _ended)
                work(folder)
            except BaseException:  # the caller does the work itself and meets the error
                os._exit(1)
            os._exit(0)

        self._process = multiprocessing.get_context("fork").Process(target=run, daemon=True)
        try:
            with signals_held():
                self._process.start()
        except BaseException:
            self.close()
            raise

    def wait(self, within: float, started_within: float | None = None) -> Path | None:
        """The folder once the work ended well; None when it failed or had not ended
        ``within`` seconds (or, given ``started_within``, had not touched STARTED by
        then: its Python set-up hung), and then the process is stopped."""
        if started_within is not None:
            deadline = time.monotonic() + started_within
            while (not (self.folder / STARTED).exists() and self._process.is_alive()
                   and time.monotonic() < deadline):
                self._process.join(0.05)
            if not (self.folder / STARTED).exists():
                within = 0
        self._process.join(within)
        self._stop()
        return self.folder if self._process.exitcode == 0 else None

    def close(self) -> None:
        """Stop the process if it still runs, and remove its folder."""
        try:
            self._stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self._process.is_alive()

    def _stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()  # its clean-up runs (see _ended)
            self._process.join(STOP_WAIT)
        if self._process.is_alive():
            self._process.kill()
        self._process.join()


class Apart:
    """``work()`` begun in a forked process, for this one to go on with other work (the
    digital edition's assembly, while the build finishes the Word and EPUB editions).
    What it writes it writes as the build does, to a temporary name renamed into place;
    what it made in memory it does not free (the process ends with ``os._exit``: freeing
    the corpus's merged digital book was 0.4 s). :meth:`done` waits for it; when the
    process failed, hung, or could not be started, ``work()`` runs again here, and meets
    its error here."""

    def __init__(self, work: Callable[[], None]) -> None:
        self._work = work

        def run(folder: Path) -> None:
            (folder / STARTED).touch()
            work()

        self._forked: Forked | None = None
        if available():
            try:
                self._forked = Forked(run)
            except OSError:  # no process to be had: done here, in turn
                pass

    def done(self) -> None:
        forked, self._forked = self._forked, None
        if forked is not None:
            try:
                if forked.wait(APART_WAIT, started_within=APART_START_WAIT) is not None:
                    return
            finally:
                forked.close()
        self._work()

    def stop(self) -> None:
        """Not wanted after all (the build stopped): end the process, if it still runs."""
        if self._forked is not None:
            self._forked.close()
            self._forked = None


# How long work apart may take to start (it touches STARTED first thing: longer means it
# hangs on a lock held at the fork) and to end (a cold assembly of the 470-page corpus
# takes seconds) before the build stops it and does the work itself.
APART_START_WAIT = 60
APART_WAIT = 1800
STOP_WAIT = 5  # seconds a stopped process has to clean up before it is killed


def _ended(signum: int, frame: object) -> None:
    """SIGTERM in a forked process: an exception, so that the files it was writing are
    removed on the way out (``report.outputs.atomic_path``)."""
    raise SystemExit(1)
