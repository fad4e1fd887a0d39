"""Exports of graded results: CSV gradebook, Canvas, Gradescope, feedback, manual answers.

Every export says plainly what is not final: a manual question nobody has graded yet
is ``pending`` (never a silent 0), a file that could not be graded is ``refused`` with
its reason, a late penalty is its own column. Identities (name, SIS ids, section) come
from the roster when there is one.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from pathlib import Path

from autograder.engine.results import QuestionResult, Status, SubmissionResult, question_ids
from autograder.records.manual import write_manual_csv
from autograder.records.roster import Roster, Student

FORMATS = ("csv", "canvas", "gradescope", "feedback", "manual")
IDENTITY = ("name", "email", "sis_user_id", "sis_login_id", "section")


def safe_name(student: str) -> str:
    """A file name for a student id (ids come from file names, which may be odd)."""
    return re.sub(r"[^\w.-]+", "_", student).strip("._") or "student"


def num(x: float) -> str:
    """A score as text: exact to the gradebook's 6 decimals, no trailing zeros."""
    return f"{round(x, 6):.10g}"


def incomplete(results: Iterable[SubmissionResult]) -> list[tuple[str, str]]:
    """(student, why) for every result that is not a final grade yet."""
    found = []
    for r in results:
        if r.error:
            found.append((r.student, f"refused: {r.error}"))
        elif r.pending:
            found.append((r.student, f"pending manual grade: {', '.join(r.pending)}"))
    return found


def state(r: SubmissionResult) -> str:
    """One word or phrase for the grade's state in a CSV."""
    if r.error:
        return "refused"
    return f"pending: {' '.join(r.pending)}" if r.pending else "final"


def _identity(roster: Roster | None, student: str) -> Student:
    found = roster.students.get(student) if roster else None
    return found or Student(student, "")


def gradebook_csv(results: list[SubmissionResult], path: Path,
                  roster: Roster | None = None) -> Path:
    """One row per student: identity, each question's points (``pending`` until graded
    by hand), the total, the late penalty and the final score, and the grade's state."""
    qids = question_ids(results)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", *IDENTITY, *qids, "total", "max", "days_late", "penalty",
                    "final", "state", "attempt", "version", "sha256", "error"])
        for r in results:
            who = _identity(roster, r.student)
            by_id = {q.question: q for q in r.questions}
            cells = [_points(by_id[q]) if q in by_id else "" for q in qids]
            w.writerow([r.student, *(getattr(who, c) for c in IDENTITY), *cells, num(r.score),
                        num(r.max_score), r.days_late, num(r.penalty), num(r.final_score),
                        state(r), r.attempt, r.version, r.sha256, r.error])
    return path


def _points(q: QuestionResult) -> str:
    return "pending" if q.pending else num(q.score or 0.0)


def canvas_csv(results: list[SubmissionResult], assignment: str, path: Path,
               roster: Roster | None = None) -> Path:
    """Canvas's gradebook import: students matched on ID, SIS User ID and SIS Login ID
    from the roster; the score is the final one, after the late penalty."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment])
        w.writerow(["    Points Possible", "", "", "", "",
                    f"{results[0].max_score:g}" if results else ""])
        for r in results:
            who = _identity(roster, r.student)
            w.writerow([who.name or r.student, who.id, who.sis_user_id, who.sis_login_id,
                        who.section, num(r.final_score)])
    return path


def gradescope_results(result: SubmissionResult) -> dict:
    """Gradescope's ``results.json`` for one submission. A pending manual question is
    left out of the score and shown as pending, not as failed."""
    tests = []
    for q in result.questions:
        test = {"name": q.question, "max_score": q.max_points, "visibility": "visible",
                "output": f"[{q.status}] {describe(q)}"}
        if q.pending:
            test["output"] = "[pending] Graded by hand; the score will be added later."
        else:
            test["score"] = q.score or 0.0
            test["status"] = "passed" if q.status == Status.PASSED else "failed"
        tests.append(test)
    out = {"score": result.score, "execution_time": result.seconds, "tests": tests,
           "visibility": "visible", "stdout_visibility": "hidden"}
    if result.error:
        out["output"] = f"This submission could not be graded: {result.error}"
    elif result.pending:
        out["output"] = (f"Questions {', '.join(result.pending)} are graded by hand; "
                         "the score shown does not include them yet.")
    return out


def write_gradescope(results: list[SubmissionResult], outdir: Path) -> list[Path]:
    paths = []
    for r in results:
        path = outdir / safe_name(r.student) / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(gradescope_results(r), indent=2))
        paths.append(path)
    return paths


def describe(q: QuestionResult) -> str:
    """A question's feedback, with who graded it by hand and what they said."""
    if not q.graded_by:
        return q.feedback
    said = f": {q.comment}" if q.comment else ""
    if q.auto_score is not None:
        return (f"Score set by {q.graded_by}{said} (the automatic score was "
                f"{num(q.auto_score)}).\nAutomatic feedback: {q.feedback}")
    return f"Graded by {q.graded_by}{said}"


def feedback_text(result: SubmissionResult) -> str:
    """A student's feedback: total, then each question's status and message."""
    lines = [f"# {result.assignment}: feedback for {result.student}", "",
             f"Score: {num(result.score)} / {result.max_score:g} (attempt {result.attempt}, "
             f"file sha256 {result.sha256[:12]})", ""]
    if result.penalty:
        lines += [f"Submitted {result.days_late} day(s) late: {num(result.penalty)} points off; "
                  f"final score {num(result.final_score)}.", ""]
    if result.pending:
        lines += [f"Still to be graded by hand: {', '.join(result.pending)}.", ""]
    if result.error:
        lines += [f"**This submission could not be graded:** {result.error}", ""]
    failed_cells = [c for c in result.cells if not c.ok]
    if failed_cells:
        lines.append("Cells that failed when your notebook ran from top to bottom:")
        lines += [f"- {c.where}: {c.error}" for c in failed_cells]
        lines.append("")
    for q in result.questions:
        points = "pending" if q.pending else num(q.score or 0.0)
        lines += [f"## {q.question}: {points} / {q.max_points:g} ({q.status})", "",
                  "```", describe(q).strip() or "-", "```", ""]
    return "\n".join(lines)


def write_feedback(results: list[SubmissionResult], outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for r in results:
        path = outdir / f"{safe_name(r.student)}.md"
        path.write_text(feedback_text(r))
        paths.append(path)
    return paths


def manual_answers(results: list[SubmissionResult], assignment: str, path: Path,
                   prompts: dict[str, str] | None = None) -> Path:
    """Every answer to a manually graded question, one section per student, in Markdown
    (with each question's prompt), and ``manual.csv`` beside it: the current hand grades,
    to fill in and merge back (``nngrade grade --manual-scores``)."""
    lines = [f"# {assignment}: answers to grade by hand", ""]
    for qid, prompt in (prompts or {}).items():
        lines += [f"**{qid} asks:** {prompt}", ""]
    for r in results:
        manual = [q for q in r.questions if q.manual]
        if not manual:
            continue
        lines += [f"## {r.student}", ""]
        for q in manual:
            grade = ("pending" if q.pending
                     else f"{num(q.score or 0.0)} by {q.graded_by or 'the engine'}")
            lines += [f"### {q.question} ({q.max_points:g} points; now {grade})", "",
                      q.answer.strip() or "_(no answer)_", ""]
    path.write_text("\n".join(lines))
    write_manual_csv(results, path.with_suffix(".csv"))
    return path
