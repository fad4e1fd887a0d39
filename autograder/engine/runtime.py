"""A submission's live state: its worker, the cells it ran, and recovery.

:class:`NotebookRuntime` executes the notebook's code cells in order, continuing
past failing cells. When a cell or a call kills the worker (``os._exit``, a memory or
time limit), it starts a fresh worker and replays the cells that had run before,
skipping the ones that killed it, so one fatal cell or one runaway function costs
only what it touches.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from autograder.engine.budgets import Budgets
from autograder.engine.crowding import STARVED_FACTOR
from autograder.engine.errors import StudentError
from autograder.engine.results import CellLog, Failure
from autograder.engine.session import Reply, Session, WorkerDied, WorkerFactory, WorkerTimeout
from autograder.sandbox import protocol
from autograder.sandbox.limits import Limits

MAX_RESTARTS = 12


class Credit:
    """The seconds a wall-clock budget of ``seconds`` gains from the time spent waiting
    for a CPU since it began (``starved`` only grows), at most (STARVED_FACTOR - 1) times
    the budget: on a busy host a budget counts the grading's own time."""

    def __init__(self, starved: Callable[[], float], seconds: float) -> None:
        self.starved, self.start = starved, starved()
        self.most = (STARVED_FACTOR - 1) * seconds

    def __call__(self) -> float:
        return min(self.most, self.starved() - self.start)


class NotebookRuntime:
    def __init__(self, factory: WorkerFactory, limits: Limits, budgets: Budgets,
                 cells: list[str]) -> None:
        self.factory = factory
        self.limits = limits
        self.budgets = budgets
        self.cells = cells
        self.replayable: list[int] = []  # cells that ran without killing the worker
        self.log: list[CellLog] = []
        self.restarts = 0
        self.generation = 0
        self.session: Session | None = None
        self.isolation = ""
        self._starved_before = 0.0  # of the sessions that died

    # -- notebook ------------------------------------------------------------

    def run_notebook(self) -> list[CellLog]:
        """Run every code cell once, within the per-cell and per-notebook limits."""
        budget_end = time.monotonic() + self.budgets.notebook_seconds
        credit = Credit(self.starved_seconds, self.budgets.notebook_seconds)
        for index, source in enumerate(self.cells):
            remaining = budget_end + credit() - time.monotonic()
            if remaining <= 0:
                self.log.append(CellLog(index, False, 0.0,
                                        "not run: the notebook's time limit "
                                        f"({self.budgets.notebook_seconds:g} s) was used up"))
                continue
            self.log.append(self._run_cell(index, source, min(self.budgets.cell_seconds,
                                                              remaining)))
        return self.log

    def _run_cell(self, index: int, source: str, timeout: float) -> CellLog:
        start = time.monotonic()
        try:
            session = self._live_session()
            reply = session.request({"op": "run", "source": source}, timeout=timeout)
        except WorkerTimeout:
            return CellLog(index, False, time.monotonic() - start,
                           f"stopped after {timeout:g} s (time limit for one cell)")
        except WorkerDied as exc:
            return CellLog(index, False, time.monotonic() - start, str(exc))
        elapsed = time.monotonic() - start
        error = reply.header.get("error") or {}
        if isinstance(error, dict) and error.get("kind") == "timeout":
            return CellLog(index, False, elapsed,
                           f"interrupted after {timeout:g} s (time limit for one cell)")
        self.replayable.append(index)
        if reply.header.get("ok") is True:
            return CellLog(index, True, elapsed)
        return CellLog(index, False, elapsed, _error_line(error))

    def starved_seconds(self) -> float:
        """Seconds the time limits of this notebook's workers moved on while they, or the
        grading thread, waited for a CPU that others held (only grows)."""
        live = self.session.starved if self.session is not None else 0.0
        return self._starved_before + live

    # -- worker lifecycle ----------------------------------------------------

    def _live_session(self) -> Session:
        if self.session is not None and self.session.alive:
            return self.session
        if self.session is not None:
            if self.restarts >= MAX_RESTARTS:
                raise WorkerDied(f"{self.session.dead_reason}; not restarted again "
                                 f"(already restarted {MAX_RESTARTS} times)")
            self.restarts += 1
            self._starved_before += self.session.starved
        self.session = self.factory.spawn(self.limits, self.budgets.message_mb)
        self.isolation = self.session.isolation.summary()
        self.generation += 1
        self._replay(self.session)
        return self.session

    def _replay(self, session: Session) -> None:
        """Re-run, in a fresh worker, the cells that ran before it died."""
        for index in self.replayable:
            try:
                session.request({"op": "run", "source": self.cells[index]},
                                timeout=self.budgets.cell_seconds)
            except (WorkerDied, WorkerTimeout):
                session.kill("the notebook could not be restored after a crash")
                raise WorkerDied("the notebook's process could not be restarted: a cell "
                                 "that had run before failed when run again") from None

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    # -- calls from the hidden suite -----------------------------------------

    def request(self, header: dict, blobs: list[bytes], timeout: float,
                generations: frozenset[int] | set[int] = frozenset()) -> Any:
        """Send one request; decode its value or raise :class:`StudentError`.

        ``generations`` are those of the worker objects the request refers to: objects
        from a worker that has since been restarted are gone.
        """
        try:
            session = self._live_session()
        except WorkerDied as exc:
            raise StudentError(Failure.ERROR, str(exc), fatal=True) from None
        if any(g != self.generation for g in generations):
            raise StudentError(Failure.ERROR, "this object was lost when the notebook's "
                                              "process had to be restarted")
        try:
            reply = session.request(header, blobs, timeout=timeout)
        except WorkerTimeout:
            raise StudentError(Failure.TIMEOUT, f"no answer within {timeout:g} s; stopped",
                               fatal=True) from None
        except WorkerDied as exc:
            raise StudentError(Failure.ERROR, str(exc), fatal=True) from None
        if reply.header.get("ok") is not True:
            raw = reply.header.get("error")
            error: dict = raw if isinstance(raw, dict) else {}
            kind = {"missing": Failure.MISSING, "timeout": Failure.TIMEOUT}.get(
                str(error.get("kind")), Failure.ERROR)
            if kind == Failure.TIMEOUT:
                raise StudentError(Failure.TIMEOUT, f"no answer within {timeout:g} s; interrupted")
            raise StudentError(kind, _error_line(error, with_traceback=True))
        return reply

    def decode(self, reply: Reply, from_handle: Callable[[protocol.HandleRef], Any]) -> Any:
        assert self.session is not None, "a reply comes from a live session"
        try:
            return protocol.unpack(reply.header.get("value"), reply.blobs,
                                   self.session.budget, from_handle=from_handle)
        except protocol.ProtocolError as exc:
            raise StudentError(Failure.ERROR,
                               f"the returned value could not be read ({exc})") from None


def _error_line(error: dict, with_traceback: bool = False) -> str:
    """``TypeError: message`` (plus the student's own frames when asked)."""
    error = error if isinstance(error, dict) else {}
    kind = _text(error.get("type")) or "Error"
    message = _text(error.get("message"))
    line = f"{kind}: {message}" if message else kind
    tb = _text(error.get("traceback")).strip()
    if with_traceback and tb and tb != line:  # without frames of the notebook's own, just
        return f"{line}\n{tb[-1500:]}"         # the error line: said once is enough
    return line[:500]


def _text(value: object) -> str:
    """A string the worker sent, or "" for anything else."""
    return value if isinstance(value, str) else ""
