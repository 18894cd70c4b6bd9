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
from collections.abc import Callable, Iterator
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
def atomic_named(target: Path) -> Iterator[Path]:
    """Yield a temporary path with ``target``'s own name (in a folder beside it); rename
    it into place on success. For a file that is read by its kind before it is kept
    (the consent scan knows a file by its suffix): :func:`atomic_path`'s ends ``.tmp``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:  # from here on, whatever stops us (SIGTERM too) removes the folder
        made = folder / target.name
        yield made
        os.replace(made, target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; swap it into place on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
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
    :func:`atomic_path`, :func:`atomic_named` and :func:`atomic_dir` (all end ``.tmp``;
    a site's, made before they did, start ``.site.``) untouched for an hour.

    A ``kill -9`` (or a power cut) runs no clean-up code, so the next build does it.
    """
    import time

    now = time.time() if now is None else now
    removed = []
    if not folder.is_dir():
        return removed
    for path in folder.rglob(".*"):
        temporary = path.name.endswith(".tmp") or (
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
# while the command makes its own temporary folder.
_HELD = frozenset({signal.SIGTERM, signal.SIGINT})


class _Hold:
    """How deep the main thread is in :func:`signals_held`, and the signal that came."""

    depth = 0
    pending: int | None = None


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGTERM and SIGINT while this thread runs code that a raised exception
    would leave half done: a fork, and the making of the command's own temporary folder
    (:func:`own_temporary_folder`). Only the main thread needs it: Python runs its
    handlers there. A signal that came meanwhile is raised again at the end.

    Around a fork: the handlers raise (a cancelled CI job unwinds like Ctrl-C), and
    the interpreter runs Python code around a fork (``os.register_at_fork``: logging
    takes its lock before and gives it back after). An exception raised there is
    swallowed, and one raised between logging's taking and giving back its lock left the
    lock held: the build went on as if never asked to end, and its next fork from
    another thread waited for that lock for ever.

    Blocking the signals in this thread (``pthread_sigmask``) is not enough once the
    build has other threads: the kernel gives a signal sent to the process to a thread
    that does not block it, Python's C handler there marks it, and the main thread ran
    the Python handler at once, inside the fork's hooks (the fifth build terminated at
    a random moment by ``scripts/terminate_probe.py`` hung so, for good). So the handlers the
    toolkit sets (:func:`held_until_done`) also wait while the main thread is in here.
    Every forked child lets them through again (:func:`die_with_parent`)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    masked = hasattr(signal, "pthread_sigmask")  # POSIX threads (not Windows)
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD) if masked else None
    _Hold.depth += 1
    try:
        yield
    finally:
        _Hold.depth -= 1
        if masked:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)
        if not _Hold.depth and _Hold.pending is not None:
            signum, _Hold.pending = _Hold.pending, None
            signal.raise_signal(signum)


def held_until_done(handler: Callable[[int, object], object]
                    ) -> Callable[[int, object], object]:
    """``handler``, waiting while the main thread is in :func:`signals_held`."""
    def handle(signum: int, frame: object) -> object:
        if _Hold.depth:
            _Hold.pending = signum
            return None
        return handler(signum, frame)

    return handle


_USER_TEMPORARY: str | None = None  # the temporary folder before own_temporary_folder


def own_temporary_folder() -> None:
    """Put every temporary file and folder of this command, and of what it runs (library
    code, pandoc, the processes it forks), in one folder of its own, removed at its exit.

    A terminated command (SIGTERM, a cancelled CI job) unwinds through clean-up code,
    but Python makes a temporary folder or file in two steps (``mkdir``, then the
    clean-up's registration), and an exception raised between them (a build terminated
    as its first folder appeared: 1 run in 5 to 15) left it behind in the user's
    temporary folder. Only this folder is made with the signals held, its removal
    registered before they are let through; whatever is made in it later goes with it.
    Python's first look for the temporary folder (a probe file, written and removed) is
    done here too, held. Call it from the command's own process (``report.cli.run``),
    with the SIGTERM handler set in the same held stretch (:func:`signals_held`)."""
    import atexit

    global _USER_TEMPORARY
    _USER_TEMPORARY = tempfile.gettempdir()
    _remove_folders_of_ended_commands(Path(_USER_TEMPORARY))
    folder = tempfile.mkdtemp(prefix=f"report-{os.getpid()}-", dir=_USER_TEMPORARY)
    atexit.register(_remove_if_mine, folder, os.getpid())
    tempfile.tempdir = folder
    os.environ["TMPDIR"] = folder


def _remove_folders_of_ended_commands(temporary: Path, now: float | None = None) -> None:
    """Remove the folders of commands killed (``kill -9``, which no exit handler sees)
    an hour ago or more: each is named with its process's id, and is left alone while a
    process of that id runs (``report serve`` runs for hours)."""
    import re
    import time

    now = time.time() if now is None else now
    for path in temporary.glob("report-*-*"):
        found = re.fullmatch(r"report-(\d+)-\w{8}", path.name)
        try:
            if not found or now - path.lstat().st_mtime < STALE_AFTER:
                continue
            os.kill(int(found[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except (OSError, OverflowError):  # someone else's process, or not ours to read
            continue


def user_temporary_folder() -> str:
    """The user's temporary folder, for what should outlive this command (Jinja's
    compiled templates), even inside :func:`own_temporary_folder`."""
    return _USER_TEMPORARY or tempfile.gettempdir()


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
    _Hold.depth, _Hold.pending = 0, None  # forked inside the parent's held stretch
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
