"""``nngrade export`` and ``report``: what is made from the gradebook."""

from __future__ import annotations

from pathlib import Path

import click

from autograder.cli.common import UsageError, console
from autograder.records import export as export_mod
from autograder.records.feedback_pages import write_feedback_pages
from autograder.records.gradebook import Gradebook
from autograder.records.report import write_report


@click.command()
@click.option("-a", "--assignment", required=True, help="Assignment id.")
@click.option("--format", "fmt", type=click.Choice(export_mod.FORMATS), default="csv",
              show_default=True)
@click.option("--db", default="out/gradebook.db", show_default=True)
@click.option("--out", type=click.Path(file_okay=False), default="out", show_default=True)
def export(assignment: str, fmt: str, db: str, out: str) -> None:
    """Export the latest grade of every student from the gradebook.

    \b
    csv         gradebook.csv: one row per student, one column per question
    gradescope  <student>/results.json in Gradescope's format
    canvas      canvas.csv for Canvas's gradebook import (matched on SIS login id)
    feedback    feedback/<student>.md
    manual      manual.md (answers to grade by hand) and manual.csv (to fill in)
    """
    book = Gradebook(db)
    results = book.latest(assignment)
    if not results:
        raise UsageError(f"no grades for {assignment} in {db}")
    folder = Path(out) / assignment
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        written = export_mod.gradebook_csv(results, folder / "gradebook.csv")
    elif fmt == "gradescope":
        export_mod.write_gradescope(results, folder / "gradescope")
        written = folder / "gradescope"
    elif fmt == "canvas":
        written = export_mod.canvas_csv(results, assignment, folder / "canvas.csv")
    elif fmt == "feedback":
        export_mod.write_feedback(results, folder / "feedback")
        written = folder / "feedback"
    else:
        written = export_mod.manual_answers(results, assignment, folder / "manual.md")
    console.print(f"Wrote {written}")


@click.command()
@click.option("-a", "--assignment", required=True, help="Assignment id.")
@click.option("--db", default="out/gradebook.db", show_default=True)
@click.option("--out", type=click.Path(file_okay=False), default="out", show_default=True)
def report(assignment: str, db: str, out: str) -> None:
    """Instructor report (one self-contained HTML page) from the gradebook.

    \b
    Writes <out>/<assignment>/report/report.html: the misconceptions of the class,
    an item analysis per question, the score distribution, a sortable table of the
    students linked to their feedback pages (<out>/<assignment>/feedback/, written
    here when missing), and the grading facts.
    """
    results = Gradebook(db).latest(assignment)
    if not results:
        raise UsageError(f"no grades for {assignment} in {db}")
    folder = Path(out) / assignment
    write_feedback_pages(results, folder / "feedback", only_missing=True)
    path = write_report(results, assignment, folder / "report", folder / "feedback")
    console.print(f"Wrote {path}")
