"""``nngrade gradescope``: the autograder package for Gradescope."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from autograder.authoring import gradescope as package
from autograder.cli.common import DEFAULT_SEED, UsageError, console, course_of
from autograder.cli.isolation import protected, start_workers
from autograder.sandbox.tiers import Policy

POLICIES = [p.value for p in Policy]


def _visibility(name: str, default: str, what: str):
    return click.option(f"--{name}", type=click.Choice(package.VISIBILITY), default=default,
                        show_default=True, help=f"When students see {what}.")


@click.command()
@click.option("-a", "--assignment", required=True, help="Assignment id, e.g. hw1_forward.")
@click.option("--out", type=click.Path(file_okay=False), default="out", show_default=True,
              help="Writes OUT/<assignment>/autograder.zip.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="Grading seed: hidden inputs derive from it (keep it per term).")
@click.option("--isolation", type=click.Choice(POLICIES), default=Policy.REDUCED_OK.value,
              show_default=True, help="Weakest sandbox the package accepts in Gradescope's "
              "container (Docker refuses namespaces there: reduced is the usual tier).")
@_visibility("visibility", "visible", "the results as a whole")
@_visibility("test-visibility", "visible", "each question's score and which checks passed")
@_visibility("details-visibility", "after_published",
             "the full feedback of a failed question, which names expected values")
@_visibility("stdout-visibility", "hidden", "the grader's log (isolation, timings)")
@click.option("--check-isolation", type=click.Choice(POLICIES),
              help="Sandbox for the check on this machine (default: as --isolation).")
@click.option("--no-check", is_flag=True,
              help="Write the package without grading the master and blank notebooks first.")
@click.pass_context
def gradescope(ctx, assignment: str, out: str, seed: int, isolation: str, visibility: str,
               test_visibility: str, details_visibility: str, stdout_visibility: str,
               check_isolation: str | None, no_check: bool) -> None:
    """Build autograder.zip, Gradescope's autograder package for one assignment.

    Upload it as the assignment's autograder ("Zip file upload"). Before writing it, the
    master notebook must score full marks and the blank student notebook zero, graded
    here as the package will grade on Gradescope.
    """
    course = course_of(ctx)
    try:
        config = package.GradescopeConfig(assignment, seed, isolation, visibility,
                                          test_visibility, details_visibility,
                                          stdout_visibility)
        if not no_check:
            _check(course, assignment, seed, check_isolation or isolation)
        path = package.build(course, config, Path(out) / assignment / "autograder.zip")
    except package.PackageError as exc:
        raise UsageError(str(exc)) from None
    console.print(f"Wrote {path}: upload it to Gradescope as the autograder of {assignment} "
                  f"(isolation {isolation}; details shown {details_visibility}).")


def _check(course: Path, assignment: str, seed: int, isolation: str) -> None:
    from autograder.engine.course import hidden_suite  # the suite is loaded once checked

    factory = start_workers(hidden_suite(course, assignment).preload, isolation,
                            protected(course))
    try:
        graded, problems = package.preflight(course, assignment, factory, seed)
    finally:
        factory.close()
    for name, result in graded.items():
        console.print(f"checked: {name} {result.score:g} / {result.max_score:g}")
    if problems:
        for problem in problems:
            console.print(f"[red]{problem}[/]", highlight=False)
        console.print("Not written: fix the master notebook or the hidden suite first.")
        sys.exit(1)
