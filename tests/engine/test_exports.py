"""Exports say what is not final: pending manual questions, refused files, overrides,
late penalties."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

from autograder.engine.results import QuestionResult, Status, SubmissionResult
from autograder.records.config import CourseConfig, LatePolicy
from autograder.records.export import (
    canvas_csv,
    feedback_text,
    gradebook_csv,
    gradescope_results,
    incomplete,
)
from autograder.records.roster import Roster, Student


def result(student="7", pending=True, error="", late=False):
    r = SubmissionResult(student, "hw", f"/x/{student}.ipynb", "a" * 64, 1, late=late,
                         error=error, attempt=1, version=1)
    r.questions = [QuestionResult("q1", 2.0, 2.0, Status.PASSED, "All 3 checks passed."),
                   QuestionResult("q2", 3.0, 1.0, Status.PARTIAL, "first mismatch ...",
                                  graded_by="tara", comment="close", auto_score=0.5),
                   QuestionResult("q3", 3.0, None if pending else 2.0,
                                  Status.MANUAL if pending else Status.PARTIAL, "",
                                  manual=True, graded_by="" if pending else "tara")]
    return r


def test_gradescope_leaves_a_pending_question_out_of_the_score_and_never_calls_it_failed():
    data = gradescope_results(result())
    q3 = data["tests"][2]
    assert "score" not in q3 and "status" not in q3 and q3["output"].startswith("[pending]")
    assert data["score"] == 3.0 and "q3" in data["output"]
    assert data["tests"][1]["output"].startswith("[partial] Score set by tara: close "
                                                 "(the automatic score was 0.5)")


def test_incomplete_lists_pending_and_refused_grades():
    assert incomplete([result("1"), result("2", pending=False), result("3", error="bad")]) == [
        ("1", "pending manual grade: q3"), ("3", "refused: bad")]


def test_csv_and_canvas_carry_identities_states_and_the_late_penalty(tmp_path):
    roster = Roster([Student("7", "Ada Lovelace", "ada@x", "S-7", "ada", "B")])
    results = [result(pending=False, late=True)]
    config = CourseConfig(tmp_path, late=LatePolicy(penalty_per_day=10))
    config.apply_late_policy(results)
    assert (results[0].days_late, results[0].penalty) == (1, 0.8)
    [row] = csv.DictReader(gradebook_csv(results, tmp_path / "g.csv", roster).open())
    assert (row["name"], row["sis_user_id"], row["section"]) == ("Ada Lovelace", "S-7", "B")
    assert (row["total"], row["penalty"], row["final"], row["state"]) == ("5", "0.8", "4.2",
                                                                          "final")
    lines = list(csv.reader(canvas_csv(results, "hw", tmp_path / "c.csv", roster).open()))
    assert lines[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "hw"]
    assert lines[2] == ["Ada Lovelace", "7", "S-7", "ada", "B", "4.2"]


def test_a_deadline_sets_lateness_from_the_submission_time(tmp_path):
    r = result(pending=False)
    r.submitted_at = datetime(2026, 10, 8, 1, 0, tzinfo=UTC)
    config = CourseConfig(tmp_path, late=LatePolicy(penalty_per_day=25, max_penalty=40),
                          deadlines={"hw": datetime(2026, 10, 6, 23, 0, tzinfo=UTC)})
    config.apply_late_policy([r])
    assert (r.late, r.days_late, r.penalty) == (True, 2, 3.2)  # 50 % capped at 40 % of 8
    assert "2 day(s) late: 3.2 points off; final score 1.8" in feedback_text(r)


def test_feedback_names_who_graded_by_hand_and_what_is_pending():
    text = feedback_text(result())
    assert "Still to be graded by hand: q3." in text and "## q3: pending / 3" in text
    assert "Score set by tara: close (the automatic score was 0.5)" in text
