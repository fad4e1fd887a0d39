"""The instructor's report: what the class got wrong, how each question behaved, every
student's scores and how the grading was done, as one self-contained HTML page."""

from __future__ import annotations

import os
from pathlib import Path

from autograder.engine.results import SubmissionResult, question_ids
from autograder.records import analysis, plots
from autograder.records.export import safe_name
from autograder.records.pages import write_page


def write_report(results: list[SubmissionResult], assignment: str, outdir: Path,
                 feedback_dir: Path | None = None) -> Path:
    """Write ``report.html`` into ``outdir``; returns its path. ``feedback_dir`` holds
    the students' feedback pages that the student table links to."""
    rows = analysis.student_rows(results)
    totals = analysis.totals(rows)
    items = analysis.item_analysis(results)
    facts = analysis.facts(results)
    feedback_dir = feedback_dir or outdir.parent / "feedback"
    link = Path(os.path.relpath(feedback_dir, outdir))
    figures = {
        "scores": _score_figure(rows, totals),
        "outcomes": plots.outcomes(items) if items else None,
        "times": plots.grading_times(facts.seconds) if facts.seconds else None,
    }
    return write_page(outdir / "report.html", "report.html.j2", assignment=assignment,
                      qids=question_ids(results), rows=rows, totals=totals, items=items,
                      misconceptions=analysis.misconceptions(results), facts=facts,
                      figures=figures,
                      links={r.student: (link / f"{safe_name(r.student)}.html").as_posix()
                             for r in results})


def _score_figure(rows: list[analysis.StudentRow], totals: analysis.Totals) -> str | None:
    if not rows:
        return None
    if totals.possible is not None:
        return plots.score_histogram([row.points for row in rows], totals.possible,
                                     f"total score (of {totals.possible:g} graded points)")
    return plots.score_histogram([100 * row.share for row in rows], 100,
                                 "share of graded points (%)")
