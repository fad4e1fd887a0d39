"""The checks of one question run: what the authoring SDK records and the engine scores.

:func:`recording` makes a fresh :class:`Recorder` current while a question runs; the
SDK's ``check`` blocks and ``expect`` comparisons write into it through
:func:`current`. The recorder also carries the suite's default :class:`Tolerance` and
the context of the open check block (sizes such as ``n`` that name a likely mistake).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from autograder.engine.results import CheckResult, Failure


@dataclass(frozen=True)
class Tolerance:
    """How close a number must be: ``|got - expected| <= atol + rtol * |expected|``.

    ``reason`` says why these values fit the computation (how far a correct answer
    written another way can stray, and how far the mistakes land); a suite that sets a
    default tolerance must state it.
    """

    rtol: float
    atol: float
    reason: str

    def __post_init__(self) -> None:
        if not (self.rtol >= 0 and self.atol >= 0):
            raise ValueError(f"tolerances must be >= 0, got rtol={self.rtol}, atol={self.atol}")
        if not self.reason.strip():
            raise ValueError("state the reason for the tolerance")


DEFAULT_TOLERANCE = Tolerance(
    1e-7, 1e-12, "the engine's default for suites that set none: float64 computations "
    "written another way agree to far better than 1e-7 relative")


@dataclass
class Recorder:
    """Collects the checks of one question run."""

    tolerance: Tolerance = DEFAULT_TOLERANCE
    checks: list[CheckResult] = field(default_factory=list)
    unit: CheckResult | None = None  # the open check block, if any
    expectations: int = 0
    context: Mapping[str, float] = field(default_factory=dict)  # of the open check block
    charged: set[tuple[str, str]] = field(default_factory=set)  # rules charged once: (rule, what)

    def record(self, passed: bool, label: str, message: str,
               kind: Failure = Failure.MISMATCH, mistake: str = "",
               informative: bool = False, shows: bool = False, trivial: str = "",
               hollow: str = "") -> bool:
        """One expectation: inside a check block it can only fail that block (the first
        failure is kept); outside, it is a unit of its own. ``mistake`` names the classic
        mistake the wrong value matches, if any. For :func:`refuse_trivial`:
        ``informative``, the expected value has something to it; ``shows``, the value
        matched it directly (not as an accepted alternative); ``trivial``, why a value that
        held only with a trivial value shows nothing; ``hollow``, why a pass that rests on
        the student's own degenerate values shows nothing at all."""
        unit = self.unit
        if unit is not None:
            self.expectations += 1
            if not passed:
                self.fail_unit(message, kind, mistake)
        else:
            unit = CheckResult(label, passed, 1.0, "" if passed else message,
                               "" if passed else kind, "" if passed else mistake)
            self.checks.append(unit)
        unit.informative = unit.informative or informative
        unit.shown = unit.shown or (passed and shows)
        unit.trivial = unit.trivial or (trivial if passed else "")
        unit.hollow = unit.hollow or (hollow if passed else "")
        return passed

    def fail_unit(self, message: str, kind: Failure, mistake: str = "") -> None:
        """Fail the open check block, unless it already failed."""
        if self.unit is not None and self.unit.passed:
            self.unit.passed, self.unit.message = False, message
            self.unit.kind, self.unit.mistake = kind, mistake


_recorder: ContextVar[Recorder] = ContextVar("nngrade_recorder")


@contextmanager
def recording(tolerance: Tolerance = DEFAULT_TOLERANCE) -> Iterator[Recorder]:
    """Make a fresh recorder current for the duration of one question."""
    rec = Recorder(tolerance)
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


def refuse_trivial(checks: list[CheckResult]) -> None:
    """A check that passed only with trivial values (empty, zero or NaN: what any stub of
    the right shape gives, or what a stub earlier function leads to) fails when the
    question compared with informative values and none of its passing checks matched
    one. A stub cannot then collect the points of what it does not compute, while an
    answer right somewhere in the question, or a question whose values are all trivial,
    keeps them. A check that rests on the student's own degenerate values (``hollow``: a
    stub network's accuracies, a figure of zeros) fails in any case: what it matched is
    what those values lead to, and a right value elsewhere does not make it show anything.
    Last, a ``supporting`` check (one whose pass a placeholder or an earlier question's
    code earns) fails when no other check of the question still passes."""
    for c in checks:
        if c.passed and c.hollow:
            c.passed, c.message, c.kind = False, c.hollow, Failure.MISMATCH
    if not any(c.passed and c.shown for c in checks) and any(c.informative for c in checks):
        for c in checks:
            if c.passed and c.trivial:
                c.passed, c.message, c.kind = False, c.trivial, Failure.MISMATCH
    if not any(c.passed and not c.supporting for c in checks):
        for c in checks:
            if c.passed:
                c.passed, c.message, c.kind = False, c.supporting, Failure.MISMATCH
