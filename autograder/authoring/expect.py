"""Checks that hidden suites write: ``check`` blocks and ``expect`` comparisons.

Inside a question::

    with check(f"softmax(z), z of shape {z.shape}"):
        expect(student.call("softmax", z)).close_to(ref.softmax(z), rtol=1e-9, atol=1e-12,
                                                    mutants={"softmax over columns": ...})

A ``check`` block is one unit of partial credit: it passes when every expectation in
it holds and the student's code raised nothing. An ``expect`` outside any block is a
unit of its own. Student values are converted to plain float64 arrays before any
comparison, so no student-defined method runs here.

When a value is wrong, each mutant (the answer a classic mistake would give) is
compared with it; a match names the mistake in the feedback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import numpy as np

from autograder.engine.checks import current
from autograder.engine.errors import StudentError
from autograder.engine.results import CheckResult, Failure
from autograder.engine.student import Handle
from autograder.sandbox.protocol import HandleRef


@contextmanager
def check(label: str, weight: float = 1.0) -> Iterator[None]:
    """One unit of partial credit; a student error inside fails only this unit."""
    rec = current()
    if rec.unit is not None:
        raise RuntimeError("check blocks cannot be nested")
    rec.unit = CheckResult(label, True, weight)
    rec.expectations = 0
    try:
        yield
    except StudentError as exc:
        rec.fail_unit(exc.message, exc.kind)
    finally:
        unit, rec.unit = rec.unit, None
        if unit.passed and rec.expectations == 0:
            unit.passed, unit.message = False, "no expectation was checked"
            unit.kind = Failure.ERROR
        rec.checks.append(unit)


def fail(message: str, kind: Failure = Failure.MISMATCH) -> NoReturn:
    """Fail the current check (or, outside a check, the question) with ``message``."""
    raise StudentError(kind, message)


@contextmanager
def timeout_hint(hint: str) -> Iterator[None]:
    """Add ``hint`` (why it was too slow, what to do) to a time-out inside the block."""
    try:
        yield
    except StudentError as exc:
        if exc.kind != Failure.TIMEOUT:
            raise
        raise StudentError(Failure.TIMEOUT, f"{exc.message}. {hint}", exc.fatal) from None


def expect(value: Any, what: str = "") -> Expectation:
    """Start an expectation about a value the student's code produced."""
    return Expectation(value, what)


class Expectation:
    def __init__(self, value: Any, what: str) -> None:
        self.value = value
        self.what = what

    def _record(self, problem: str | None, mistake: str | None = None) -> bool:
        label = self.what or "value"
        if problem and mistake:
            problem += f"\nThis matches a common mistake: {mistake}."
        message = f"{self.what}: {problem}" if self.what and problem else (problem or "")
        return current().record(problem is None, label, message, mistake=mistake or "")

    def close_to(self, expected: Any, rtol: float = 1e-7, atol: float = 1e-12,
                 mutants: Mapping[str, Any] | None = None) -> bool:
        """Elementwise ``|got - expected| <= atol + rtol * |expected|`` (NumPy's isclose),
        same shape, NaN only where expected is NaN."""
        problem = numeric_mismatch(self.value, expected, rtol, atol)
        mistake = diagnose(self.value, mutants, rtol, atol) if problem and mutants else None
        return self._record(problem, mistake)

    def equals(self, expected: Any, mutants: Mapping[str, Any] | None = None) -> bool:
        """Exact equality for integers, booleans, strings and integer arrays."""
        problem = exact_mismatch(self.value, expected)
        mistake = diagnose(self.value, mutants, 0.0, 0.0) if problem and mutants else None
        return self._record(problem, mistake)

    def is_tuple(self, n: int, names: str) -> bool:
        """A tuple (or list) of ``n`` values; ``names`` describes them, e.g. ``"(dW, db)"``."""
        return self.satisfies(lambda g: isinstance(g, tuple | list) and len(g) == n,
                              f"expected a tuple {names}, got {describe_value(self.value)}")

    def each_close_to(self, expected: Sequence[Any], rtol: float = 1e-7, atol: float = 1e-12,
                      mutants: Mapping[str, Sequence[Any]] | None = None) -> bool:
        """A list or tuple of arrays, item ``i`` close to ``expected[i]`` (as
        :meth:`close_to`); each mutant is a sequence of the same length."""
        n = len(expected)
        if not self.satisfies(lambda g: isinstance(g, list | tuple) and len(g) == n,
                              f"expected a list of {n} arrays, got {describe_value(self.value)}"):
            return False
        ok = True
        for i, (got, want) in enumerate(zip(self.value, expected, strict=True)):
            wrong = {name: m[i] for name, m in (mutants or {}).items()}
            ok &= Expectation(got, f"{self.what}[{i}]").close_to(want, rtol, atol, wrong)
        return ok

    def satisfies(self, predicate: Callable[[Any], bool], message: str) -> bool:
        """A property of the value, checked by trusted code; ``message`` says what failed."""
        try:
            ok = bool(predicate(self.value))
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            ok, message = False, f"{message} ({describe_value(self.value)}: {exc})"
        return self._record(None if ok else message)


