"""SIGTERM and SIGINT while a build forks: held until the fork is done, let through in
the child (report.outputs.signals_held). Raised inside the interpreter's fork hooks, their
exception was swallowed with logging's lock still held: the build went on as if never
asked to end, and its next fork from another thread waited for ever."""

from __future__ import annotations

import multiprocessing
import os
import signal

from report.outputs import die_with_parent, held_until_done, signals_held


def test_a_signal_during_a_fork_is_handled_once_the_fork_is_done() -> None:
    seen: list[str] = []
    previous = signal.signal(signal.SIGTERM, lambda *_: seen.append("handled"))
    try:
        with signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            sum(range(100_000))  # bytecode runs: an unheld signal's handler runs here
            seen.append("forked")
        seen.append("after")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == ["forked", "handled", "after"]


def test_a_signal_to_the_process_is_held_while_another_thread_runs() -> None:
    """With another thread that does not block it, the kernel gives the signal to that
    thread and Python's main thread ran the handler at once, inside the held stretch
    (a build always has other threads): the toolkit's handlers wait for its end."""
    import threading
    import time

    seen: list[str] = []
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    previous = signal.signal(signal.SIGTERM,
                             held_until_done(lambda *_: seen.append("handled")))
    try:
        with signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            sum(range(100_000))
            seen.append("forked")
        sum(range(100_000))
        seen.append("after")
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop.set()
        other.join()
    assert seen == ["forked", "handled", "after"]


def _held_in_child(pipe) -> None:
    die_with_parent()
    pipe.send(sorted(signal.pthread_sigmask(signal.SIG_BLOCK, [])))


def test_a_child_forked_meanwhile_can_be_stopped() -> None:
    receive, send = multiprocessing.Pipe(duplex=False)
    with signals_held():
        child = multiprocessing.get_context("fork").Process(target=_held_in_child,
                                                             args=(send,))
        child.start()
    held = receive.recv()
    child.join()
    assert signal.SIGTERM not in held and signal.SIGINT not in held
