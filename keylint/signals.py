"""SIGINT and SIGTERM: one way to stop, whichever signal arrives and wherever the program is.

Outside the event loop both raise `Stopped` (a KeyboardInterrupt, so every `except
KeyboardInterrupt` path that handles Ctrl-C handles SIGTERM too). Inside it, an exception
raised by a signal handler would land at a random point of asyncio's or httpx's internals,
so `run` instead turns either signal into a cancellation of the running coroutine: tasks
unwind at their await points, record what was in flight, and `run` raises `Stopped` once
they have.
"""

from __future__ import annotations

import signal
from collections.abc import Coroutine
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopped(KeyboardInterrupt):
    """The run was stopped by SIGINT (Ctrl-C) or SIGTERM."""

    def __init__(self, signum: int = signal.SIGINT, detail: str | None = None) -> None:
        super().__init__()
        self.signum = signum
        self.detail = detail  # what the stop left undone, for the one line on stderr

    @property
    def exit_code(self) -> int:
        """130 for SIGINT, 143 for SIGTERM: 128 + the signal's number, as shells report it."""
        return 128 + self.signum

    @property
    def name(self) -> str:
        return describe(self.signum)


def describe(signum: int) -> str:
    return "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name


def signum_of(stop: KeyboardInterrupt) -> int:
    """The signal behind a stop: a plain KeyboardInterrupt is Ctrl-C."""
    return stop.signum if isinstance(stop, Stopped) else signal.SIGINT


def exit_code(stop: KeyboardInterrupt) -> int:
    return 128 + signum_of(stop)


def install() -> None:
    """Make SIGTERM stop the program as Ctrl-C does, instead of killing it silently."""
    for sig in SIGNALS:
        signal.signal(sig, _raise)


def _raise(signum: int, _frame: FrameType | None) -> None:
    raise Stopped(signum)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coro)`, where SIGINT and SIGTERM cancel `coro` and then raise `Stopped`.

    The coroutine sees an ordinary cancellation, so its TaskGroups cancel their tasks and
    its `except CancelledError`/`finally` blocks run before the program goes on.
    """
    import asyncio  # here, not at the top: every command installs the handlers at start-up,
    # and `validate` (pre-commit) must not pay for asyncio's import

    received: list[int] = []
    watched: list[signal.Signals] = []
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}

    async def main() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def stop(signum: int) -> None:
            if not received:  # a second signal while unwinding changes nothing
                received.append(signum)
                task.cancel()

        for sig in SIGNALS:
            try:
                loop.add_signal_handler(sig, stop, int(sig))
                watched.append(sig)
            except (ValueError, RuntimeError, NotImplementedError):
                pass  # not the main thread (some test runners), or no Unix signals
        try:
            return await coro
        finally:
            for sig in watched:
                loop.remove_signal_handler(sig)

    try:
        result = asyncio.run(main())
    except asyncio.CancelledError:
        if received:
            raise Stopped(received[0]) from None
        raise
    finally:
        # remove_signal_handler resets SIGTERM to the default (die at once): restore ours.
        for sig in watched:
            handler = previous[sig]
            if handler is not None:
                signal.signal(sig, handler)
    if received:
        # The coroutine finished its unwinding without raising: the signal still stops the run.
        raise Stopped(received[0])
    return result
