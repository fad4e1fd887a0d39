"""Hidden suites as the engine sees them: questions, loading a suite, running a question.

A hidden suite is a Python module, ``solutions/<hw>/hidden.py``, written with the
authoring SDK (:mod:`autograder.authoring`). Loading it collects the questions it
declares; running a question gives it a :class:`~autograder.engine.student.Student`
proxy and a ``np.random.Generator`` seeded from (assignment, question, grading seed).

Besides its questions, a suite module may set ``LIMITS`` (the kernel's limits on the
worker), ``BUDGETS`` (the grader's time budgets), ``PRELOAD`` (modules the fork server
imports before forking) and ``TOLERANCE`` (the default tolerance of its numeric
comparisons, with its reason).
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.engine.budgets import Budgets
from autograder.engine.checks import DEFAULT_TOLERANCE, Tolerance, recording, refuse_trivial
from autograder.engine.errors import INTERNAL_ERROR, StudentError
from autograder.engine.results import CheckResult, Failure, QuestionResult
from autograder.engine.runtime import Credit, NotebookRuntime
from autograder.engine.student import QuestionBudget, Student
from autograder.sandbox.limits import Limits

log = logging.getLogger(__name__)


_order = itertools.count()
_declared: ContextVar[list[Question] | None] = ContextVar("nngrade_declared", default=None)
_load_lock = threading.Lock()  # importing a module is not thread-safe


@dataclass
class Question:
    id: str
    points: float
    func: Callable[..., None] | None
    timeout: float | None = None
    manual: bool = False
    prompt: str = ""  # for a manual question: what the graders are told it asks
    order: int = field(default_factory=lambda: next(_order))
    tolerance: Tolerance = DEFAULT_TOLERANCE  # the suite's default, set when it loads


def declare(q: Question) -> Question:
    """Register a question with the suite being loaded (a no-op outside loading)."""
    declared = _declared.get()
    if declared is not None:
        declared.append(q)
    return q


@dataclass
class Suite:
    assignment: str
    questions: list[Question]
    limits: Limits = field(default_factory=Limits)
    budgets: Budgets = field(default_factory=Budgets)
    preload: tuple[str, ...] = ()
    path: Path | None = None
    tolerance: Tolerance = DEFAULT_TOLERANCE
    digest: str = ""  # of the suite and the reference it calls (see suite_digest)

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)


class SuiteError(Exception):
    """A hidden suite that cannot be loaded; the message names its file and line."""


def load_suite(path: Path, assignment: str) -> Suite:
    """Import a hidden suite module from ``path`` and collect its questions."""
    name = f"nngrade_hidden_{assignment}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SuiteError(f"{path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    with _load_lock:
        declared: list[Question] = []
        token = _declared.set(declared)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise SuiteError(_where(exc, path)) from exc
        finally:
            _declared.reset(token)
        sys.modules[name] = module
    questions = sorted(declared, key=lambda q: q.order)
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise SuiteError(f"{path}: duplicate question ids in {ids}")
    tolerance = getattr(module, "TOLERANCE", DEFAULT_TOLERANCE)
    if not isinstance(tolerance, Tolerance):
        raise SuiteError(f"{path}: TOLERANCE must be a Tolerance(rtol, atol, reason), "
                         f"got {type(tolerance).__name__}")
    for q in questions:
        q.tolerance = tolerance
    return Suite(assignment, questions, getattr(module, "LIMITS", Limits()),
                 getattr(module, "BUDGETS", Budgets()), tuple(getattr(module, "PRELOAD", ())),
                 Path(path), tolerance, suite_digest(Path(path)))


def suite_digest(path: Path) -> str:
    """sha256 over what decides a grading besides the notebook and the seed: the hidden
    suite's file and the reference package's sources, so a gradebook can tell which
    recorded gradings an edited suite (or a corrected reference) would grade otherwise."""
    spec = importlib.util.find_spec("reference")
    folders = list(spec.submodule_search_locations or []) if spec else []
    files = [path] + sorted(f for folder in folders for f in Path(folder).rglob("*.py"))
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()


def _where(exc: Exception, path: Path) -> str:
    """``hidden.py:12: NameError: ...``: the suite's own line where loading failed."""
    if isinstance(exc, SyntaxError):
        return f"{exc.filename or path}:{exc.lineno}: SyntaxError: {exc.msg}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if Path(f.filename).resolve() == Path(path).resolve()]
    line = f":{frames[-1].lineno}" if frames else ""
    detail = "".join(traceback.format_exception_only(exc)).strip()
    return f"{path}{line}: {detail}"


def question_rng(assignment: str, qid: str, seed: int) -> np.random.Generator:
    """A generator seeded from (assignment, question, grading seed), stable everywhere."""
    digest = hashlib.sha256(f"{assignment}\0{qid}\0{seed}".encode()).digest()
    return np.random.default_rng([int.from_bytes(digest[i:i + 8], "little")
                                  for i in range(0, 32, 8)])


def run_question(q: Question, runtime: NotebookRuntime, rng: np.random.Generator) -> QuestionResult:
    """Run one question against the live notebook; never raises for student faults.

    A bug in the hidden suite scores the question as an error with a neutral message
    for the student; the full traceback goes to the log for the instructor.
    """
    if q.func is None:
        raise ValueError(f"{q.id} is graded by hand; it has nothing to run")
    start = time.monotonic()
    seconds = q.timeout or runtime.budgets.question_seconds
    budget = QuestionBudget(seconds, Credit(runtime.starved_seconds, seconds))
    abort = None
    with recording(q.tolerance) as rec:
        try:
            q.func(Student(runtime, budget), rng)
        except StudentError as exc:
            abort = CheckResult("", False, 1.0, exc.message, exc.kind)
        except Exception:  # a bug in the hidden suite must not pass silently
            log.exception("hidden suite failed in question %s", q.id)
            abort = CheckResult("", False, 1.0, INTERNAL_ERROR, Failure.INTERNAL)
    refuse_trivial(rec.checks)
    return QuestionResult.from_checks(q.id, q.points, rec.checks, abort,
                                      time.monotonic() - start)
