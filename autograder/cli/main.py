"""``nngrade``: the command line of the course (instructors grade, everyone checks).

Exit codes: 0 done; 1 some submission could not be graded (it is still recorded,
with its reason); 2 usage error.

Each command lives in its own module and is imported only when it runs, so
``nngrade --help`` and a single ``check`` do not pay for what they do not use.
"""

from __future__ import annotations

import importlib
import sys

import click

# name -> (module, function, one-line help shown by ``nngrade --help``)
COMMANDS = {
    "assign": ("autograder.cli.assign", "assign",
               "Generate assignments/<hw>/ from solutions/<hw>/ with Otter Assign."),
    "check": ("autograder.cli.check", "check",
              "Grade one NOTEBOOK and print its feedback (records nothing)."),
    "grade": ("autograder.cli.grade", "grade",
              "Grade submitted notebooks (files or folders of .ipynb) into the gradebook."),
    "export": ("autograder.cli.exports", "export",
               "Export the latest grade of every student from the gradebook."),
    "report": ("autograder.cli.exports", "report",
               "Instructor report (HTML with plots) from the gradebook."),
    "similarity": ("autograder.cli.similarity", "similarity",
                   "Find pairs of submissions with similar code (token fingerprints)."),
    "gradescope": ("autograder.cli.gradescope", "gradescope",
                   "Build autograder.zip, Gradescope's autograder package for an assignment."),
    "serve": ("autograder.cli.serve", "serve",
              "Run the course's submission service; 'serve tokens' issues sign-in tokens."),
    "demo": ("autograder.cli.demo", "demo",
             "Grade the bundled sample submissions of every assignment and print the scores."),
}


# Commands that grade here: the fork server starts before their modules are imported.
GRADING = {"check", "grade", "demo"}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] in GRADING and not _help_or_cluster(args[1:]):
            from autograder.engine.launch import start_early

            start_early()
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        finally:  # a command that ended before grading leaves no fork server behind
            launch = sys.modules.get("autograder.engine.launch")  # loaded if one started
            if launch is not None:
                launch.discard_early()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, _, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _help_or_cluster(args: list[str]) -> bool:
    """Whether the command will only print its help or grade on a Dask cluster."""
    return any(a in ("-h", "--help") or a.startswith("--scheduler") for a in args)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--course", type=click.Path(file_okay=False), envvar="NNGRADE_COURSE",
              help="Course folder (with solutions/ and assignments/). Default: the current "
                   "folder if it has solutions/, else this installation's course.")
@click.option("--config", type=click.Path(dir_okay=False), envvar="NNGRADE_CONFIG",
              help="Course configuration file. Default: course.toml in the course folder.")
@click.pass_context
def main(ctx: click.Context, course: str | None, config: str | None) -> None:
    """Autograder for the neural-networks course.

    \b
    Instructors:  nngrade assign                       (regenerate student notebooks)
                  nngrade grade submissions/ -a hw1_forward
                  nngrade export -a hw1_forward --format csv
                  nngrade report -a hw1_forward
                  nngrade similarity -a hw1_forward
                  nngrade gradescope -a hw1_forward    (autograder.zip for Gradescope)
    Instructors and TAs:
                  nngrade check a_notebook.ipynb       (needs the course's solutions/)
    Everyone:     nngrade demo                         (grade the bundled samples)
    """
    ctx.ensure_object(dict)
    ctx.obj["course"] = course
    ctx.obj["config"] = config
