"""The checks of one question run: what the authoring SDK records and the engine scores.

:func:`recording` makes a fresh :class:`Recorder` current while a question runs; the
SDK's ``check`` blocks and ``expect`` comparisons write into it through
:func:`current`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from autograder.engine.results import CheckResult, Failure


class Recorder:
    """Collects the checks of one question run."""

    def __init__(self) -> None:
        self.checks: list[CheckResult] = []
        self.unit: CheckResult | None = None  # the open check block, if any
        self.expectations = 0

    def record(self, passed: bool, label: str, message: str,
               kind: Failure = Failure.MISMATCH, mistake: str = "") -> bool:
        """One expectation: inside a check block it can only fail that block (the first
        failure is kept); outside, it is a unit of its own. ``mistake`` names the classic
        mistake the wrong value matches, if any."""
        if self.unit is not None:
            self.expectations += 1
            if not passed:
                self.fail_unit(message, kind, mistake)
        elif passed:
            self.checks.append(CheckResult(label, True, 1.0))
        else:
            self.checks.append(CheckResult(label, False, 1.0, message, kind, mistake))
        return passed

    def fail_unit(self, message: str, kind: Failure, mistake: str = "") -> None:
        """Fail the open check block, unless it already failed."""
        if self.unit is not None and self.unit.passed:
            self.unit.passed, self.unit.message = False, message
            self.unit.kind, self.unit.mistake = kind, mistake


_recorder: ContextVar[Recorder] = ContextVar("nngrade_recorder")


@contextmanager
def recording() -> Iterator[Recorder]:
    """Make a fresh recorder current for the duration of one question."""
    rec = Recorder()
    token = _recorder.set(rec)
    try:
        yield rec
    finally:
        _recorder.reset(token)


def current() -> Recorder:
    """The recorder of the question being run."""
    try:
        return _recorder.get()
    except LookupError:
        raise RuntimeError("check() and expect() only work inside a question") from None
