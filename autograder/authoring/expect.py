"""Checks that hidden suites write: ``check`` blocks and ``expect`` comparisons.

Inside a question::

    with check(f"softmax(z), z of shape {z.shape}", context={"K": z.shape[-1]}):
        expect(student.call("softmax", z)).close_to(ref.softmax(z),
                                                    mutants={"softmax over columns": ...})

A ``check`` block is one unit of partial credit: it passes when every expectation in
it holds and the student's code raised nothing. An ``expect`` outside any block is a
unit of its own. Student values are converted to plain float64 arrays before any
comparison, so no student-defined method runs here. Without ``rtol`` and ``atol``, a
comparison uses the suite's ``TOLERANCE``.

When a value is wrong, each mutant (the answer a classic mistake would give) is
compared with it; a match names the mistake in the feedback. A mutant may be a function
of no arguments, called only then (and by the mutant audit): a costly one, say a run of
the student's own code, costs nothing when the answer is right. Failing that, the generic
diagnoses of :mod:`autograder.authoring.diagnoses` are tried (a constant factor, a
flipped sign, a transpose, ...), with the block's and the comparison's ``context``.
``secret=True`` marks an answer that is the same for every student: its feedback then
shows neither the expected value nor any relation to it. ``accept`` lists other values
that are right for this student (what their own earlier function leads to, say): a
value close to one of them passes, and the check's label says which.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any, NoReturn

import numpy as np

from autograder.authoring.diagnoses import Diagnosis, Probe, diagnose_value
from autograder.engine.checks import current
from autograder.engine.errors import INTERNAL_ERROR, StudentError
from autograder.engine.results import CheckResult, Failure
from autograder.engine.student import NO_DEFAULT, Handle, Student
from autograder.sandbox.protocol import ANY_KEYWORD, HandleRef

log = logging.getLogger(__name__)


@contextmanager
def check(label: str, weight: float = 1.0,
          context: Mapping[str, float] | None = None, supporting: str = "") -> Iterator[None]:
    """One unit of partial credit; a student error inside fails only this unit.

    ``context`` names the sizes of the inputs (``{"n": 6, "K": 3, "p": 0.4}``), so that
    a value off by one of those factors is named with its likely cause. ``supporting``
    says why this check's pass shows nothing of the question's answer on its own (its
    expected value is what a placeholder returning its input gives, or it exercises an
    earlier question's code): it then counts only beside another check of the question
    that passed (see ``refuse_trivial``)."""
    rec = current()
    if rec.unit is not None:
        raise RuntimeError("check blocks cannot be nested")
    rec.unit = CheckResult(label, True, weight)
    rec.expectations = 0
    rec.context = dict(context or {})
    try:
        yield
    except StudentError as exc:
        rec.fail_unit(exc.message, exc.kind, getattr(exc, "mistake", ""))
    except Exception:  # a bug in the suite: this check says so, the question logs it
        rec.unit.passed, rec.unit.message, rec.unit.kind = (False, INTERNAL_ERROR,
                                                            Failure.INTERNAL)
        raise
    finally:
        unit, rec.unit, rec.context = rec.unit, None, {}
        if unit.passed and rec.expectations == 0:
            unit.passed, unit.message = False, "no expectation was checked"
            unit.kind = Failure.ERROR
        if supporting:
            unit.shown, unit.informative = False, True
            unit.supporting = (f"{supporting}, and no other check of this question passed, "
                               "so it does not count")
        rec.checks.append(unit)


def fail(message: str, kind: Failure = Failure.MISMATCH) -> NoReturn:
    """Fail the current check (or, outside a check, the question) with ``message``."""
    raise StudentError(kind, message)


_UNSET: Any = object()
STUB = ("as a stub's would be, and nothing else in this question matched a value with more "
        "to it")
HOLLOW = "as a stub's would be, so it shows nothing of your code and does not count"


def verify(condition: bool, message: str, what: str = "", mistake: str = "", *,
           of: Any = _UNSET) -> bool:
    """One expectation that holds when ``condition`` is true; ``message`` says what is
    wrong when it is not (computed by trusted code from plain values). ``mistake`` names
    the broken rule or the classic mistake for the gradebook and the report. ``of``: the
    student's values the condition is about (a figure's data, a table, the results whose
    form it checks). When they are degenerate (empty, zero, NaN or one number repeated),
    a pass shows only what a stub would and does not count (see ``refuse_trivial``)."""
    text = f"{what}: {message}" if what else message
    hollow = _held_for_stub(what or "the condition", of) if condition else ""
    return current().record(bool(condition), what or "condition", "" if condition else text,
                            mistake="" if condition else mistake, hollow=hollow)


def _held_for_stub(what: str, of: Any) -> str:
    """Why a condition that holds for degenerate values ``of`` shows nothing, or ""."""
    if of is _UNSET or not degenerate(of):
        return ""
    return (f"{what} holds here only for values that are empty, zero, NaN or one number "
            f"repeated, {HOLLOW}")


def rests_on(what: str, *values: Any) -> None:
    """The open check's passes rest on ``values``, the student's own, rather than on a
    comparison with the reference: what their own earlier functions lead to, which the
    check is judged with ("your own gradients"), or the results whose form it checks
    ("the sweeps' results"). When every one of the values is degenerate (empty, zero,
    NaN or one number repeated, as a stub's are), the check's passes show nothing of the
    student's code and do not count, whatever else the question got right (see
    ``refuse_trivial``); otherwise they count as any other."""
    rec = current()
    if rec.unit is None:
        raise RuntimeError("rests_on() only works inside a check block")
    if all(degenerate(v) for v in values):
        rec.unit.hollow = rec.unit.hollow or (
            f"this rests on {what}, which are empty, zero, NaN or one number repeated "
            f"here, {HOLLOW}")


def verify_defaults(obj: Student | Handle, name: str, **template: Any) -> bool:
    """The template's default arguments are kept: ``verify_defaults(student,
    "leaky_relu", alpha=0.01)`` (a :class:`Handle` and a method name for a method; a class
    name for its constructor). A default changed or removed fails the current check,
    naming it; parameters of the student's own are free. The open check's label names
    the defaults it verifies first, as a rule of their own, so that a mismatch of the call
    reads right after the call ("the signature keeps the template's default alpha=0.01;
    leaky_relu(z, alpha=0.3): first mismatch ...")."""
    shown = ", ".join(f"{param}={want!r}" for param, want in template.items())
    unit = current().unit
    if unit is not None:
        unit.label = (f"the signature keeps the template's "
                      f"default{'s' if len(template) > 1 else ''} {shown}; {unit.label}")
    found = obj.defaults(name)
    for param, want in template.items():
        got = found.get(param, NO_DEFAULT)
        if param not in found and ANY_KEYWORD in found:
            continue  # a **kwargs the signature cannot show; the calls judge its default
        if param not in found:
            problem = f"has no parameter {param}; the template's signature has {param}={want!r}"
        elif got is NO_DEFAULT:
            problem = f"{param} has no default; the template's is {param}={want!r}"
        elif not _same_default(got, want):
            problem = f"the default {param}={got!r} differs from the template's {param}={want!r}"
        else:
            continue
        return verify(False, f"{problem}: keep the signature's defaults", name,
                      mistake="a default argument differs from the template's")
    return verify(True, "", name)


LOOP_SLACK = 50  # lines a data-dependent branch may add; a loop adds one or more per entry


def verify_whole_array(student: Student, name: str, small: Sequence[Any],
                       large: Sequence[Any], skip: Sequence[str] = (), **kwargs: Any) -> bool:
    """The stated rule "whole-array NumPy operations rather than Python loops over the
    entries": ``name`` runs about as many lines of the notebook's code on the positional
    arguments ``large`` as on ``small`` (choose ``large`` with at least 50 times the entries
    along every axis a loop may take). A loop, np.vectorize, np.apply_along_axis or map over
    a function of the notebook's runs lines for every entry and fails the current check.
    ``skip``: the notebook's functions a call may use whose own rule is checked elsewhere.
    A call that fails on these inputs leaves the rule unjudged: the checks of its values
    charge the failure."""
    try:
        few = student.lines_run(name, *small, skip=skip, **kwargs)
        many = student.lines_run(name, *large, skip=skip, **kwargs)
    except StudentError as exc:
        if exc.fatal:
            raise
        return True
    if few is None or many is None:
        return verify(False, "the call took away the count of the lines it runs (it replaced "
                      "sys.settrace), so the rule of whole-array operations cannot be judged",
                      name, mistake="the grader's line count was taken away")
    sizes = [_size_of(args) for args in (small, large)]
    return verify(many - few <= max(LOOP_SLACK, few),
                  f"ran {many} lines of your code on {sizes[1]} but {few} on {sizes[0]}: a "
                  "Python loop over the rows or entries (or np.vectorize, np.apply_along_axis "
                  "or map over a function of yours). The text asks for whole-array NumPy "
                  "operations, which run the same lines whatever the size", name,
                  mistake="a Python loop where the text asks for whole-array operations")


def _size_of(args: Sequence[Any]) -> str:
    """The shape of the first array among ``args``, as feedback names an input."""
    shape = next((np.shape(a) for a in args if isinstance(a, np.ndarray)), None)
    return f"an input of shape {shape}" if shape is not None else "these inputs"


def _same_default(got: Any, want: Any) -> bool:
    """Equal defaults: numbers by value (1 and 1.0), anything else of the same type too."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (got, want))
    return bool(got == want) and (numbers or type(got) is type(want))


def note(text: str) -> None:
    """Tell the student how the current check was judged, whether it passes or not
    ("judged with your own adam_step, which Question 3 finds wrong; run_valley itself is
    right"): the note follows the question's feedback. Only inside a check block."""
    unit = current().unit
    if unit is None:
        raise RuntimeError("note() only works inside a check block")
    unit.note = f"{unit.note} {text}".strip()


@contextmanager
def timeout_hint(hint: str) -> Iterator[None]:
    """Add ``hint`` (why it was too slow, what to do) to a time-out inside the block."""
    try:
        yield
    except StudentError as exc:
        if exc.kind != Failure.TIMEOUT:
            raise
        raise StudentError(Failure.TIMEOUT, f"{exc.message}. {hint}", exc.fatal) from None


class _NamedError(StudentError):
    """A student error that a suite has explained: it names the mistake behind it."""

    def __init__(self, exc: StudentError, hint: str, mistake: str) -> None:
        super().__init__(exc.kind, f"{exc.message}\n{hint}", exc.fatal)
        self.mistake = mistake


@contextmanager
def error_hint(hint: str, mistake: str = "", exceptions: Sequence[str] = (),
               when: Callable[[], bool] | None = None) -> Iterator[None]:
    """Add ``hint`` (the rule the error breaks, what to do) to an exception the student's
    code raises inside the block, and name ``mistake`` for it: ``with error_hint("use a
    stable form", "exp overflows", ["FloatingPointError"]): student.call("sigmoid", z,
    strict_floats=True)``. With ``exceptions``, only exceptions of those type names; with
    ``when``, only if it returns true, called only then (whether an earlier function the
    call relies on fails too, say). Time-outs and missing functions pass through
    unchanged."""
    try:
        yield
    except StudentError as exc:
        name = exc.message.split(":", 1)[0].split("\n", 1)[0]
        if exc.kind != Failure.ERROR or (exceptions and name not in exceptions) or (
                when is not None and not when()):
            raise
        raise _NamedError(exc, hint, mistake) from None


def expect(value: Any, what: str = "") -> Expectation:
    """Start an expectation about a value the student's code produced."""
    return Expectation(value, what)


class Expectation:
    """Comparisons of one student value (``what`` names it in the feedback); each records
    one expectation in the current check and returns whether it held."""

    def __init__(self, value: Any, what: str) -> None:
        self.value = value
        self.what = what

    def _record(self, problem: str | None, found: Diagnosis | None = None,
                note: str = "", accepted: str = "", mistake: str = "",
                informative: bool = False, shows: bool = False, trivial: str = "") -> bool:
        label = self.what or "value"
        if accepted:
            label = _note_accepted(label, accepted)
        if problem and found:
            problem += f"\n{found.message}"
        if problem and note:
            problem += f"\n{note}"
        message = f"{self.what}: {problem}" if self.what and problem else (problem or "")
        return current().record(problem is None, label, message,
                                mistake=(found.name if found else mistake) if problem else "",
                                informative=informative, shows=shows, trivial=trivial)

    def _judged(self, expected: Any, accepted: str, alternative: Any) -> bool:
        """Record a value that passed, directly or as an accepted ``alternative``, with
        what the pass shows (see ``refuse_trivial``). An alternative is degenerate when it
        is empty, zero or NaN, or one number repeated where the expected value is not."""
        what, informative = self.what or "the value", not _trivial(expected)
        trivial = ""
        if accepted and (_trivial(alternative)
                         or degenerate(alternative) and not degenerate(expected)):
            trivial = (f"{what} matches only an accepted alternative ({accepted}), which is "
                       f"empty, zero, NaN or one number repeated here, {STUB}, so it is not "
                       "accepted")
            accepted = ""  # the label names only an alternative that counts
        elif not accepted and not informative:
            trivial = (f"{what} is right only where the answer is empty, zero or NaN, "
                       f"{STUB}, so it does not count")
        return self._record(None, accepted=accepted, informative=informative,
                            shows=informative and not (accepted or trivial), trivial=trivial)

    def close_to(self, expected: Any, rtol: float | None = None, atol: float | None = None,
                 mutants: Mapping[str, Any] | None = None, *,
                 context: Mapping[str, float] | None = None, probes: Iterable[Probe] = (),
                 secret: bool = False, accept: Mapping[str, Any] | None = None) -> bool:
        """Elementwise ``|got - expected| <= atol + rtol * |expected|`` (NumPy's isclose),
        same shape, NaN only where expected is NaN. ``rtol`` and ``atol`` default to the
        suite's ``TOLERANCE``; ``mutants`` map a classic mistake to its answer (None: not
        offered here; a function of no arguments: computed only if ``got`` is wrong);
        ``context`` and ``probes`` (other input/output pairs, see
        :func:`~autograder.authoring.diagnoses.probe`) help name a mistake.

        ``accept`` maps a description to another value that counts as right, typically
        what the student's own earlier function leads to, so that one mistake is not
        penalised twice. A value may be a function of no arguments, called only when
        ``got`` is not close to ``expected``; None, or a call of the student's code that
        fails, means that alternative is unavailable. The check's label says which
        alternative was accepted."""
        rtol, atol = _tolerance(rtol, atol)
        _audit(self.what, expected, mutants, rtol, atol)
        problem = numeric_mismatch(self.value, expected, rtol, atol, secret)
        accepted, tried, alternative = _accepted(self.value, accept, lambda got, v: (
            numeric_mismatch(got, v, rtol, atol))) if problem and accept else ("", [], None)
        if problem is None or accepted:
            return self._judged(expected, accepted, alternative)
        found = _explain(self.value, expected, mutants, rtol, atol, context, probes,
                         generic=not secret)
        return self._record(problem, found, _not_matched(tried),
                            informative=not _trivial(expected))

    def equals(self, expected: Any, mutants: Mapping[str, Any] | None = None, *,
               context: Mapping[str, float] | None = None, probes: Iterable[Probe] = (),
               secret: bool = False, accept: Mapping[str, Any] | None = None) -> bool:
        """Exact equality for integers, booleans, strings and integer arrays; ``accept``
        as for :meth:`close_to`."""
        _audit(self.what, expected, mutants, 0.0, 0.0)
        problem = exact_mismatch(self.value, expected, secret)
        accepted, tried, alternative = _accepted(self.value, accept, exact_mismatch) \
            if problem and accept else ("", [], None)
        if problem is None or accepted:
            return self._judged(expected, accepted, alternative)
        numeric = not isinstance(expected, str | bool)
        found = _explain(self.value, expected, mutants, 0.0, 0.0, context, probes,
                         generic=numeric and not secret)
        return self._record(problem, found, _not_matched(tried),
                            informative=not _trivial(expected))

    def is_tuple(self, n: int, names: str) -> bool:
        """A tuple (or list) of ``n`` values; ``names`` describes them, e.g. ``"(dW, db)"``."""
        return self.satisfies(lambda g: isinstance(g, tuple | list) and len(g) == n,
                              f"expected a tuple {names}, got {describe_value(self.value)}")

    def is_array(self, shape: Sequence[int | None] | None = None, dtype: Any = None) -> bool:
        """A NumPy array; with ``shape``, of that shape (``None`` matches any length);
        with ``dtype``, of that type or a subtype (``float``, ``np.integer``, ...)."""
        problem = array_problem(self.value, shape, dtype)
        return self._record(problem, trivial=self._form_only(problem is None))

    def is_number(self, hint: str = "") -> bool:
        """One real number, where the text asks for "a float": a Python or NumPy integer or
        float, or a 0-d array; not an array of one entry, a bool or a string. ``hint`` says
        how to make one, e.g. ``"float(np.sum(delta))"``."""
        value = self.value
        ok = not isinstance(value, bool) and (
            isinstance(value, int | float | np.integer | np.floating)
            or isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf")
        problem = f"expected a float, got {describe_value(value)}" + (f": {hint}" if hint else "")
        return self._record(None if ok else problem, mistake=f"{self.what or 'a value'} not "
                            "returned as the float the text asks for",
                            trivial=self._form_only(ok))

    def _form_only(self, passed: bool) -> str:
        """Why a form that holds shows nothing when the value is degenerate, or ""."""
        if not passed or not degenerate(self.value):
            return ""
        return (f"{self.what or 'the value'} has the form asked for, but it is empty, zero, "
                f"NaN or one number repeated, {STUB}, so the form alone does not count")

    def each_close_to(self, expected: Sequence[Any], rtol: float | None = None,
                      atol: float | None = None,
                      mutants: Mapping[str, Any] | None = None, *,
                      context: Mapping[str, float] | None = None,
                      accept: Mapping[str, Any] | None = None) -> bool:
        """A list or tuple of arrays, item ``i`` close to ``expected[i]`` (as
        :meth:`close_to`); each mutant and each accepted alternative is a sequence of
        the same length, a function of no arguments that returns one (called once, and
        only if an item is wrong), or None."""
        n = len(expected)
        if not self.satisfies(lambda g: isinstance(g, list | tuple) and len(g) == n,
                              f"expected a list of {n} arrays, got {describe_value(self.value)}"):
            return False
        ok, once = True, {name: cache(m) if callable(m) else m
                          for name, m in (mutants or {}).items() if m is not None}
        for i, (got, want) in enumerate(zip(self.value, expected, strict=True)):
            wrong = {name: _item_of(m, i) if callable(m) else m[i] for name, m in once.items()}
            alternatives = {name: _item_of(alt, i) for name, alt in (accept or {}).items()}
            ok &= Expectation(got, f"{self.what}[{i}]").close_to(
                want, rtol, atol, wrong, context=context, accept=alternatives or None)
        return ok

    def satisfies(self, predicate: Callable[[Any], bool], message: str) -> bool:
        """A property of the value, checked by trusted code; ``message`` says what failed."""
        try:
            ok = bool(predicate(self.value))
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            ok, message = False, f"{message} ({describe_value(self.value)}: {exc})"
        return self._record(None if ok else message)


def _item_of(alternative: Any, i: int) -> Callable[[], Any]:
    """Item ``i`` of a sequence (or of what a function returns), lazily."""
    def item() -> Any:
        value = _value_of(alternative)
        return None if value is None else value[i]
    return item


def _value_of(alternative: Any) -> Any:
    """A mutant's or accepted alternative's value: a function of no arguments is called;
    None (unavailable) when the student's code it runs fails."""
    if not callable(alternative):
        return alternative
    try:
        return alternative()
    except StudentError as exc:
        if exc.fatal:
            raise
        return None


def _accepted(got: Any, accept: Mapping[str, Any], compare: Callable[[Any, Any], str | None]
              ) -> tuple[str, list[str], Any]:
    """The description of the first accepted alternative that ``got`` matches by
    ``compare`` (see ``close_to``), or "", the available ones it did not match, and the
    value of the one it matched."""
    tried: list[str] = []
    for what, value in accept.items():
        value = _value_of(value)
        if value is None:
            continue
        if compare(got, value) is None:
            return what, tried, value
        tried.append(what)
    return "", tried, None


def _trivial(value: Any) -> bool:
    """A value any stub of its shape gives: empty, all NaN or all zero (rounding apart).
    Not numbers (a string, an object): not trivial."""
    flat = _numbers_in(value)
    return flat is not None and _nothing(flat)


def degenerate(value: Any) -> bool:
    """A student's value that computes nothing of its input: trivial (empty, all NaN or
    all zero) or one number repeated over more than one entry, nested lists of arrays of
    any shapes read as all their numbers. Not numbers: not degenerate."""
    flat = _numbers_in(value)
    return flat is not None and (_nothing(flat) or bool(flat.size > 1
                                                         and np.all(flat == flat[0])))


def _nothing(flat: np.ndarray) -> bool:
    return bool(flat.size == 0 or np.isnan(flat).all() or np.all(np.abs(flat) <= 1e-12))


def _numbers_in(value: Any) -> np.ndarray | None:
    """All the numbers of a value, flat, or None if it holds something else."""
    try:
        return np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        pass
    if not isinstance(value, list | tuple):
        return None
    parts = [_numbers_in(v) for v in value]
    if any(p is None for p in parts):
        return None
    return np.concatenate([p for p in parts if p is not None]) if parts else np.zeros(0)


def _not_matched(tried: list[str]) -> str:
    """The note of a wrong value that the available accepted alternatives do not match
    either (an unavailable one, None or a failing call, is not named)."""
    return f"(Also accepted, and not matched either: {'; '.join(tried)}.)" if tried else ""


def _note_accepted(label: str, accepted: str) -> str:
    """Say in the open check's label (or else in ``label``) which value was accepted."""
    note = f" (accepted: {accepted})"
    unit = current().unit
    if unit is not None:
        if note not in unit.label:
            unit.label += note
        return label
    return label + note


def _tolerance(rtol: float | None, atol: float | None) -> tuple[float, float]:
    """The given tolerances, each defaulting to the suite's."""
    default = current().tolerance
    return (default.rtol if rtol is None else rtol, default.atol if atol is None else atol)


class MutantAudit:
    """Which mutants the suite's own inputs reveal: a mutant offered to a question's
    checks must differ from the correct answer, by more than the check's tolerance, on
    at least one of that question's inputs; one that never does can never name a mistake
    (and on those inputs, a right answer and the mistake are the same)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[int, str], list] = {}  # (question run, mutant) -> [label, revealed]

    def note(self, label: str, name: str, revealed: bool) -> None:
        entry = self._seen.setdefault((id(current()), name), [label, False])
        entry[1] = entry[1] or revealed

    def never_revealed(self) -> list[tuple[str, str]]:
        """(first check, mutant) for every mutant that no input of its question revealed."""
        return [(label, name) for (_, name), (label, revealed) in self._seen.items()
                if not revealed]


_audited: ContextVar[MutantAudit | None] = ContextVar("nngrade_audit", default=None)


@contextmanager
def audit_mutants() -> Iterator[MutantAudit]:
    """Audit, while questions run in this thread, the mutants their checks offer."""
    audit = MutantAudit()
    token = _audited.set(audit)
    try:
        yield audit
    finally:
        _audited.reset(token)


def _audit(what: str, expected: Any, mutants: Mapping[str, Any] | None, rtol: float,
           atol: float) -> None:
    audit = _audited.get()
    if audit is None or not mutants:
        return
    unit = current().unit
    label = (unit.label if unit is not None else "") or what or "value"
    for name, wrong in mutants.items():
        if (wrong := _value_of(wrong)) is not None:
            audit.note(label, name, diagnose(expected, {name: wrong}, rtol, atol) != name)


def _explain(got: Any, expected: Any, mutants: Mapping[str, Any] | None, rtol: float,
             atol: float, context: Mapping[str, float] | None, probes: Iterable[Probe],
             generic: bool) -> Diagnosis | None:
    """The suite's mutant the wrong value matches; failing that, if ``generic``, a
    generic diagnosis."""
    name = diagnose(got, mutants, rtol, atol) if mutants else None
    if name is not None:
        return Diagnosis(name, f"This matches a common mistake: {name}.")
    if not generic:
        return None
    arr, problem = as_float_array(got)
    if arr is None:
        return None
    try:
        return diagnose_value(arr, _expected_array(expected), rtol, atol,
                              {**current().context, **(context or {})}, probes)
    except Exception:  # a diagnosis only adds to the feedback: it must never cost a point
        log.exception("a generic diagnosis failed")
        return None


def _expected_array(expected: Any) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(expected, dtype=np.float64)


def array_problem(value: Any, shape: Sequence[int | None] | None, dtype: Any) -> str | None:
    """Why ``value`` is not an array of ``shape`` and ``dtype`` (None: it is)."""
    if not isinstance(value, np.ndarray):
        return f"expected a NumPy array, got {describe_value(value)}"
    if shape is not None and (len(shape) != value.ndim or any(
            want is not None and want != got for want, got in zip(shape, value.shape,
                                                                   strict=False))):
        text = "(" + ", ".join("any" if s is None else str(s) for s in shape) + \
            ("," if len(shape) == 1 else "") + ")"
        return f"expected an array of shape {text}, got shape {value.shape}"
    if dtype is not None and not np.issubdtype(value.dtype, dtype):
        name = getattr(dtype, "__name__", str(dtype))
        return f"expected an array of dtype {name}, got dtype {value.dtype}"
    return None


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
    if isinstance(value, list | tuple) and _holds_none(value):
        return None, (f"got {describe_value(value)} holding None, not a number (does every "
                      "call return a value?)")
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


def numbers(value: Any, what: str, shape: Sequence[int] | None = None) -> np.ndarray:
    """A student value as a float64 array (of ``shape``, if given), for trusted
    arithmetic inside a check; anything else fails the check, naming ``what``."""
    arr, problem = as_float_array(value)
    if problem or arr is None:
        fail(f"{what}: {problem}")
    if shape is not None and arr.shape != tuple(shape):
        fail(f"{what}: expected shape {tuple(shape)}, got {describe_value(value)}")
    return arr


def maybe_numbers(value: Any, shape: Sequence[int] | None = None, *,
                  finite: bool = False) -> np.ndarray | None:
    """A student value as a float64 array (of ``shape``, if given; with ``finite``, of
    finite numbers only), or None: for trusted arithmetic outside a check, such as an
    accepted answer built from the student's own function."""
    arr, problem = as_float_array(value)
    if problem or arr is None or (shape is not None and arr.shape != tuple(shape)):
        return None
    return None if finite and not np.all(np.isfinite(arr)) else arr


def arrays(value: Any, what: str) -> list[np.ndarray]:
    """A student's list (or tuple) of arrays as float64 arrays; anything else fails the
    check, naming ``what``."""
    found = [as_float_array(v)[0] for v in value] if isinstance(value, list | tuple) else None
    if found is None or any(arr is None for arr in found):
        fail(f"{what} should be a list of arrays of numbers, got {describe_value(value)}")
    return [arr for arr in found if arr is not None]


def _holds_none(value: list | tuple, depth: int = 0) -> bool:
    """None anywhere in nested lists and tuples (NumPy would turn it into nan)."""
    return depth < 32 and any(v is None or (isinstance(v, list | tuple)
                                            and _holds_none(v, depth + 1)) for v in value)


def _has_complex(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind == "c"


def numeric_mismatch(got: Any, expected: Any, rtol: float, atol: float,
                     secret: bool = False) -> str | None:
    """None when ``got`` matches; otherwise the first mismatch, its index and shape
    (with ``secret``, only that the value is wrong)."""
    exp = np.asarray(expected, dtype=np.float64)
    return _first_mismatch(got, exp, lambda a: np.isclose(a, exp, rtol=rtol, atol=atol,
                                                          equal_nan=True),
                           f"tolerance rtol={rtol:g}, atol={atol:g}", secret)


def exact_mismatch(got: Any, expected: Any, secret: bool = False) -> str | None:
    """None when ``got`` equals ``expected`` exactly (integers compared as numbers)."""
    if isinstance(expected, str | bool):
        if isinstance(expected, str):
            ok = isinstance(got, str) and got == expected
        else:
            ok = (isinstance(got, bool | np.bool_) or (isinstance(got, np.ndarray)
                                                       and got.size == 1)) \
                and bool(np.asarray(got)) == expected
        if ok:
            return None
        shown = "the answer" if secret else repr(expected) if isinstance(expected, str) \
            else str(expected)
        return f"expected {shown}, got {describe_value(got)}"
    exp = np.asarray(expected)
    return _first_mismatch(got, exp, lambda a: a == exp, "exact", secret)


def _first_mismatch(got: Any, exp: np.ndarray, agree, rule: str,
                    secret: bool = False) -> str | None:
    """Compare ``got`` (as float64) with ``exp`` entrywise by ``agree``; describe the
    first disagreement with its index, the shape and how many entries differ (with
    ``secret``, say only that ``got`` is not the answer)."""
    arr, problem = as_float_array(got)
    if arr is None:
        return problem
    if exp.ndim == 0 and arr.size == 1:
        arr = arr.reshape(())
    if arr.shape != exp.shape:
        if secret:
            return f"got {describe_value(got)}, which is not the answer"
        return f"expected shape {exp.shape}, got shape {arr.shape}"
    bad = np.argwhere(~np.asarray(agree(arr)))
    if len(bad) == 0:
        return None
    if secret:
        shown = _short(arr) if arr.size == 1 else describe_value(got)
        return f"got {shown}, which is not the answer"
    index = tuple(int(i) for i in bad[0])
    where = f" at index {index}" if exp.ndim else ""
    count = f"; {len(bad)} of {exp.size} entries differ" if exp.size > 1 else ""
    got_text, exp_text = _pair(arr[index], exp[index])
    return (f"first mismatch{where}: got {got_text}, expected {exp_text} "
            f"(shape {exp.shape}{count}; {rule})")


def _short(arr: np.ndarray) -> str:
    value = float(arr.reshape(()))
    return str(int(value)) if value.is_integer() else f"{value:.10g}"


def diagnose(got: Any, mutants: Mapping[str, Any], rtol: float, atol: float) -> str | None:
    """The name of the first classic mistake whose answer (or what its function of no
    arguments returns) equals the student's (a string equal to the letter)."""
    if isinstance(got, str):
        return next((name for name, wrong in mutants.items()
                     if isinstance(letter := _value_of(wrong), str) and letter == got), None)
    arr, problem = as_float_array(got)
    if arr is None:
        return None
    for name, wrong in mutants.items():
        if (wrong := _value_of(wrong)) is None:
            continue
        with np.errstate(all="ignore"):
            mutant = np.asarray(wrong, dtype=np.float64)
        candidate = arr.reshape(()) if mutant.ndim == 0 and arr.size == 1 else arr
        if candidate.shape == mutant.shape and np.allclose(
                candidate, mutant, rtol=max(rtol, 1e-9), atol=max(atol, 1e-12), equal_nan=True):
            return name
    return None


def _pair(got: float, expected: float) -> tuple[str, str]:
    """Both numbers with enough digits to show that they differ (integers in full)."""
    if all(float(v).is_integer() and abs(float(v)) < 2**53 for v in (got, expected)):
        return str(int(got)), str(int(expected))
    for digits in (6, 10, 17):
        a, b = f"{float(got):.{digits}g}", f"{float(expected):.{digits}g}"
        if a != b:
            return a, b
    return a, b
