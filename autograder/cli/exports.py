"""``nngrade export`` and ``report``: what is made from the gradebook."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from autograder.cli.common import (
    UsageError,
    config_of,
    console,
    course_of,
    load_suite_or_exit,
    open_gradebook,
    roster_of,
    writable_folder,
)
from autograder.records import export as export_mod
from autograder.records.feedback_pages import write_feedback_pages
from autograder.records.gradebook import Gradebook
from autograder.records.report import write_report
from autograder.records.roster import Roster

POSTABLE = ("csv", "canvas", "gradescope")  # formats that carry grades to students


@click.command()
@click.option("-a", "--assignment", required=True, help="Assignment id.")
@click.option("--format", "fmt", type=click.Choice(export_mod.FORMATS), default="csv",
              show_default=True)
@click.option("--db", help="Gradebook (default: course.toml, else out/gradebook.db).")
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default: out).")
@click.option("--roster", type=click.Path(dir_okay=False),
              help="Roster CSV for names and SIS ids (default: course.toml's).")
@click.option("--allow-pending", is_flag=True,
              help="Export grades even while manual questions are pending or files were "
                   "refused (they count 0, and gradebook.csv's state column says so).")
@click.pass_context
def export(ctx, assignment: str, fmt: str, db: str | None, out: str | None,
           roster: str | None, allow_pending: bool) -> None:
    """Export the counted grade of every student from the gradebook.

    \b
    csv         gradebook.csv: identities, each question, total, late penalty, final
    canvas      canvas.csv for Canvas's gradebook import (ID and SIS ids from the roster)
    gradescope  <student>/results.json in Gradescope's format
    feedback    feedback/<student>.md
    manual      manual.md (answers to grade by hand) and manual.csv (to fill in, merge back)

    While a manual question is pending or a file was refused, csv, canvas and
    gradescope list them and exit 1 (see --allow-pending).
    """
    config = config_of(ctx)
    book = open_gradebook(db or config.db or "out/gradebook.db")
    results = book.latest(assignment)
    if not results:
        raise UsageError(f"no grades for {assignment} in {book.url}")
    config.apply_late_policy(results)
    the_roster = roster_of(roster, config)
    folder = writable_folder(Path(out or config.out or "out")) / assignment
    folder.mkdir(parents=True, exist_ok=True)
    unfinished = export_mod.incomplete(results)
    if fmt in POSTABLE and unfinished and not allow_pending:
        for student, why in unfinished:
            console.print(f"  {student}: {why}", highlight=False)
        console.print(f"[red]Not exported:[/] {len(unfinished)} grade(s) are not final. Grade "
                      "the pending questions (nngrade export --format manual, then nngrade "
                      "grade --manual-scores), or pass --allow-pending to export them as 0.")
        sys.exit(1)
    written = _write(fmt, results, assignment, folder, the_roster, ctx)
    console.print(f"Wrote {written}")
    if unfinished:
        console.print(f"[yellow]{len(unfinished)} grade(s) are not final[/] and count 0: "
                      + ", ".join(student for student, _ in unfinished), highlight=False)


def _write(fmt: str, results: list, assignment: str, folder: Path, roster: Roster | None,
           ctx: click.Context) -> Path:
    if fmt == "csv":
        return export_mod.gradebook_csv(results, folder / "gradebook.csv", roster)
    if fmt == "canvas":
        return export_mod.canvas_csv(results, assignment, folder / "canvas.csv", roster)
    if fmt == "gradescope":
        export_mod.write_gradescope(results, folder / "gradescope")
        return folder / "gradescope"
    if fmt == "feedback":
        export_mod.write_feedback(results, folder / "feedback")
        return folder / "feedback"
    suite = load_suite_or_exit(course_of(ctx), assignment)
    prompts = {q.id: q.prompt for q in suite.questions if q.manual and q.prompt}
    return export_mod.manual_answers(results, assignment, folder / "manual.md", prompts)




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
