"""``nngrade assign``: student notebooks from master notebooks."""

from __future__ import annotations

import sys

import click

from autograder.authoring import assign as assign_mod
from autograder.cli.common import console, course_of, load_suite_or_exit


@click.command()
@click.argument("assignments", nargs=-1)
@click.option("--check", "check_only", is_flag=True,
              help="Do not write; exit 1 if assignments/ is out of date.")
@click.pass_context
def assign(ctx, assignments: tuple[str, ...], check_only: bool) -> None:
    """Generate assignments/<hw>/ from solutions/<hw>/ with Otter Assign.

    Without ASSIGNMENTS, every assignment that has a master notebook.
    """
    course = course_of(ctx)
    names = list(assignments) or assign_mod.assignments(course)
    stale_any = False
    for name in names:
        try:
            problems = assign_mod.disagreements(course, load_suite_or_exit(course, name))
            if problems:
                raise assign_mod.AssignError(
                    f"{name}: the master notebook and hidden.py disagree: {'; '.join(problems)}")
            if check_only:
                stale = assign_mod.stale(course, name)
                stale_any |= bool(stale)
                state = f"out of date: {', '.join(stale)}" if stale else "up to date"
                console.print(f"{name}: {state}")
            else:
                path = assign_mod.generate(course, name, course / "assignments" / name)
                console.print(f"{name}: wrote {path.relative_to(course)}")
        except assign_mod.AssignError as exc:
            console.print(f"[red]{exc}[/]", soft_wrap=True, highlight=False)
            sys.exit(1)
    if stale_any:
        console.print("Run `nngrade assign` and commit the result.")
        sys.exit(1)
