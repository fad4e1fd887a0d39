"""What every command shares: the console, the course folder, loading a suite."""

from __future__ import annotations

from pathlib import Path

import click

from autograder.cli.display import make_console
from autograder.engine.course import CourseError, course_dir, hidden_suite
from autograder.engine.suite import Suite, SuiteError

console = make_console()
DEFAULT_SEED = 20261127

UsageError = click.UsageError  # exit code 2


def course_of(ctx: click.Context) -> Path:
    """The course folder of this invocation (``--course``, else found)."""
    try:
        return course_dir(ctx.obj.get("course") if ctx.obj else None)
    except CourseError as exc:
        raise UsageError(str(exc)) from None


def load_suite_or_exit(course: Path, assignment: str) -> Suite:
    """The hidden suite of ``assignment``; a missing or broken suite is a usage error
    naming the file and line."""
    try:
        return hidden_suite(course, assignment)
    except (CourseError, SuiteError) as exc:
        raise UsageError(str(exc)) from None
