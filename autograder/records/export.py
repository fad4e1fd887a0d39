"""Exports of graded results: CSV gradebook, Gradescope, Canvas, feedback files."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from autograder.engine.results import Status, SubmissionResult, question_ids

FORMATS = ("csv", "gradescope", "canvas", "feedback", "manual")


def safe_name(student: str) -> str:
    """A file name for a student id (ids come from file names, which may be odd)."""
    return re.sub(r"[^\w.-]+", "_", student).strip("._") or "student"


def gradebook_csv(results: list[SubmissionResult], path: Path) -> Path:
    """One row per student, one column per question, then total, max and status."""
    qids = question_ids(results)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", *qids, "total", "max", "attempt", "sha256", "error"])
        for r in results:
            by_id = {q.question: q for q in r.questions}
            cells = [_points(by_id[q].score, by_id[q].status) if q in by_id else "" for q in qids]
            w.writerow([r.student, *cells, num(r.score), num(r.max_score), r.attempt,
                        r.sha256, r.error])
    return path


def _points(score: float | None, status: str) -> str:
    return "pending" if status == Status.MANUAL or score is None else num(score)


def num(x: float) -> str:
    """A score as text: exact to the gradebook's 6 decimals, no trailing zeros."""
    return f"{round(x, 6):.10g}"


def gradescope_results(result: SubmissionResult) -> dict:
    """Gradescope's ``results.json`` for one submission."""
    tests = [{"name": q.question, "score": q.score or 0.0, "max_score": q.max_points,
              "status": "passed" if q.status == Status.PASSED else "failed",
              "output": f"[{q.status}] {q.feedback}", "visibility": "visible"}
             for q in result.questions]
    out = {"score": result.score, "execution_time": result.seconds, "tests": tests,
           "visibility": "visible", "stdout_visibility": "hidden"}
    if result.error:
        out["output"] = f"This submission could not be graded: {result.error}"
    return out


def write_gradescope(results: list[SubmissionResult], outdir: Path) -> list[Path]:
    paths = []
    for r in results:
        path = outdir / safe_name(r.student) / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(gradescope_results(r), indent=2))
        paths.append(path)
    return paths


def canvas_csv(results: list[SubmissionResult], assignment: str, path: Path) -> Path:
    """Canvas's gradebook import format; students are matched on their SIS login id."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment])
        w.writerow(["    Points Possible", "", "", "", "",
                    f"{results[0].max_score:g}" if results else ""])
        for r in results:
            w.writerow([r.student, "", "", r.student, "", num(r.score)])
    return path


def feedback_text(result: SubmissionResult) -> str:
    """A student's feedback: total, then each question's status and message."""
    lines = [f"# {result.assignment}: feedback for {result.student}", "",
             f"Score: {result.score:g} / {result.max_score:g} (attempt {result.attempt}, "
             f"file sha256 {result.sha256[:12]})", ""]
    if result.error:
        lines += [f"**This submission could not be graded:** {result.error}", ""]
    failed_cells = [c for c in result.cells if not c.ok]
    if failed_cells:
        lines.append("Cells that failed when your notebook ran from top to bottom:")
        lines += [f"- cell {c.index + 1}: {c.error}" for c in failed_cells]
        lines.append("")
    for q in result.questions:
        points = "pending" if q.score is None else f"{q.score:g}"
        lines += [f"## {q.question}: {points} / {q.max_points:g} ({q.status})", "",
                  "```", q.feedback.strip() or "-", "```", ""]
    return "\n".join(lines)


def write_feedback(results: list[SubmissionResult], outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for r in results:
        path = outdir / f"{safe_name(r.student)}.md"
        path.write_text(feedback_text(r))
        paths.append(path)
    return paths


def manual_answers(results: list[SubmissionResult], assignment: str, path: Path) -> Path:
    """Every answer to a manually graded question, one section per student, in Markdown,
    with a CSV template to fill in and merge back (``nngrade grade --manual-scores``)."""
    lines = [f"# {assignment}: answers to grade by hand", ""]
    rows = []
    for r in results:
        manual = [q for q in r.questions if q.status == Status.MANUAL or q.answer]
        if not manual:
            continue
        lines += [f"## {r.student}", ""]
        for q in manual:
            lines += [f"### {q.question} ({q.max_points:g} points)", "",
                      q.answer.strip() or "_(no answer)_", ""]
            rows.append([r.student, q.question, "" if q.score is None else f"{q.score:g}",
                         f"{q.max_points:g}", ""])
    path.write_text("\n".join(lines))
    with open(path.with_suffix(".csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "question", "score", "max_points", "comment"])
        w.writerows(rows)
    return path