# ---------------------------------------------------------------------------
# comparisons


def describe_value(value: Any) -> str:
    """How a student value looks, for feedback."""
    if value is None:
        return "None (did the function return a value?)"
    if isinstance(value, HandleRef | Handle):
        return f"an object of type {value.type_name}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, list | tuple):
        return f"a {type(value).__name__} of length {len(value)}"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))[:8]}"
    if isinstance(value, str):
        return f"the string {value[:60]!r}"
    return f"{type(value).__name__} {value!r}"


def as_float_array(value: Any) -> tuple[np.ndarray | None, str | None]:
    """Student value as a plain float64 array, or the reason it is not numbers."""
    if isinstance(value, bool | int | float | np.ndarray | list | tuple) and not (
        isinstance(value, np.ndarray) and value.dtype.kind not in "biufc"
    ):
        try:
            arr = np.array(value, dtype=complex if _has_complex(value) else np.float64)
        except (TypeError, ValueError, OverflowError):
            return None, f"got {describe_value(value)}, which is not a rectangular array of numbers"
        if np.iscomplexobj(arr):
            if np.any(arr.imag != 0):
                return None, "got complex numbers"
            arr = arr.real.astype(np.float64)
        return arr, None
    return None, f"expected numbers, got {describe_value(value)}"


def _has_complex(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind == "c"


def numeric_mismatch(got: Any, expected: Any, rtol: float, atol: float) -> str | None:
    """None when ``got`` matches; otherwise the first mismatch, its index and shape."""
    exp = np.asarray(expected, dtype=np.float64)
    return _first_mismatch(got, exp, lambda a: np.isclose(a, exp, rtol=rtol, atol=atol,
                                                          equal_nan=True),
                           f"tolerance rtol={rtol:g}, atol={atol:g}")


def exact_mismatch(got: Any, expected: Any) -> str | None:
    """None when ``got`` equals ``expected`` exactly (integers compared as numbers)."""
    if isinstance(expected, str):
        return None if isinstance(got, str) and got == expected else (
            f"expected {expected!r}, got {describe_value(got)}")
    if isinstance(expected, bool):
        ok = isinstance(got, bool | np.bool_) or (isinstance(got, np.ndarray) and got.size == 1)
        return None if ok and bool(np.asarray(got)) == expected else (
            f"expected {expected}, got {describe_value(got)}")
    exp = np.asarray(expected)
    return _first_mismatch(got, exp, lambda a: a == exp, "exact")


def _first_mismatch(got: Any, exp: np.ndarray, agree, rule: str) -> str | None:
    """Compare ``got`` (as float64) with ``exp`` entrywise by ``agree``; describe the
    first disagreement with its index, the shape and how many entries differ."""
    arr, problem = as_float_array(got)
    if problem:
        return problem
    if exp.ndim == 0 and arr.size == 1:
        arr = arr.reshape(())
    if arr.shape != exp.shape:
        return f"expected shape {exp.shape}, got shape {arr.shape}"
    bad = np.argwhere(~np.asarray(agree(arr)))
    if len(bad) == 0:
        return None
    index = tuple(int(i) for i in bad[0])
    where = f" at index {index}" if exp.ndim else ""
    count = f"; {len(bad)} of {exp.size} entries differ" if exp.size > 1 else ""
    got_text, exp_text = _pair(arr[index], exp[index])
    return (f"first mismatch{where}: got {got_text}, expected {exp_text} "
            f"(shape {exp.shape}{count}; {rule})")


def diagnose(got: Any, mutants: Mapping[str, Any], rtol: float, atol: float) -> str | None:
    """The name of the first classic mistake whose answer equals the student's."""
    arr, problem = as_float_array(got)
    if problem:
        return None
    for name, wrong in mutants.items():
        with np.errstate(all="ignore"):
            mutant = np.asarray(wrong, dtype=np.float64)
        candidate = arr.reshape(()) if mutant.ndim == 0 and arr.size == 1 else arr
        if candidate.shape == mutant.shape and np.allclose(
                candidate, mutant, rtol=max(rtol, 1e-9), atol=max(atol, 1e-12), equal_nan=True):
            return name
    return None


def _pair(got: float, expected: float) -> tuple[str, str]:
    """Both numbers with enough digits to show that they differ."""
    for digits in (6, 10, 17):
        a, b = f"{float(got):.{digits}g}", f"{float(expected):.{digits}g}"
        if a != b:
            return a, b
    return a, b
