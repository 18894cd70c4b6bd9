"""SIGTERM and SIGINT while a build forks: held until the fork is done, let through in
the child (report.outputs.signals_held). Raised inside the interpreter's fork hooks, their
exception was swallowed with logging's lock still held: the build went on as if never
asked to end, and its next fork from another thread waited for ever."""

from __future__ import annotations

import multiprocessing
import os
import signal

from report.outputs import die_with_parent, signals_held


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
