"""Hidden suites: questions, the ``student`` proxy, and running a question.

A hidden suite is a Python module, ``solutions/<hw>/hidden.py``::

    from autograder.suite import Limits, check, expect, manual, question

    @question("q3", points=4)
    def output_delta(student, rng):
        X = rng.normal(size=(5, 3))                # fresh inputs from the seeded rng
        with check(f"output_delta for X of shape {X.shape}"):
            got = student.call("output_delta", X)  # runs inside the sandboxed worker
            expect(got).close_to(reference_delta(X), rtol=1e-9, atol=1e-12)

    manual("q9", points=3, prompt="Explain why ...")   # graded by a person
    LIMITS = Limits(call_seconds=30)                  # optional, per assignment

Only inputs travel to the worker; expected values are computed here. ``rng`` is a
``np.random.Generator`` seeded from (assignment, question, grading seed).
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder import protocol
from autograder.expect import StudentError, check, expect, recording
from autograder.runtime import NotebookRuntime
from autograder.sandbox import Limits
from autograder.score import ERROR, MANUAL, CheckResult, QuestionResult

__all__ = ["Limits", "check", "expect", "manual", "question", "Student", "Handle", "Suite",
           "load_suite", "run_question", "question_rng"]

_order = itertools.count()
_collected: list[Question] | None = None  # questions declared while a suite loads


@dataclass
class Question:
    id: str
    points: float
    func: Callable[..., None] | None
    timeout: float | None = None
    manual: bool = False
    prompt: str = ""
    order: int = field(default_factory=lambda: next(_order))


def question(qid: str, points: float, timeout: float | None = None):
    """Declare an automatically graded question; ``timeout`` overrides the wall-clock
    budget of the whole question (default: the assignment's ``question_seconds``)."""
    def register(func: Callable[..., None]) -> Question:
        return _declare(Question(qid, float(points), func, timeout))
    return register


def manual(qid: str, points: float, prompt: str = "") -> Question:
    """Declare a question a person grades; the engine records the student's answer."""
    return _declare(Question(qid, float(points), None, manual=True, prompt=prompt))


def _declare(q: Question) -> Question:
    if _collected is not None:
        _collected.append(q)
    return q


@dataclass
class Suite:
    assignment: str
    questions: list[Question]
    limits: Limits
    preload: tuple[str, ...] = ()
    path: Path | None = None

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)

    def question(self, qid: str) -> Question:
        return next(q for q in self.questions if q.id == qid)


def load_suite(path: Path, assignment: str) -> Suite:
    """Import a hidden suite module from ``path`` and collect its questions."""
    global _collected
    name = f"nngrade_hidden_{assignment}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    _collected = []
    try:
        spec.loader.exec_module(module)
        questions = sorted(_collected, key=lambda q: q.order)
    finally:
        _collected = None
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate question ids in {ids}")
    return Suite(assignment, questions, getattr(module, "LIMITS", Limits()),
                 tuple(getattr(module, "PRELOAD", ())), Path(path))


def question_rng(assignment: str, qid: str, seed: int) -> np.random.Generator:
    """A generator seeded from (assignment, question, grading seed), stable everywhere."""
    digest = hashlib.sha256(f"{assignment}\0{qid}\0{seed}".encode()).digest()
    return np.random.default_rng([int.from_bytes(digest[i:i + 8], "little")
                                  for i in range(0, 32, 8)])


# ---------------------------------------------------------------------------
# the student proxy


