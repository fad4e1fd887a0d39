"""A student proxy over a few notebook cells run in the sandbox, and the checks one
question records: for tests of what the hidden suite sees of a student's calls."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from autograder.engine.budgets import Budgets
from autograder.engine.checks import recording
from autograder.engine.results import CheckResult
from autograder.engine.runtime import NotebookRuntime
from autograder.engine.session import WorkerFactory
from autograder.engine.student import QuestionBudget, Student
from autograder.sandbox.limits import Limits


@contextmanager
def running_student(factory: WorkerFactory, cells: list[str]) -> Iterator[Student]:
    """A student whose notebook is ``cells``, each of which must run."""
    rt = NotebookRuntime(factory, Limits(), Budgets(), cells)
    try:
        assert all(c.ok for c in rt.run_notebook())
        yield Student(rt, QuestionBudget(120))
    finally:
        rt.close()


def graded(func: Callable[[], None]) -> list[CheckResult]:
    """The checks one question records."""
    with recording() as rec:
        func()
    return rec.checks
