"""Writing outputs so that a failure never leaves half a file behind.

Every file the toolkit writes goes to a temporary name beside its target and is renamed
into place only when complete: a crash or a refused build leaves the previous output
(or nothing), never a truncated PDF that someone might send to a printer.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import sys
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it into place on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp_path = Path(tmp)
    try:  # from here on, whatever stops us (SIGTERM too) removes the file
        os.close(fd)
        yield tmp_path
        # mkstemp creates files readable by the owner only; outputs are for sharing.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; swap it into place on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:  # from here on, whatever stops us (SIGTERM too) removes the folder
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it owner-only; outputs are shared
        yield tmp
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old.{os.getpid()}")
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


STALE_AFTER = 3600  # seconds: no single output takes an hour to write


def remove_stale_temporaries(folder: Path, now: float | None = None) -> list[Path]:
    """Remove what a killed command left in ``folder``: temporary files and folders of
    :func:`atomic_path` and :func:`atomic_dir` untouched for an hour.

    A ``kill -9`` (or a power cut) runs no clean-up code, so the next build does it.
    """
    import time

    now = time.time() if now is None else now
    removed = []
    if not folder.is_dir():
        return removed
    for path in folder.rglob(".*"):
        temporary = (path.is_file() and path.name.endswith(".tmp")) or (
            path.is_dir() and path.name.startswith(".site."))
        try:
            if temporary and now - path.lstat().st_mtime > STALE_AFTER:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


# The signals a build turns into exceptions (report.cli): held while it forks, and
# while the command sets up its handler.
_HELD = frozenset({signal.SIGTERM, signal.SIGINT})


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGTERM and SIGINT while this thread runs code that a raised exception
    would leave half done: a fork, and Python's first look for its temporary folder
    (:mod:`report.cli`). Only the main thread needs it: Python runs its handlers there.

    Around a fork: their handlers raise (a cancelled CI job unwinds like Ctrl-C), and
    the interpreter runs Python code around a fork (``os.register_at_fork``: logging
    takes its lock before and gives it back after). An exception raised there is swallowed, and one
    raised between logging's taking and giving back its lock left the lock held: the
    build went on as if never asked to end, and its next fork from another thread
    waited for that lock for ever (1 of 60 builds terminated early in a run). Held, the
    signal is delivered once the fork is done, where its exception unwinds the build.
    Every forked child lets them through again (:func:`die_with_parent`)."""
    import threading

    if (threading.current_thread() is not threading.main_thread()
            or not hasattr(signal, "pthread_sigmask")):  # no POSIX threads (Windows)
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def children_folder(owner: object, prefix: str) -> tuple[str, weakref.finalize]:
    """A temporary folder for the files of processes this one forks (WeasyPrint's font
    folders, a layout's own), and the finalizer that removes it: called when ``owner``
    is done with its children, else when ``owner`` is collected or this process ends.
    A child killed with its build (SIGKILL, :func:`die_with_parent`) cannot remove its
    own files, and a cancelled build left them in the temporary folder. Removed in this
    process only: a process forked from it, ending, must not take it from the others."""
    folder = tempfile.mkdtemp(prefix=prefix)
    return folder, weakref.finalize(owner, _remove_if_mine, folder, os.getpid())


def _remove_if_mine(folder: str, owner: int) -> None:
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


def in_children_folder(folder: str) -> None:
    """In a forked child: its temporary files go in ``folder`` (:func:`children_folder`)."""
    tempfile.tempdir = folder


def die_with_parent() -> None:
    """Make this (worker) process die when the build that started it dies, and let
    through the signals its parent held while forking it (:func:`signals_held`).

    A killed build (``kill -9``, a cancelled CI job) must not leave layout workers
    running and writing into ``build/``. Linux delivers SIGKILL to the worker when its
    parent ends (``PR_SET_PDEATHSIG``); elsewhere the pool's own shutdown has to do.
    """
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the call above
        os._exit(1)