class _Budget:
    """The wall-clock budget left to one question."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def take(self, wanted: float) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise StudentError("timeout", "the question's time limit was used up")
        return min(wanted, left)


class Student:
    """What a question sees of the submission: names, calls and objects in the worker."""

    def __init__(self, runtime: NotebookRuntime, budget: _Budget) -> None:
        self._runtime = runtime
        self._budget = budget
        self._stopped: StudentError | None = None  # the worker was stopped in this question

    def call(self, name: str, *args: Any, timeout: float | None = None,
             strict_floats: bool = False, **kwargs: Any) -> Any:
        """Call the notebook's global ``name`` with inputs; returns plain values
        (arrays, numbers, lists, dicts) or a :class:`Handle` for other objects.

        ``strict_floats`` makes floating-point overflow, invalid operations and division
        by zero raise inside the call, to check that a computation is stable."""
        header = {"op": "call", "name": name, "errstate": "raise" if strict_floats else None}
        return self._send(header, args, kwargs, timeout, None)

    def get(self, name: str) -> Any:
        """The value of the notebook's global ``name``."""
        return self._send({"op": "get", "name": name}, None, None, None, None)

    def has(self, *names: str) -> bool:
        """True when every name is defined in the notebook."""
        reply = self._runtime.request({"op": "has", "names": list(names)}, [],
                                      self._budget.take(self._runtime.limits.call_seconds))
        got = reply.header.get("names")
        return isinstance(got, list) and all(n in got for n in names)

    def figures(self) -> list[dict]:
        """Plain descriptions of the notebook's open matplotlib figures."""
        value = self._send({"op": "figures"}, None, None, None, None)
        return value if isinstance(value, list) else []

    @staticmethod
    def rng(seed: int) -> protocol.RngSeed:
        """An argument that becomes ``np.random.default_rng(seed)`` in the worker."""
        return protocol.RngSeed(seed)

    def _send(self, header: dict, args, kwargs, timeout: float | None,
              generation: int | None) -> Any:
        generations = {generation} if generation is not None else set()
        blobs: list[bytes] = []
        if args is not None:
            def by_reference(obj: Any) -> protocol.HandleRef:
                if not isinstance(obj, Handle):
                    raise protocol.ProtocolError(
                        f"cannot send a value of type {type(obj).__name__}")
                generations.add(obj.generation)
                return obj.ref

            enc = protocol.Encoder(to_handle=by_reference)
            header = dict(header, args=enc.encode(list(args)), kwargs=enc.encode(dict(kwargs)))
            blobs = enc.blobs
        if self._stopped is not None:  # one stopped worker per question is enough
            raise StudentError(self._stopped.kind, "not run: an earlier call of this question "
                               f"was stopped ({self._stopped.message.splitlines()[0]})")
        seconds = self._budget.take(timeout or self._runtime.limits.call_seconds)
        try:
            reply = self._runtime.request(header, blobs, seconds, generations)
        except StudentError as exc:
            if exc.fatal:
                self._stopped = exc
            raise
        current = self._runtime.generation
        return self._runtime.decode(reply, lambda ref: Handle(self, ref, current))


class Handle:
    """An object that lives in the worker (an instance of the student's class, say)."""

    def __init__(self, student: Student, ref: protocol.HandleRef, generation: int) -> None:
        self._student = student
        self.ref = ref
        self.generation = generation

    @property
    def type_name(self) -> str:
        return self.ref.type_name

    def call(self, method: str, *args: Any, timeout: float | None = None,
             strict_floats: bool = False, **kwargs: Any) -> Any:
        """Call a method of the object (``strict_floats`` as in :meth:`Student.call`)."""
        header = {"op": "call", "handle": self.ref.id, "attr": method,
                  "errstate": "raise" if strict_floats else None}
        return self._student._send(header, args, kwargs, timeout, self.generation)

    def get(self, attr: str) -> Any:
        """Read an attribute of the object."""
        header = {"op": "get", "handle": self.ref.id, "attr": attr}
        return self._student._send(header, None, None, None, self.generation)

    def __repr__(self) -> str:
        return f"<student object of type {self.type_name}>"


# ---------------------------------------------------------------------------
# running a question


def run_question(q: Question, runtime: NotebookRuntime, rng: np.random.Generator) -> QuestionResult:
    """Run one question against the live notebook; never raises for student faults."""
    if q.manual:
        return QuestionResult(q.id, q.points, None, MANUAL, "Needs a manual grade.")
    start = time.monotonic()
    budget = _Budget(q.timeout or runtime.limits.question_seconds)
    abort = None
    with recording() as rec:
        try:
            q.func(Student(runtime, budget), rng)
        except StudentError as exc:
            abort = CheckResult("", False, 1.0, exc.message, exc.kind)
        except Exception as exc:  # a bug in the hidden suite must not pass silently
            detail = "".join(traceback.format_exception_only(exc)).strip()
            abort = CheckResult("", False, 1.0,
                                f"internal error in the hidden suite, tell your instructor: "
                                f"{detail}", "internal")
    result = QuestionResult.from_checks(q.id, q.points, rec.checks, abort,
                                        time.monotonic() - start)
    if abort is not None and abort.kind == "internal":
        result.status = ERROR
    return result
