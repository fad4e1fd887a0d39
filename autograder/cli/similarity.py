"""``nngrade similarity``: pairs of submissions that share much of their own code."""

from __future__ import annotations

from pathlib import Path

import click

from autograder.cli.common import UsageError, console, course_of
from autograder.records.gradebook import Gradebook
from autograder.records.intake import IntakeError, take_in
from autograder.records.similarity import load_sources, similar_pairs, write_similarity_report


@click.command()
@click.argument("paths", nargs=-1, required=False)
@click.option("-a", "--assignment", required=True, help="Assignment id.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=0.5, show_default=True,
              help="Report pairs where at least this share of one notebook's own code "
                   "matches the other.")
@click.option("--db", default="out/gradebook.db", show_default=True,
              help="Gradebook whose latest submissions are compared when no PATHS are given.")
@click.option("--out", type=click.Path(file_okay=False), default="out", show_default=True)
@click.pass_context
def similarity(ctx, paths, assignment: str, threshold: float, db: str, out: str) -> None:
    """Find pairs of submissions with similar code (token fingerprints, copydetect).

    Compares the notebooks in PATHS (files or folders), or else each student's latest
    submission in the gradebook. The code given in assignments/<hw>/<hw>.ipynb is
    ignored. Writes <out>/<hw>/similarity.html with the matching code side by side.
    """
    course = course_of(ctx)
    given = course / "assignments" / assignment / f"{assignment}.ipynb"
    if not given.is_file():
        raise UsageError(f"no student notebook {given}: is {assignment!r} an assignment of "
                         "this course? (see --course)")
    notebooks = _notebooks(paths, assignment, db)
    sources, skipped = load_sources(notebooks, given)
    matches = similar_pairs(sources, threshold)
    path = write_similarity_report(matches, assignment, Path(out) / assignment /
                                   "similarity.html", threshold=threshold,
                                   compared=len(sources), skipped=skipped, given=given)
    for m in matches:
        console.print(f"{m.similarity:4.0%}  {m.a.student} and {m.b.student} "
                      f"({m.share_a:.0%} and {m.share_b:.0%} of their code)", highlight=False)
    console.print(f"{len(sources)} notebooks compared, {len(matches)} pairs at or above "
                  f"{threshold:.0%}; not compared: {len(skipped)}. Wrote {path}")


def _notebooks(paths: tuple[str, ...], assignment: str, db: str) -> dict[str, Path]:
    """Student id -> notebook, from PATHS or the gradebook's latest submissions."""
    if paths:
        try:
            jobs = take_in([Path(p) for p in paths], assignment, None).jobs
        except IntakeError as exc:
            raise UsageError(str(exc)) from None
        if not jobs:
            raise UsageError("no notebooks (.ipynb) in the given paths")
        return {job.student: job.path for job in jobs}
    results = Gradebook(db).latest(assignment)
    if not results:
        raise UsageError(f"no grades for {assignment} in {db}; give notebooks or folders")
    return {r.student: Path(r.path) for r in results}
