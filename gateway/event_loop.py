"""Which event loop `gateway serve` runs on: uvloop where it is installed, else asyncio's own.

The gateway is one process whose event loop does intake and every backend
call, and that loop's own cost (sockets, callbacks, timers) is a large part
of each delivery: with uvloop, bench/deliver.py measured 15-20% more
deliveries a second on the same machine. `[gateway] event_loop` chooses:
"auto" (uvloop when it can be imported: not on Windows), "uvloop" (refuse
to start without it) or "asyncio".
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class EventLoopUnavailable(RuntimeError):
    """`event_loop = "uvloop"` was asked for on a machine without it."""


def loop_factory(choice: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """What makes the chosen loop (None: asyncio's default)."""
    if choice == "asyncio":
        return None
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError as exc:
        if choice == "uvloop":
            raise EventLoopUnavailable(
                '[gateway] event_loop = "uvloop" but uvloop is not installed here '
                '(pip install uvloop, or set event_loop = "auto" or "asyncio")'
            ) from exc
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(main: Callable[[], Coroutine[Any, Any, T]], choice: str) -> T:
    """Run `main()` to its end on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        return runner.run(main())


def running_loop_name() -> str:
    """The running loop's kind, as the start-up line says it."""
    return (
        "uvloop" if type(asyncio.get_running_loop()).__module__.startswith("uvloop") else "asyncio"
    )
