"""Running a batch from the command line: progress bar, and stopping on a signal.

SIGINT (Ctrl-C) and SIGTERM set the batch's stop event instead of raising in the
middle of a write: the batch then stops starting submissions, ends its workers,
records what finished and returns, within moments.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from autograder.cli.common import console
from autograder.engine.batch import BatchOutcome
from autograder.engine.results import SubmissionResult

INTERRUPTED = 130  # exit code after a signal, as shells report SIGINT


@dataclass
class Stop:
    """The stop event of a batch, and the signal that set it, if any."""

    event: threading.Event = field(default_factory=threading.Event)
    signal: str = ""


@contextmanager
def stop_on_signals() -> Iterator[Stop]:
    """SIGINT and SIGTERM stop the batch (a second Ctrl-C is ignored while it stops)."""
    stop = Stop()

    def handle(signum: int, frame: object) -> None:
        stop.signal = signal.Signals(signum).name
        stop.event.set()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def with_progress(total: int, title: str,
                  run: Callable[[Callable[[SubmissionResult], None]], BatchOutcome]
                  ) -> BatchOutcome:
    """Run ``run(advance)`` under a progress bar of ``total`` submissions."""
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn()]
    with Progress(*columns, console=console, transient=False, refresh_per_second=2) as progress:
        task = progress.add_task(title, total=total)
        return run(lambda result: progress.advance(task))
