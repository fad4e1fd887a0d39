"""``nngrade check``: grade one notebook and print its feedback, recording nothing.

It needs the course's hidden suites (``solutions/``), so it is for instructors and
teaching assistants; students run the public tests (``grader.check``) in their notebook.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from autograder.cli.common import (
    DEFAULT_SEED,
    UsageError,
    config_of,
    console,
    course_of,
    load_suite_or_exit,
    setup_logging,
)
from autograder.cli.display import print_feedback
from autograder.cli.isolation import (
    isolation_option,
    protected,
    require_platform,
    start_workers,
)
from autograder.engine.course import assignment_of
from autograder.engine.pipeline import grade_path


@click.command()
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False))
@click.option("-a", "--assignment", help="Assignment id. Default: read from the notebook.")
@click.option("--seed", type=int, help=f"Grading seed (default: course.toml, else "
                                       f"{DEFAULT_SEED}).")
@isolation_option
@click.pass_context
def check(ctx, notebook: str, assignment: str | None, seed: int | None,
          isolation: str) -> None:
    """Grade one NOTEBOOK and print its feedback (records nothing).

    The assignment is read from the notebook unless given with -a.
    """
    require_platform(isolation)
    course = course_of(ctx)
    seed = seed if seed is not None else config_of(ctx).seed or DEFAULT_SEED
    assignment = assignment or assignment_of(Path(notebook))
    if not assignment:
        raise UsageError("cannot tell the assignment from the notebook; pass -a/--assignment")
    suite = load_suite_or_exit(course, assignment)
    setup_logging(None, verbose=True)  # check is for instructors: show suite faults in full
    factory = start_workers(suite.preload, isolation, protected(course), suite.limits)
    try:
        result = grade_path(Path(notebook), suite, factory, seed)
    finally:
        factory.close()
    print_feedback(console, result)
    sys.exit(1 if result.error else 0)
